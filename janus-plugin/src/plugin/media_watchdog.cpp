#include "media_watchdog.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "log.h"
#include "monotonic.h"
#include "rooms.h"
#include "state.h"
#include "tick_pool.h"

namespace conf {

namespace {

mcu::TickTask& watchdog_clock() {
  static mcu::TickTask clock;
  return clock;
}

// Runs on the plugin's worker: close_pc goes through Janus' core, never from a tick thread.
// A timeout of 0 is never reached.
void close_silent_peers(int64_t timeout_us, int64_t offer_timeout_us) {
  Plugin& pl = plugin();
  std::vector<std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lock(pl.rooms_mutex);
    for (const auto& [id, room] : pl.rooms) rooms.push_back(room);
  }
  const int64_t now = mcu::monotonic_us();
  std::vector<std::pair<std::shared_ptr<Participant>, std::shared_ptr<Session>>> silent;
  std::vector<std::pair<std::shared_ptr<Participant>, std::shared_ptr<Session>>> unanswered;
  for (const auto& room : rooms) {
    std::lock_guard lock(room->mutex);
    for (const auto& [id, member] : room->members) {
      const auto& p = member.first;
      const int64_t offered = p->offer_sent_us.load();
      if (offer_timeout_us > 0 && offered != 0 && now - offered > offer_timeout_us) {
        if (auto s = member.second.lock()) unanswered.emplace_back(p, s);
        continue;
      }
      if (timeout_us <= 0 || !p->webrtc || !p->webrtc->ready) continue;
      if (now - p->last_media_us.load(std::memory_order_relaxed) <= timeout_us) continue;
      if (auto s = member.second.lock()) silent.emplace_back(p, s);
    }
  }
  for (const auto& [p, s] : unanswered) {
    if (s->destroyed) continue;
    log(Level::kWarn, "participant %llu (%s): our offer has had no answer for %lld s: taken out",
        static_cast<unsigned long long>(p->id), p->display().c_str(),
        static_cast<long long>((now - p->offer_sent_us.load()) / 1000000));
    participant_gone(*s, "offer not answered");
    pl.gateway->close_pc(s->handle);
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

void start_media_watchdog(int media_timeout_s, int offer_timeout_s) {
  const int shorter = media_timeout_s <= 0   ? offer_timeout_s
                      : offer_timeout_s <= 0 ? media_timeout_s
                                             : std::min(media_timeout_s, offer_timeout_s);
  if (shorter <= 0) return;
  const auto period = std::chrono::microseconds(shorter * 1000000LL / 4);
  const int64_t timeout_us = media_timeout_s * 1000000LL;
  const int64_t offer_timeout_us = offer_timeout_s * 1000000LL;
  watchdog_clock().start(period, period, [timeout_us, offer_timeout_us](uint64_t, bool) {
    plugin().post(
        [timeout_us, offer_timeout_us] { close_silent_peers(timeout_us, offer_timeout_us); });
  });
}

void stop_media_watchdog() {
  watchdog_clock().stop();
}

}  // namespace conf
