#include "janus_worker.h"

#include <chrono>
#include <type_traits>
#include <variant>

#include "logger.h"

namespace glue {

namespace {

constexpr const char* kPlugin = "janus.plugin.conference";
// Janus answers a long poll after 30 s at the latest (with a keepalive).
constexpr long kPollTimeoutMs = 40000;
constexpr auto kControlCheck = std::chrono::seconds(5);
constexpr auto kKeepalive = std::chrono::seconds(20);

const char* str(json_t* obj, const char* key) {
  const char* v = json_string_value(json_object_get(obj, key));
  return v != nullptr ? v : "";
}

std::string kind_of(json_t* data) {
  const char* k = json_string_value(json_object_get(data, "conference"));
  return k != nullptr ? k : "";
}

}  // namespace

JanusWorker::JanusWorker(std::string janus_url, Metrics& metrics, Post post)
    : url_(std::move(janus_url)), metrics_(metrics), post_(std::move(post)), api_(url_) {}

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
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(action);
  }
  cv_.notify_all();
}

void JanusWorker::request_check(CallRef gone_call) {
  {
    std::lock_guard lock(mutex_);
    check_now_ = true;
    if (gone_call != 0) sessions_gone_.push_back(gone_call);
  }
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
  ensure_control();
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
  log_line(Severity::kError, "Janus at %s lost: %s", url_.c_str(), reason.c_str());
  std::vector<CallRef> calls;
  for (const auto& [call, cs] : calls_) calls.push_back(call);
  for (CallRef call : calls) stop_call(call);
  post_(JanusLost{reason});
}

// A control session for creating and destroying rooms; its health is Janus'.
bool JanusWorker::ensure_control() {
  if (control_session_ != 0) {
    JanusReply r = api_.keepalive(control_session_);
    if (r.ok) return true;
    control_session_ = 0;
    control_handle_ = 0;
    report_lost(r.transport_failed ? r.error
                                   : "Janus restarted: our session is gone (" +
                                         std::to_string(r.error_code) + " " + r.error + ")");
  }
  JanusReply s = api_.create_session();
  if (!s.ok) {
    report_lost(s.error);
    return false;
  }
  const uint64_t session = JanusApi::id_of(s);
  JanusReply h = api_.attach(session, kPlugin);
  if (!h.ok) {
    log_line(Severity::kError, "Janus has no %s: %s", kPlugin, h.error.c_str());
    api_.destroy(session);
    return false;
  }
  if (janus_lost_) log_line(Severity::kInfo, "Janus at %s is back", url_.c_str());
  janus_lost_ = false;
  control_session_ = session;
  control_handle_ = JanusApi::id_of(h);
  return true;
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
      next_check = std::chrono::steady_clock::now() + kControlCheck;
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
    api_.keepalive(cs->session);
    cs->last_keepalive = now;
  }
}

void JanusWorker::stop_call(CallRef call) {
  auto it = calls_.find(call);
  if (it == calls_.end()) return;
  // Its long poll is aborted within a second; the worker does not wait for that here.
  it->second->stop = true;
  stopping_calls_.push_back(it->second);
  calls_.erase(it);
}

