#include "janus_pool.h"

#include <algorithm>
#include <type_traits>
#include <variant>

#include "janus_placement.h"
#include "logger.h"

namespace glue {

JanusPool::JanusPool(const std::vector<JanusInstanceConfig>& instances,
                     std::chrono::milliseconds health_interval, double tick_load_high_water,
                     const std::string& room_tag, Metrics& metrics, JanusWorker::Post post)
    : metrics_(metrics), post_(post), tick_load_high_water_(tick_load_high_water) {
  // A lost instance's conferences move when another one is up (the core calls back).
  JanusWorker::Post tagged = [this, post](Event e) {
    if (auto* lost = std::get_if<JanusLost>(&e)) lost->another_up = another_up(lost->instance);
    post(std::move(e));
  };
  for (const JanusInstanceConfig& in : instances) {
    JanusInstanceGauges& gauges = metrics_.janus_instances.emplace_back();
    gauges.name = in.name;
    gauges.weight = in.weight;
    names_.push_back(in.name);
    workers_.push_back(std::make_unique<JanusWorker>(in.endpoint, health_interval, metrics, gauges,
                                                     tagged,
                                                     RoomReconciliation{room_tag, &tracked_}));
  }
}

void JanusPool::start() {
  for (auto& w : workers_) w->start();
}

void JanusPool::stop() {
  for (auto& w : workers_) w->stop();
}

std::size_t JanusPool::index_of(const std::string& instance) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == instance) return i;
  }
  if (!instance.empty()) {
    log_line(Severity::kWarn, "Janus instance %s is not configured (any more): using %s",
             instance.c_str(), names_.front().c_str());
  }
  return 0;
}

bool JanusPool::another_up(const std::string& instance) const {
  for (const JanusInstanceGauges& g : metrics_.janus_instances) {
    if (g.up != 0 && g.name != instance) return true;
  }
  return false;
}

// With no instance up (e.g. before the first health checks), every instance is a candidate:
// the request then fails or succeeds on its own, as with a single Janus. The participants are
// the plugin's count (everyone in its rooms, also rooms others made) or, when higher, ours
// (calls placed since the last health check).
std::size_t JanusPool::place() {
  std::vector<InstanceLoad> loads;
  for (const JanusInstanceGauges& g : metrics_.janus_instances) {
    loads.push_back({g.up != 0, static_cast<double>(g.weight),
                     std::max<long>(g.participants, g.reported_participants), g.conferences,
                     g.tick_load});
  }
  if (auto best = place_conference(loads, tick_load_high_water_)) return *best;
  for (InstanceLoad& l : loads) l.up = true;
  return place_conference(loads, tick_load_high_water_).value_or(0);
}

std::optional<std::size_t> JanusPool::place_linked(const std::vector<std::string>& exclude) {
  std::vector<InstanceLoad> loads;
  for (const JanusInstanceGauges& g : metrics_.janus_instances) {
    const bool excluded = std::find(exclude.begin(), exclude.end(), g.name) != exclude.end();
    loads.push_back({g.up != 0 && !excluded, static_cast<double>(g.weight),
                     std::max<long>(g.participants, g.reported_participants), g.conferences,
                     g.tick_load});
  }
  return place_conference(loads, tick_load_high_water_);
}

void JanusPool::count_restored_rooms(const std::map<std::string, int>& rooms) {
  for (const auto& [instance, n] : rooms)
    metrics_.janus_instances[index_of(instance)].conferences += n;
}

std::size_t JanusPool::of_call(CallRef call) const {
  auto it = calls_.find(call);
  return it != calls_.end() ? it->second : 0;
}

void JanusPool::submit(const Action& action) {
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        std::size_t i = 0;
        if constexpr (std::is_same_v<T, JanusCreateRoom>) {
          if (a.linked_room != 0) {
            const auto linked = place_linked(a.exclude);
            if (!linked) {
              post_(JanusRoomError{a.focus_user_id, 0,
                                   "no other live Janus instance for a linked room",
                                   a.linked_room});
              return;
            }
            i = *linked;
            log_line(Severity::kInfo, "conference %s: linked room %u placed on Janus %s",
                     a.focus_user_id.c_str(), a.linked_room, names_[i].c_str());
            workers_[i]->submit(action);
            return;
          }
          i = place();
          creating_[a.focus_user_id] = i;
          log_line(Severity::kInfo, "conference %s placed on Janus %s", a.focus_user_id.c_str(),
                   names_[i].c_str());
        } else if constexpr (std::is_same_v<T, JanusDestroyRoom> ||
                             std::is_same_v<T, JanusRoomRequest> ||
                             std::is_same_v<T, JanusLinkJoin> ||
                             std::is_same_v<T, JanusLinkConfigure> ||
                             std::is_same_v<T, JanusLinkLeave> ||
                             std::is_same_v<T, JanusLinkResume>) {
          i = index_of(a.instance);
        } else if constexpr (std::is_same_v<T, JanusAttach>) {
          auto creating = creating_.find(a.focus_user_id);
          if (!a.instance.empty()) {
            i = index_of(a.instance);
            if (creating != creating_.end()) creating_.erase(creating);  // its room is placed
          } else {
            i = creating != creating_.end() ? creating->second : place();
          }
          calls_[a.call] = i;
        } else if constexpr (std::is_same_v<T, JanusResume>) {
          i = index_of(a.instance);
          calls_[a.call] = i;
        } else if constexpr (std::is_same_v<T, JanusDestroySession>) {
          i = of_call(a.call);
          calls_.erase(a.call);
        } else if constexpr (std::is_same_v<T, JanusJoin> || std::is_same_v<T, JanusTrickle> ||
                             std::is_same_v<T, JanusAnswer> || std::is_same_v<T, JanusConfigure> ||
                             std::is_same_v<T, JanusRename> || std::is_same_v<T, JanusLeave>) {
          i = of_call(a.call);
        } else {
          return;  // not a Janus action
        }
        workers_[i]->submit(action);
      },
      action);
}

}  // namespace glue
