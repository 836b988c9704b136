// The Janus instances of the glue's pool, one JanusWorker each. A new conference room goes to
// the live instance with the most headroom (janus_placement.h); everything about a conference's
// calls then goes where its room is, and a call's actions where its session is. The placement
// itself is the core's durable state: the results name the instance, and the core's actions
// carry it back. Each worker reconciles its instance's rooms with the state the engine hands
// the pool after each commit (track()).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actions.h"
#include "glue_config.h"
#include "janus_worker.h"
#include "metrics.h"
#include "tracked_rooms.h"

namespace glue {

class JanusPool {
 public:
  // `room_tag`: marks this deployment's rooms (room_tag.h).
  JanusPool(const std::vector<JanusInstanceConfig>& instances,
            std::chrono::milliseconds health_interval, double tick_load_high_water,
            const std::string& room_tag, Metrics& metrics, JanusWorker::Post post);

  void start();
  void stop();
  // One of the core's Janus* actions. From one thread (the engine's).
  void submit(const Action& action);
  // Where state saved before instances had names was: the first configured.
  const std::string& first_instance() const { return names_.front(); }
  // The rooms a restored state has on each instance count towards its load.
  void count_restored_rooms(const std::map<std::string, int>& rooms);
  // The rooms the committed state tracks per instance (GlueState::tracked_rooms): before
  // start(), then after every commit.
  void track(std::map<std::string, std::set<std::uint64_t>> rooms) {
    tracked_.set(std::move(rooms));
  }

 private:
  // The worker of `instance`; the first for a name no longer configured (or none).
  std::size_t index_of(const std::string& instance) const;
  std::size_t place();
  // A cascade's linked room: the live instance with the most headroom, none of `exclude`.
  std::optional<std::size_t> place_linked(const std::vector<std::string>& exclude);
  // An instance other than `instance` answered its latest health check.
  bool another_up(const std::string& instance) const;
  // The instance of a call's session (the first when unknown).
  std::size_t of_call(CallRef call) const;

  Metrics& metrics_;
  JanusWorker::Post post_;
  const double tick_load_high_water_;
  TrackedRooms tracked_;  // before the workers: they read it
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<JanusWorker>> workers_;
  // Conferences whose room a JanusCreateRoom went to (their first calls attach before the
  // room's result names the instance), and calls with a session.
  std::map<std::string, std::size_t> creating_;
  std::map<CallRef, std::size_t> calls_;
};

}  // namespace glue
