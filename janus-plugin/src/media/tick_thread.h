// A thread that calls a function at a fixed period: the mixer's 20 ms clock
// and the compositor's frame clock. A tick that falls behind by whole periods
// skips them (and says how many) rather than running a burst to catch up:
// late media is worthless, and a burst would only delay the next tick too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace mcu {

// Microseconds on the monotonic clock: packet arrival times and tick times.
int64_t monotonic_us();

class TickThread {
 public:
  // skipped: whole periods dropped before this tick; late: this tick started
  // more than late_after after its deadline.
  using Tick = std::function<void(uint64_t skipped, bool late)>;

  TickThread() = default;
  ~TickThread() { stop(); }
  TickThread(const TickThread&) = delete;
  TickThread& operator=(const TickThread&) = delete;

  // Does nothing when already running.
  void start(std::chrono::microseconds period, std::chrono::microseconds late_after, Tick tick);
  // Returns once the thread has finished its current tick and ended.
  void stop();

 private:
  void run(std::chrono::microseconds period, std::chrono::microseconds late_after,
           const Tick& tick);

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool running_ = false;  // guarded by mutex_
};

}  // namespace mcu
