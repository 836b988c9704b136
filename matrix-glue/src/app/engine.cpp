#include "engine.h"

#include <jansson.h>

#include <chrono>
#include <random>
#include <type_traits>
#include <variant>

#include "clock.h"
#include "event_parser.h"
#include "logger.h"
#include "room_tag.h"

namespace glue {

namespace {

constexpr const char* kStateKey = "glue_state";

Config core_config(const GlueConfig& c) {
  Config core;
  core.server_name = c.server_name;
  core.prefix = c.focus_prefix;
  core.discovery_notice = c.notices;
  core.no_call_timeout_ms = static_cast<int64_t>(c.no_call_timeout_s) * 1000;
  core.setup_timeout_ms = static_cast<int64_t>(c.call_setup_timeout_s) * 1000;
  core.hangup_grace_ms = c.hangup_grace_ms;
  core.recording_announcement = c.recording_announcement;
  for (const JanusInstanceConfig& in : c.janus_instances)
    if (in.conference_share > 0) core.conference_share[in.name] = in.conference_share;
  // Transaction IDs must never repeat across runs: the state machine counts from 1 each time.
  std::random_device rd;
  char prefix[32];
  snprintf(prefix, sizeof(prefix), "mg%08x%08x", rd(), rd());
  core.txn_prefix = prefix;
  return core;
}

std::string content_field(const std::string& content, const char* key) {
  json_t* j = json_loads(content.c_str(), 0, nullptr);
  const char* v = json_string_value(json_object_get(j, key));
  std::string out = v != nullptr ? v : "";
  json_decref(j);
  return out;
}

Severity severity(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return Severity::kDebug;
    case LogLevel::kInfo:
      return Severity::kInfo;
    case LogLevel::kWarning:
      return Severity::kWarn;
    case LogLevel::kError:
      return Severity::kError;
  }
  return Severity::kInfo;
}

}  // namespace

Engine::Engine(const GlueConfig& config, Metrics& metrics)
    : config_(config),
      metrics_(metrics),
      state_(core_config(config)),
      matrix_(config, metrics, [this](Event e) { post(std::move(e)); }),
      janus_(config.janus_instances, std::chrono::milliseconds(config.janus_health_interval_ms),
             config.tick_load_high_water, deployment_tag(config.focus_prefix, config.server_name),
             metrics, [this](Event e) { post(std::move(e)); }) {}

Engine::~Engine() {
  stop();
}

bool Engine::start(std::string* error) {
  if (!store_.open(config_.database, error) || !matrix_.start(error)) return false;
  // Restored first: the workers reconcile each instance's rooms with it when they find it up.
  restore();
  janus_.track(state_.tracked_rooms());
  janus_.start();
  return true;
}

// A restarted glue carries on from the last state it committed: the core
// says what to resume (Janus sessions to poll again, timers to re-arm).
void Engine::restore() {
  const auto snapshot = store_.get_state(kStateKey);
  if (!snapshot) return;
  std::vector<Action> resume;
  std::string error;
  if (!state_.restore(*snapshot, now_ms(), &resume, &error)) {
    log_line(Severity::kError, "saved state unusable, starting afresh: %s", error.c_str());
    return;
  }
  state_.adopt_instance(janus_.first_instance());
  janus_.count_restored_rooms(state_.rooms_by_instance());
  log_line(Severity::kInfo, "resumed the saved state (%zu actions to pick up)", resume.size());
  for (const Action& action : resume) execute(action);
  metrics_.set_state(state_.gauges());
}

void Engine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  janus_.stop();
  matrix_.stop();
}

void Engine::post(Event event) {
  std::lock_guard lock(mutex_);
  events_.push_back(std::move(event));
  cv_.notify_all();
}

void Engine::inbox_changed() {
  std::lock_guard lock(mutex_);
  inbox_dirty_ = true;
  cv_.notify_all();
}

void Engine::run() {
  for (;;) {
    bool inbox = false;
    std::deque<Event> batch;
    {
      std::unique_lock lock(mutex_);
      int64_t wait_ms = 1000;
      const int64_t now = now_ms();
      for (const auto& [id, due] : timers_)
        wait_ms = std::min(wait_ms, std::max<int64_t>(0, due - now));
      cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                   [this] { return stopping_ || inbox_dirty_ || !events_.empty(); });
      if (stopping_) return;
      inbox = inbox_dirty_;
      inbox_dirty_ = false;
      batch.swap(events_);
    }
    if (inbox) process_inbox();
    for (const Event& e : batch) handle(e);
    fire_timers();
  }
}

