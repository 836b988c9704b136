#include "janus_worker.h"

#include <chrono>
#include <variant>

#include "logger.h"
#include "room_reconciler.h"
#include "room_tag.h"

namespace glue {

namespace {

// Janus answers a long poll after 30 s at the latest (with a keepalive).
constexpr long kPollTimeoutMs = 40000;
constexpr auto kKeepalive = std::chrono::seconds(20);
// A link's join and configure answer at once; this long means the instance is in trouble.
constexpr long kLinkReplyTimeoutMs = 5000;

}  // namespace

JanusWorker::JanusWorker(JanusEndpoint endpoint, std::chrono::milliseconds health_interval,
                         Metrics& metrics, JanusInstanceGauges& gauges, Post post,
                         RoomReconciliation reconciliation)
    : endpoint_(std::move(endpoint)),
      health_interval_(health_interval),
      metrics_(metrics),
      gauges_(gauges),
      post_(std::move(post)),
      reconciliation_(std::move(reconciliation)),
      client_(endpoint_) {}

JanusWorker::~JanusWorker() {
  stop();
}

void JanusWorker::start() {
  thread_ = std::thread([this] { run(); });
}

void JanusWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void JanusWorker::submit(const Action& action) {
  std::lock_guard lock(mutex_);
  queue_.push_back(action);
  cv_.notify_all();
}

void JanusWorker::request_check(CallRef gone_call) {
  std::lock_guard lock(mutex_);
  check_now_ = true;
  if (gone_call != 0) sessions_gone_.push_back(gone_call);
  cv_.notify_all();
}

// Janus is judged by the control session: a Janus that no longer knows it (it restarted) or no
// longer answers has lost every session of ours, and their PeerConnections with them.
void JanusWorker::check_janus() {
  std::vector<CallRef> gone;
  {
    std::lock_guard lock(mutex_);
    gone.swap(sessions_gone_);
  }
  if (ensure_control()) read_load();
  // Janus is up, yet these sessions are gone (e.g. timed out): only their calls end.
  for (CallRef call : gone) {
    if (!calls_.contains(call)) continue;
    stop_call(call);
    post_(JanusCallGone{call, "Janus session gone"});
  }
}

void JanusWorker::report_lost(const std::string& reason) {
  if (janus_lost_) return;
  janus_lost_ = true;
  reconciled_ = false;
  gauges_.up = 0;
  gauges_.conferences = 0;  // its rooms died with it
  log_line(Severity::kError, "Janus at %s lost: %s (instance %s)", endpoint_.url.c_str(),
           reason.c_str(), gauges_.name.c_str());
  std::vector<CallRef> calls;
  for (const auto& [call, cs] : calls_) calls.push_back(call);
  for (CallRef call : calls) stop_call(call);
  links_.clear();
  post_(JanusLost{reason, gauges_.name});
}

// A control session for creating and destroying rooms; its health is Janus'.
bool JanusWorker::ensure_control() {
  if (control_.session != 0) {
    JanusStatus r = client_.keepalive(control_.session);
    if (r.ok) return true;
    control_ = {};
    report_lost(r.transport_failed ? r.error
                                   : "Janus restarted: our session is gone (" +
                                         std::to_string(r.error_code) + " " + r.error + ")");
  }
  OpenedHandle h = client_.open();
  if (!h.status.ok) {
    if (h.no_plugin) {
      gauges_.up = 0;
      log_line(Severity::kError, "Janus %s has no janus.plugin.conference: %s",
               gauges_.name.c_str(), h.status.error.c_str());
    } else {
      report_lost(h.status.error);
    }
    return false;
  }
  if (janus_lost_) {
    log_line(Severity::kInfo, "Janus at %s is back (instance %s)", endpoint_.url.c_str(),
             gauges_.name.c_str());
  }
  janus_lost_ = false;
  gauges_.up = 1;
  control_ = h.handle;
  if (!reconciled_) reconcile();
  return true;
}

void JanusWorker::read_load() {
  PluginLoad load;
  std::string error;
  if (!client_.load(control_, &load, &error)) {
    if (!load_refused_)
      log_line(Severity::kWarn,
               "Janus %s: no load from the plugin (%s); placing by the glue's own counts: is its "
               "admin_key in janus.instances?",
               gauges_.name.c_str(), error.c_str());
    load_refused_ = true;
    gauges_.reported_participants = 0;
    gauges_.tick_load = 0;
    return;
  }
  load_refused_ = false;
  gauges_.reported_participants = load.participants;
  gauges_.tick_load = load.tick_load;
}

// On the worker thread, before the next action: no room of ours is being created here now.
void JanusWorker::reconcile() {
  reconciled_ = true;
  if (reconciliation_.tracked == nullptr) return;
  std::vector<ListedRoom> listed;
  std::string error;
  if (!client_.list_rooms(control_, &listed, &error)) {
    log_line(Severity::kWarn, "Janus %s: rooms not reconciled, no list (%s)", gauges_.name.c_str(),
             error.c_str());
    return;
  }
  const auto tracked = reconciliation_.tracked->on(gauges_.name);
  for (const ListedRoom& room : leftover_rooms(listed, tracked, reconciliation_.tag)) {
    JanusStatus r = client_.destroy_room(control_, DestroyRoomRequest{room.room});
    if (!r.ok) {
      log_line(Severity::kWarn, "Janus %s: leftover room %llu (%s) not destroyed: %d %s",
               gauges_.name.c_str(), static_cast<unsigned long long>(room.room),
               room.description.c_str(), r.error_code, r.error.c_str());
      continue;
    }
    ++gauges_.rooms_reconciled;
    log_line(Severity::kInfo,
             "Janus %s: destroyed leftover room %llu (%s): ours, but not in the glue's state",
             gauges_.name.c_str(), static_cast<unsigned long long>(room.room),
             room.description.c_str());
  }
}

void JanusWorker::run() {
  auto next_check = std::chrono::steady_clock::now();
  for (;;) {
    Action action;
    bool have = false;
    bool check = false;
    {
      std::unique_lock lock(mutex_);
      cv_.wait_until(lock, next_check,
                     [this] { return stopping_ || check_now_ || !queue_.empty(); });
      if (stopping_) break;
      if (!queue_.empty()) {
        action = std::move(queue_.front());
        queue_.pop_front();
        have = true;
      }
      check = check_now_ || std::chrono::steady_clock::now() >= next_check;
      check_now_ = false;
    }
    keep_sessions_alive();
    reap_pollers(false);
    // Before the next action: it may be meant for a Janus that is gone.
    if (check) {
      check_janus();
      next_check = std::chrono::steady_clock::now() + health_interval_;
    }
    if (have) perform(action);
  }
  for (auto& [call, cs] : calls_) {
    cs->stop = true;
    stopping_calls_.push_back(cs);
  }
  calls_.clear();
  reap_pollers(true);
}

void JanusWorker::reap_pollers(bool all) {
  std::erase_if(stopping_calls_, [all](const std::shared_ptr<CallSession>& cs) {
    if (!all && !cs->finished) return false;
    if (cs->poller.joinable()) cs->poller.join();
    return true;
  });
}

// Janus ends a session that hears nothing for session_timeout (60 s by default).
void JanusWorker::keep_sessions_alive() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [call, cs] : calls_) {
    if (now - cs->last_keepalive < kKeepalive) continue;
    client_.keepalive(cs->session);
    cs->last_keepalive = now;
  }
  for (auto& [session, last] : links_) {
    if (now - last < kKeepalive) continue;
    client_.keepalive(session);
    last = now;
  }
}

