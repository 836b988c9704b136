#include "media_watchdog.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "log.h"
#include "monotonic.h"
#include "state.h"
#include "tick_pool.h"

namespace conf {

namespace {

mcu::TickTask& watchdog_clock() {
  static mcu::TickTask clock;
  return clock;
}

// Runs on the plugin's worker: close_pc goes through Janus' core, never from a tick thread.
void close_silent_peers(int64_t timeout_us) {
  Plugin& pl = plugin();
  std::vector<std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lock(pl.rooms_mutex);
    for (const auto& [id, room] : pl.rooms) rooms.push_back(room);
  }
  const int64_t now = mcu::monotonic_us();
  std::vector<std::pair<std::shared_ptr<Participant>, std::shared_ptr<Session>>> silent;
  for (const auto& room : rooms) {
    std::lock_guard lock(room->mutex);
    for (const auto& [id, member] : room->members) {
      const auto& p = member.first;
      if (!p->webrtc || !p->webrtc->ready) continue;
      if (now - p->last_media_us.load(std::memory_order_relaxed) <= timeout_us) continue;
      if (auto s = member.second.lock()) silent.emplace_back(p, s);
    }
  }
  for (const auto& [p, s] : silent) {
    if (s->destroyed) continue;
    log(Level::kWarn,
        "participant %llu (%s): no RTP or RTCP for %lld s: closing its PeerConnection",
        static_cast<unsigned long long>(p->id), p->display().c_str(),
        static_cast<long long>((now - p->last_media_us.load()) / 1000000));
    pl.gateway->close_pc(s->handle);
  }
}

}  // namespace

void start_media_watchdog(int timeout_s) {
  if (timeout_s <= 0) return;
  const auto period = std::chrono::microseconds(std::max(1, timeout_s) * 1000000LL / 4);
  const int64_t timeout_us = timeout_s * 1000000LL;
  watchdog_clock().start(period, period, [timeout_us](uint64_t, bool) {
    plugin().post([timeout_us] { close_silent_peers(timeout_us); });
  });
}

void stop_media_watchdog() {
  watchdog_clock().stop();
}

}  // namespace conf