void Engine::process_inbox() {
  for (;;) {
    auto pending = store_.pending_inbox(100);
    if (pending.empty()) return;
    for (const InboxEvent& in : pending) {
      json_t* j = json_loads(in.json.c_str(), 0, nullptr);
      std::string why;
      // received_ms of an event recorded by an earlier run is unknown on this
      // clock: count it as just received; its `age` still tells how old it is.
      auto event = parse_matrix_event(j, now_ms(), &why);
      json_decref(j);
      if (event) {
        if (const auto* invite = std::get_if<CallInvite>(&*event)) {
          ++metrics_.calls_invited;
          invite_received_[invite->call_id] = invite->received_ms;
        }
        handle(*event, in.seq);
      } else {
        if (!why.empty()) {
          log_line(Severity::kWarn, "event %s ignored: %s", in.event_id.c_str(), why.c_str());
        }
        store_.mark_processed(in.seq);
      }
      ++metrics_.events_processed;
    }
  }
}

void Engine::fire_timers() {
  const int64_t now = now_ms();
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (it->second <= now) {
      const std::string id = it->first;
      it = timers_.erase(it);
      handle(TimerFired{id});
      it = timers_.lower_bound(id);
    } else {
      ++it;
    }
  }
}

void Engine::handle(const Event& event, int64_t inbox_seq) {
  for (const Action& action : state_.handle(event, now_ms())) execute(action);
  metrics_.set_state(state_.gauges());
  // After the actions: what they queued in the outbox is durable first, so a
  // crash before this commit re-processes the event with the same
  // transaction IDs, and the outbox drops the repeats.
  if (!store_.commit_state(kStateKey, state_.snapshot(), inbox_seq)) {
    log_line(Severity::kError, "could not save the state after an event");
  }
  janus_.track(state_.tracked_rooms());
}

void Engine::execute(const Action& action) {
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        log_line(Severity::kDebug, "action: %s", describe(action).c_str());
        if constexpr (std::is_same_v<T, JoinRoom>) {
          matrix_.join_room(a.user_id, a.room_id);
        } else if constexpr (std::is_same_v<T, LeaveRoom>) {
          matrix_.leave_room(a.user_id, a.room_id, a.reason);
        } else if constexpr (std::is_same_v<T, ReadMembers>) {
          matrix_.read_members(a.user_id, a.room_id);
        } else if constexpr (std::is_same_v<T, ReadRecentEvents>) {
          matrix_.read_recent(a.user_id, a.room_id, a.limit);
        } else if constexpr (std::is_same_v<T, SendEvent>) {
          if (a.type == "m.call.answer") {
            ++metrics_.calls_answered;
            auto it = invite_received_.find(content_field(a.content, "call_id"));
            if (it != invite_received_.end()) {
              const double ms = static_cast<double>(now_ms() - it->second);
              metrics_.observe_setup_seconds(ms / 1000);
              log_line(Severity::kInfo, LogContext{a.room_id, "", it->first},
                       "call answered %.0f ms after its invite", ms);
              invite_received_.erase(it);
            }
          } else if (a.type == "m.call.reject") {
            ++metrics_.calls_refused;
          } else if (a.type == "m.call.hangup") {
            ++metrics_.calls_hung_up;
          }
          if (!matrix_.send_event(a.user_id, a.room_id, a.type, a.content, a.txn_id)) {
            log_line(Severity::kError, "could not queue %s in %s", a.type.c_str(),
                     a.room_id.c_str());
          }
        } else if constexpr (std::is_same_v<T, SetTimer>) {
          timers_[a.id] = now_ms() + a.delay_ms;
        } else if constexpr (std::is_same_v<T, CancelTimer>) {
          timers_.erase(a.id);
        } else if constexpr (std::is_same_v<T, Log>) {
          log_line(severity(a.level), LogContext{a.room_id, a.user_id, a.call_id}, "%s",
                   a.message.c_str());
        } else {
          janus_.submit(action);
        }
      },
      action);
}

}  // namespace glue