void JanusWorker::stop_call(CallRef call) {
  auto it = calls_.find(call);
  if (it == calls_.end()) return;
  // Its long poll is aborted within a second; the worker does not wait for that here.
  it->second->stop = true;
  stopping_calls_.push_back(it->second);
  calls_.erase(it);
  count_participants();
}

void JanusWorker::perform(const Action& action) {
  std::visit([this](const auto& a) { do_action(a); }, action);
}

void JanusWorker::do_action(const JanusCreateRoom& a) {
  if (!ensure_control()) {
    post_(JanusRoomError{a.focus_user_id, 0, "Janus unreachable", a.linked_room});
    return;
  }
  CreatedRoom r = client_.create_room(
      control_, CreateRoomRequest{tagged_description(reconciliation_.tag, a.group_room_id)});
  if (r.room == 0) {
    ++metrics_.janus_failures;
    post_(JanusRoomError{a.focus_user_id, r.error_code, r.error, a.linked_room});
  } else {
    ++metrics_.conferences;
    ++gauges_.conferences;
    post_(JanusRoomCreated{a.focus_user_id, r.room, gauges_.name, a.linked_room});
  }
}

void JanusWorker::do_action(const JanusDestroyRoom& a) {
  if (!ensure_control()) return;
  JanusStatus r = client_.destroy_room(control_, DestroyRoomRequest{a.janus_room});
  --metrics_.conferences;
  if (gauges_.conferences > 0) --gauges_.conferences;
  if (!r.ok)
    log_line(Severity::kWarn, "Janus room %llu not destroyed: %s",
             static_cast<unsigned long long>(a.janus_room), r.error.c_str());
}

