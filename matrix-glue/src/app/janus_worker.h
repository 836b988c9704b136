// The glue's side of Janus: one thread performs the core's Janus actions in
// order; each call's Janus session has a long-poll thread that turns its
// events (joined + answer, webrtcup, hangup, trickle, errors) into core
// events; a control session creates and destroys conference rooms and
// notices when Janus goes away or restarts (JanusLost): every health
// interval (5 s by default), and at once when a call's long poll fails or Janus
// no longer knows its session. One worker per Janus instance of the pool; its
// results name the instance, and it keeps the instance's gauges current: ours, and the
// plugin's own `load` at each health check. Each time the instance is found up (first, and
// after it was lost) the worker reconciles its rooms with the state (room_reconciler.h), before
// any room of its own is created there.
// Requests, answers and events are ConferenceClient's (io/): this class only schedules.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "actions.h"
#include "conference_client.h"
#include "events.h"
#include "metrics.h"
#include "tracked_rooms.h"

namespace glue {

// What marks this deployment's rooms (room_tag.h) and what the state tracks; without
// `tracked` a worker reconciles nothing.
struct RoomReconciliation {
  std::string tag;
  const TrackedRooms* tracked = nullptr;
};

class JanusWorker {
 public:
  using Post = std::function<void(Event)>;

  // `gauges`: this instance's entry of metrics.janus_instances (its name is the instance's).
  JanusWorker(JanusEndpoint endpoint, std::chrono::milliseconds health_interval, Metrics& metrics,
              JanusInstanceGauges& gauges, Post post, RoomReconciliation reconciliation = {});
  ~JanusWorker();

  void start();
  void stop();
  // One of the core's Janus* actions.
  void submit(const Action& action);

 private:
  struct CallSession {
    uint64_t session = 0;
    uint64_t handle = 0;
    std::atomic<bool> stop{false};      // also aborts a long poll in flight
    std::atomic<bool> finished{false};  // the poller has returned: join() will not block
    std::thread poller;
    std::chrono::steady_clock::time_point last_keepalive = std::chrono::steady_clock::now();
  };

  void run();
  void perform(const Action& action);
  void do_action(const JanusCreateRoom& a);
  void do_action(const JanusDestroyRoom& a);
  void do_action(const JanusAttach& a);
  void do_action(const JanusJoin& a);
  void do_action(const JanusAnswer& a);
  void do_action(const JanusConfigure& a);
  void do_action(const JanusRename& a);
  void do_action(const JanusTrickle& a);
  void do_action(const JanusLeave& a);
  void do_action(const JanusDestroySession& a);
  void do_action(const JanusResume& a);
  void do_action(const JanusRoomRequest& a);
  void do_action(const JanusLinkJoin& a);
  void do_action(const JanusLinkConfigure& a);
  void do_action(const JanusLinkLeave& a);
  void do_action(const JanusLinkResume& a);
  // Not the Janus worker's: the engine routes them elsewhere.
  template <typename Other>
  void do_action(const Other& /*a*/) {}
  // Starts the long poll of `call`'s session (replacing any it had).
  void watch_call(CallRef call, PluginHandle handle,
                  std::chrono::steady_clock::time_point last_keepalive);
  void poll_call(CallRef call, std::shared_ptr<CallSession> cs);
  // Asks the worker thread to check Janus now; `gone_call` (0: none): a call whose session Janus
  // no longer knows.
  void request_check(CallRef gone_call);
  // Checks Janus through the control session, then reports the calls whose sessions are gone.
  void check_janus();
  bool ensure_control();
  // The plugin's `load` into the gauges.
  void read_load();
  // Destroys the tagged rooms the state does not track.
  void reconcile();
  // Every session is gone with Janus: the calls' pollers stop, and the core hears it once.
  void report_lost(const std::string& reason);
  void stop_call(CallRef call);
  // Joins the stopped pollers that have returned; `all`: waits for every one.
  void reap_pollers(bool all);
  void keep_sessions_alive();

  void count_participants();

  const JanusEndpoint endpoint_;
  const std::chrono::milliseconds health_interval_;
  Metrics& metrics_;
  JanusInstanceGauges& gauges_;
  Post post_;
  const RoomReconciliation reconciliation_;
  ConferenceClient client_;  // worker thread only

  PluginHandle control_;  // worker thread only
  bool janus_lost_ = false;
  bool reconciled_ = false;    // since the instance was last found up
  bool load_refused_ = false;  // logged once, not every health check

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Action> queue_;
  bool check_now_ = false;
  std::vector<CallRef> sessions_gone_;
  bool stopping_ = false;
  std::map<CallRef, std::shared_ptr<CallSession>> calls_;  // worker thread only
  // The sessions of cascade link ends here, by session ID: kept alive (worker thread only).
  std::map<std::uint64_t, std::chrono::steady_clock::time_point> links_;
  // Stopped calls whose pollers may still be returning: they use `this`, so they are joined
  // (reap_pollers) before the worker goes.
  std::vector<std::shared_ptr<CallSession>> stopping_calls_;  // worker thread only
  std::thread thread_;
};

}  // namespace glue