void JanusWorker::perform(const Action& action) {
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, JanusCreateRoom>) {
          if (!ensure_control()) {
            post_(JanusRoomError{a.focus_user_id, 0, "Janus unreachable"});
            return;
          }
          json_t* body = json_pack("{s:s, s:s, s:b}", "request", "create", "description",
                                   a.group_room_id.c_str(), "is_private", 1);
          JanusReply r = api_.message(control_session_, control_handle_, body, nullptr);
          json_decref(body);
          const uint64_t room =
              r.ok ? static_cast<uint64_t>(json_integer_value(json_object_get(r.data, "room"))) : 0;
          if (room == 0) {
            ++metrics_.janus_failures;
            post_(JanusRoomError{a.focus_user_id, r.error_code, r.error});
          } else {
            ++metrics_.conferences;
            post_(JanusRoomCreated{a.focus_user_id, room});
          }
        } else if constexpr (std::is_same_v<T, JanusDestroyRoom>) {
          if (!ensure_control()) return;
          json_t* body = json_pack("{s:s, s:I}", "request", "destroy", "room",
                                   static_cast<json_int_t>(a.janus_room));
          JanusReply r = api_.message(control_session_, control_handle_, body, nullptr);
          json_decref(body);
          --metrics_.conferences;
          if (!r.ok)
            log_line(Severity::kWarn, "Janus room %llu not destroyed: %s",
                     static_cast<unsigned long long>(a.janus_room), r.error.c_str());
        } else if constexpr (std::is_same_v<T, JanusAttach>) {
          JanusReply s = api_.create_session();
          JanusReply h = s.ok ? api_.attach(JanusApi::id_of(s), kPlugin) : JanusReply{};
          if (!s.ok || !h.ok) {
            ++metrics_.janus_failures;
            if (s.ok) api_.destroy(JanusApi::id_of(s));
            post_(JanusCallError{a.call, s.ok ? h.error_code : s.error_code,
                                 s.ok ? h.error : s.error});
            return;
          }
          auto cs = std::make_shared<CallSession>();
          cs->session = JanusApi::id_of(s);
          cs->handle = JanusApi::id_of(h);
          cs->poller = std::thread([this, call = a.call, cs] { poll_call(call, cs); });
          stop_call(a.call);  // a call has one poller
          calls_[a.call] = cs;
          post_(JanusAttached{a.call, cs->session, cs->handle});
        } else if constexpr (std::is_same_v<T, JanusJoin>) {
          json_t* body =
              json_pack("{s:s, s:I, s:s}", "request", "join", "room",
                        static_cast<json_int_t>(a.janus_room), "display", a.display.c_str());
          json_t* jsep = json_pack("{s:s, s:s}", "type", "offer", "sdp", a.offer_sdp.c_str());
          JanusReply r = api_.message(a.session_id, a.handle_id, body, jsep);
          json_decref(body);
          json_decref(jsep);
          // The answer comes as an event on the session's long poll.
          if (!r.ok) {
            ++metrics_.janus_failures;
            post_(JanusCallError{a.call, r.error_code, r.error});
          }
        } else if constexpr (std::is_same_v<T, JanusConfigure>) {
          json_t* body = json_pack("{s:s}", "request", "configure");
          json_t* jsep = json_pack("{s:s, s:s}", "type", "offer", "sdp", a.offer_sdp.c_str());
          JanusReply r = api_.message(a.session_id, a.handle_id, body, jsep);
          json_decref(body);
          json_decref(jsep);
          if (!r.ok) post_(JanusCallError{a.call, r.error_code, r.error});
        } else if constexpr (std::is_same_v<T, JanusTrickle>) {
          if (!a.candidates.empty()) {
            json_t* list = json_array();
            for (const auto& c : a.candidates) {
              json_t* j = json_pack("{s:s}", "candidate", c.candidate.c_str());
              if (c.sdp_mid) json_object_set_new(j, "sdpMid", json_string(c.sdp_mid->c_str()));
              if (c.sdp_mline_index)
                json_object_set_new(j, "sdpMLineIndex", json_integer(*c.sdp_mline_index));
              json_array_append_new(list, j);
            }
            api_.trickle(a.session_id, a.handle_id, list);
            json_decref(list);
          }
          if (a.completed) {
            json_t* done = json_pack("{s:b}", "completed", 1);
            api_.trickle(a.session_id, a.handle_id, done);
            json_decref(done);
          }
        } else if constexpr (std::is_same_v<T, JanusLeave>) {
          json_t* body = json_pack("{s:s}", "request", "leave");
          api_.message(a.session_id, a.handle_id, body, nullptr);
          json_decref(body);
        } else if constexpr (std::is_same_v<T, JanusDestroySession>) {
          stop_call(a.call);
          api_.destroy(a.session_id);
        } else if constexpr (std::is_same_v<T, JanusResume>) {
          // A session of the previous run: poll it again; if Janus dropped it
          // meanwhile, the poll says so and the call is reported gone.
          auto cs = std::make_shared<CallSession>();
          cs->session = a.session_id;
          cs->handle = a.handle_id;
          cs->last_keepalive = {};
          cs->poller = std::thread([this, call = a.call, cs] { poll_call(call, cs); });
          stop_call(a.call);  // a call has one poller
          calls_[a.call] = cs;
        }
      },
      action);
}