void JanusWorker::do_action(const JanusAttach& a) {
  OpenedHandle h = client_.open();
  if (!h.status.ok) {
    ++metrics_.janus_failures;
    post_(JanusCallError{a.call, h.status.error_code, h.status.error});
    return;
  }
  watch_call(a.call, h.handle, std::chrono::steady_clock::now());
  post_(JanusAttached{a.call, h.handle.session, h.handle.handle, gauges_.name});
}

void JanusWorker::do_action(const JanusJoin& a) {
  JanusStatus r = client_.join(
      {a.session_id, a.handle_id},
      JoinRequest{a.janus_room, a.display, a.generate_offer, a.offer_video}, a.offer_sdp);
  // The answer comes as an event on the session's long poll.
  if (!r.ok) {
    ++metrics_.janus_failures;
    post_(JanusCallError{a.call, r.error_code, r.error});
  }
}

void JanusWorker::do_action(const JanusAnswer& a) {
  JanusStatus r = client_.answer({a.session_id, a.handle_id}, a.answer_sdp);
  if (!r.ok) {
    ++metrics_.janus_failures;
    post_(JanusCallError{a.call, r.error_code, r.error});
  }
}

void JanusWorker::do_action(const JanusConfigure& a) {
  JanusStatus r = client_.configure({a.session_id, a.handle_id}, a.offer_sdp);
  if (!r.ok) post_(JanusCallError{a.call, r.error_code, r.error});
}

// A name that did not change is no reason to end the call: logged only.
void JanusWorker::do_action(const JanusRename& a) {
  JanusStatus r = client_.rename({a.session_id, a.handle_id}, a.display);
  if (!r.ok) {
    ++metrics_.janus_failures;
    log_line(Severity::kWarn, "call %llu: display name not changed: %d %s",
             static_cast<unsigned long long>(a.call), r.error_code, r.error.c_str());
  }
}

void JanusWorker::do_action(const JanusTrickle& a) {
  client_.trickle({a.session_id, a.handle_id}, a.candidates, a.completed);
}

void JanusWorker::do_action(const JanusLeave& a) {
  client_.leave({a.session_id, a.handle_id});
}

void JanusWorker::do_action(const JanusDestroySession& a) {
  stop_call(a.call);
  client_.close(a.session_id);
}

// A session of the previous run: poll it again; if Janus dropped it meanwhile, the poll says so
// and the call is reported gone.
void JanusWorker::do_action(const JanusResume& a) {
  watch_call(a.call, {a.session_id, a.handle_id}, {});
}

