// The Janus instances of the glue's pool, one JanusWorker each. A new conference room goes to
// the live instance with the most headroom (janus_placement.h); everything about a conference's
// calls then goes where its room is, and a call's actions where its session is. The placement
// itself is the core's durable state: the results name the instance, and the core's actions
// carry it back.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actions.h"
#include "glue_config.h"
#include "janus_worker.h"
#include "metrics.h"

namespace glue {

class JanusPool {
 public:
  JanusPool(const std::vector<JanusInstanceConfig>& instances,
            std::chrono::milliseconds health_interval, Metrics& metrics, JanusWorker::Post post);

  void start();
  void stop();
  // One of the core's Janus* actions. From one thread (the engine's).
  void submit(const Action& action);
  // Where state saved before instances had names was: the first configured.
  const std::string& first_instance() const { return names_.front(); }
  // The rooms a restored state has on each instance count towards its load.
  void count_restored_rooms(const std::map<std::string, int>& rooms);

 private:
  // The worker of `instance`; the first for a name no longer configured (or none).
  std::size_t index_of(const std::string& instance) const;
  std::size_t place();
  // An instance other than `instance` answered its latest health check.
  bool another_up(const std::string& instance) const;
  // The instance of a call's session (the first when unknown).
  std::size_t of_call(CallRef call) const;

  Metrics& metrics_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<JanusWorker>> workers_;
  // Conferences whose room a JanusCreateRoom went to (their first calls attach before the
  // room's result names the instance), and calls with a session.
  std::map<std::string, std::size_t> creating_;
  std::map<CallRef, std::size_t> calls_;
};

}  // namespace glue
