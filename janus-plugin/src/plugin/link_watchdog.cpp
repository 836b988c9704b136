#include "link_watchdog.h"

#include <chrono>
#include <memory>
#include <vector>

#include "events.h"
#include "log.h"
#include "monotonic.h"
#include "rooms.h"
#include "state.h"
#include "tick_pool.h"

namespace conf {

namespace {

// How often links are checked: the delay before a lost one is noticed, past its timeout.
constexpr auto kCheckPeriod = std::chrono::milliseconds(500);

mcu::TickTask& watchdog_clock() {
  static mcu::TickTask clock;
  return clock;
}

struct LostLink {
  std::shared_ptr<Room> room;
  std::shared_ptr<Participant> link;
  std::shared_ptr<Session> session;
};

// Runs on the plugin's worker, as leave does.
void remove_lost_links() {
  Plugin& pl = plugin();
  std::vector<std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lock(pl.rooms_mutex);
    for (const auto& [id, room] : pl.rooms) rooms.push_back(room);
  }
  const int64_t now = mcu::monotonic_us();
  std::vector<LostLink> lost;
  for (const auto& room : rooms) {
    std::lock_guard lock(room->mutex);
    for (const auto& [id, member] : room->members) {
      const auto& p = member.first;
      if (!p->link || p->link_timeout_s <= 0) continue;
      if (now - p->last_media_us.load(std::memory_order_relaxed) <= p->link_timeout_s * 1000000LL)
        continue;
      lost.push_back({room, p, member.second.lock()});
    }
  }
  for (const auto& [room, p, session] : lost) {
    log(Level::kWarn, "room %s: link %llu lost: nothing from %s for %d s", room->options.id.c_str(),
        static_cast<unsigned long long>(p->id), p->display().c_str(), p->link_timeout_s);
    if (session) {
      std::lock_guard lock(session->mutex);
      if (session->participant == p) session->participant.reset();
    }
    janus_plugin_session* handle = session ? session->handle : nullptr;
    remove_from_room(*room, p, "link lost", handle);
    if (!session || session->destroyed) continue;
    json_t* ev = room_event("event", *room);
    json_object_set_new(ev, "link_lost", json_integer(static_cast<json_int_t>(p->id)));
    push_notice(handle, ev);
  }
}

}  // namespace

void start_link_watchdog() {
  watchdog_clock().start(kCheckPeriod, kCheckPeriod,
                         [](uint64_t, bool) { plugin().post(remove_lost_links); });
}

void stop_link_watchdog() {
  watchdog_clock().stop();
}

}  // namespace conf
