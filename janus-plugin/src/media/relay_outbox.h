// A listener's mix packet held back by the mixer thread until the listener's
// own network thread passes by with an incoming packet and relays it there.
//
// Janus wakes a handle's loop thread for every packet queued to it from
// another thread; relaying from the thread that is already awake to receive
// saves that wake-up. A listener that sends nothing still hears the room: what
// is held for a whole tick goes out from the mixer thread on the next one, so
// a packet waits at most one tick. Relaying happens under the lock, so packets
// leave in the order they were mixed, each exactly once.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

namespace mcu {

class RelayOutbox {
 public:
  // Hands one packet to the transport; level as AudioOutput::send.
  using Relay = std::function<void(const uint8_t* packet, size_t len, int level)>;

  explicit RelayOutbox(Relay relay);

  // Mixer thread, once per tick at most: relays what is still held from the
  // last tick, then holds this packet (a packet too large to hold goes now).
  void hold(const uint8_t* packet, size_t len, int level);
  // Mixer thread, in a tick with no packet for this listener.
  void release();
  // The listener's network thread: relays what is held.
  void drain();

  // Any thread: packets relayed by drain() and by the mixer thread's fallback,
  // and the microseconds they waited here, all added up.
  uint64_t drained() const { return drained_.load(std::memory_order_relaxed); }
  uint64_t overdue() const { return overdue_.load(std::memory_order_relaxed); }
  uint64_t waited_us() const { return waited_us_.load(std::memory_order_relaxed); }

  static constexpr size_t kMaxPacket = 1500;

 private:
  void relay_held();  // with mutex_ held

  const Relay relay_;
  std::mutex mutex_;
  std::array<uint8_t, kMaxPacket> packet_{};  // guarded by mutex_
  size_t len_ = 0;                            // guarded by mutex_; 0 when nothing is held
  int level_ = -1;                            // guarded by mutex_
  int64_t held_at_us_ = 0;                    // guarded by mutex_
  std::atomic<uint64_t> drained_{0};
  std::atomic<uint64_t> overdue_{0};
  std::atomic<uint64_t> waited_us_{0};
};

}  // namespace mcu
