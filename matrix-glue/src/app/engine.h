// The one thread that owns the conference state machine: it takes the
// homeserver's recorded events from the inbox, the workers' results and the
// timers, feeds them to GlueState in order, and hands the actions out.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "glue_config.h"
#include "glue_state.h"
#include "janus_pool.h"
#include "matrix_worker.h"
#include "metrics.h"
#include "store.h"

namespace glue {

class Engine {
 public:
  Engine(const GlueConfig& config, Metrics& metrics);
  ~Engine();

  bool start(std::string* error);
  void stop();
  void run();  // until stop()

  void post(Event event);
  void inbox_changed();
  MatrixWorker& matrix() { return matrix_; }

 private:
  void process_inbox();
  // inbox_seq: the inbox row this event came from, marked done together with
  // the state it leads to; -1 for events that did not come from the inbox.
  void handle(const Event& event, int64_t inbox_seq = -1);
  void restore();
  void execute(const Action& action);
  void fire_timers();

  GlueConfig config_;
  Metrics& metrics_;
  GlueState state_;
  Store store_;
  MatrixWorker matrix_;
  JanusPool janus_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  bool inbox_dirty_ = true;  // a restart first finishes what the last run recorded
  bool stopping_ = false;

  std::map<std::string, int64_t> timers_;           // engine thread only
  std::map<std::string, int64_t> invite_received_;  // call_id -> ms, for the setup metric
};

}  // namespace glue