void JanusWorker::poll_call(CallRef call, std::shared_ptr<CallSession> cs) {
  JanusApi api(url_);
  while (!cs->stop) {
    bool transport_failed = false;
    bool gone = false;
    auto events = api.poll(cs->session, 10, kPollTimeoutMs, &transport_failed, &gone, &cs->stop);
    if (cs->stop) {
      for (json_t* e : events) json_decref(e);
      break;
    }
    if (gone) {
      // Janus restarted, or dropped only this session: the worker tells the two apart.
      request_check(call);
      break;
    }
    if (transport_failed) {
      // A Janus that died closes the long poll at once: checked now, not at the next round.
      request_check(0);
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    for (json_t* e : events) {
      on_call_event(call, e);
      json_decref(e);
    }
  }
  cs->finished = true;
}

void JanusWorker::on_call_event(CallRef call, json_t* event) {
  const std::string janus = str(event, "janus");
  if (janus == "webrtcup") {
    post_(JanusMediaUp{call});
  } else if (janus == "hangup") {
    post_(JanusCallGone{call, std::string("hangup: ") + str(event, "reason")});
  } else if (janus == "detached" || janus == "timeout") {
    post_(JanusCallGone{call, janus});
  } else if (janus == "trickle") {
    json_t* c = json_object_get(event, "candidate");
    JanusLocalCandidates ev{call, {}, false};
    if (json_is_true(json_object_get(c, "completed"))) {
      ev.completed = true;
    } else if (json_is_object(c)) {
      Candidate cand;
      cand.candidate = str(c, "candidate");
      if (json_is_string(json_object_get(c, "sdpMid"))) cand.sdp_mid = str(c, "sdpMid");
      if (json_is_integer(json_object_get(c, "sdpMLineIndex"))) {
        cand.sdp_mline_index =
            static_cast<int>(json_integer_value(json_object_get(c, "sdpMLineIndex")));
      }
      ev.candidates.push_back(std::move(cand));
    }
    post_(ev);
  } else if (janus == "event") {
    json_t* data = json_object_get(json_object_get(event, "plugindata"), "data");
    json_t* jsep = json_object_get(event, "jsep");
    const std::string kind = kind_of(data);
    if (json_is_integer(json_object_get(data, "error_code"))) {
      ++metrics_.janus_failures;
      post_(JanusCallError{
          call, static_cast<int>(json_integer_value(json_object_get(data, "error_code"))),
          str(data, "error")});
    } else if (kind == "joined" && jsep != nullptr &&
               json_object_get(data, "participants") != nullptr &&
               json_object_get(data, "id") != nullptr) {
      post_(JanusJoined{call, str(jsep, "sdp")});
    } else if (kind == "event" && jsep != nullptr) {
      post_(JanusConfigured{call, str(jsep, "sdp")});
    } else if (kind == "destroyed" ||
               (kind == "event" && (json_object_get(data, "kicked") != nullptr ||
                                    json_object_get(data, "kicked_all") != nullptr))) {
      post_(kind == "destroyed"
                ? JanusCallGone{call, "conference destroyed", GoneCause::kRoomDestroyed}
                : JanusCallGone{call, "kicked", GoneCause::kKicked});
    }
  }
}

}  // namespace glue