void JanusWorker::do_action(const JanusRoomRequest& a) {
  JanusRoomReply reply{a.focus_user_id, a.request, a.origin};
  if (!ensure_control()) {
    reply.error = "Janus unreachable";
  } else {
    const PluginHandle h = a.request.kind == RoomRequestKind::kLayout
                               ? PluginHandle{a.request.session_id, a.request.handle_id}
                               : control_;
    JanusStatus r = client_.command(h, CommandRequest{a.janus_room, a.request}, &reply.participants,
                                    &reply.room_muted);
    reply.ok = r.ok;
    reply.code = r.error_code;
    reply.error = r.error;
  }
  post_(std::move(reply));
}

void JanusWorker::do_action(const JanusLinkJoin& a) {
  PluginHandle h;
  LinkReply reply;
  JanusStatus r =
      client_.join_link(LinkJoinRequest{a.janus_room, "link (cascade)", a.far_ip, a.far_port},
                        kLinkReplyTimeoutMs, &h, &reply);
  if (!r.ok) {
    ++metrics_.janus_failures;
    log_line(Severity::kWarn, "Janus %s: link join in room %llu failed: %d %s",
             gauges_.name.c_str(), static_cast<unsigned long long>(a.janus_room), r.error_code,
             r.error.c_str());
    post_(JanusLinkError{a.focus_user_id, a.linked_room, r.error_code, r.error});
    return;
  }
  links_[h.session] = std::chrono::steady_clock::now();
  post_(JanusLinkJoined{a.focus_user_id, a.linked_room, gauges_.name,
                        LinkEnd{h.session, h.handle, reply.participant, reply.ip, reply.port}});
}

void JanusWorker::do_action(const JanusLinkConfigure& a) {
  JanusStatus r = client_.configure_link(
      {a.session_id, a.handle_id}, LinkConfigureRequest{a.far_ip, a.far_port}, kLinkReplyTimeoutMs);
  if (!r.ok) {
    ++metrics_.janus_failures;
    post_(JanusLinkError{a.focus_user_id, a.linked_room, r.error_code, r.error});
    return;
  }
  post_(JanusLinkConfigured{a.focus_user_id, a.linked_room});
}

void JanusWorker::do_action(const JanusLinkLeave& a) {
  links_.erase(a.session_id);
  client_.leave({a.session_id, a.handle_id});
  client_.close(a.session_id);
}

void JanusWorker::do_action(const JanusLinkResume& a) {
  links_[a.session_id] = {};
}

void JanusWorker::watch_call(CallRef call, PluginHandle handle,
                             std::chrono::steady_clock::time_point last_keepalive) {
  auto cs = std::make_shared<CallSession>();
  cs->session = handle.session;
  cs->handle = handle.handle;
  cs->last_keepalive = last_keepalive;
  cs->poller = std::thread([this, call, cs] { poll_call(call, cs); });
  stop_call(call);  // a call has one poller
  calls_[call] = cs;
  count_participants();
}

void JanusWorker::count_participants() {
  gauges_.participants = static_cast<int64_t>(calls_.size());
}

void JanusWorker::poll_call(CallRef call, std::shared_ptr<CallSession> cs) {
  ConferenceClient client(endpoint_);
  while (!cs->stop) {
    PolledEvents polled = client.poll(call, cs->session, kPollTimeoutMs, &cs->stop);
    if (cs->stop) break;
    if (polled.session_gone) {
      // Janus restarted, or dropped only this session: the worker tells the two apart.
      request_check(call);
      break;
    }
    if (polled.transport_failed) {
      // A Janus that died closes the long poll at once: checked now, not at the next round.
      request_check(0);
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    for (Event& ev : polled.events) {
      if (std::holds_alternative<JanusCallError>(ev)) ++metrics_.janus_failures;
      post_(std::move(ev));
    }
  }
  cs->finished = true;
}

}  // namespace glue
