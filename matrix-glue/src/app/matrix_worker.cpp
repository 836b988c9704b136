#include "matrix_worker.h"

#include <jansson.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "clock.h"
#include "event_parser.h"
#include "logger.h"
#include "retry_policy.h"
#include "write_description.h"

namespace glue {

namespace {

constexpr const char* kApi = "/_matrix/client/v3";
// Reads feed the core's decisions (members, a 1:1 room's history): worth waiting for a while.
constexpr int64_t kReadDeadlineMs = 2 * 60 * 1000;
// The homeserver waits on a user query for the answer.
constexpr int64_t kProvisionDeadlineMs = 10 * 1000;

std::uint32_t jitter() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return static_cast<std::uint32_t>(rng());
}

WriteAnswer answer_of(const HttpResult& r) {
  return {r.status, r.body, parse_retry_after(r.retry_after)};
}

std::string room_path(const std::string& room_id) {
  return std::string(kApi) + "/rooms/" + HttpClient::escape(room_id);
}

std::string errcode(const std::string& body) {
  json_t* j = json_loads(body.c_str(), 0, nullptr);
  const char* e = json_string_value(json_object_get(j, "errcode"));
  std::string out = e != nullptr ? e : "";
  json_decref(j);
  return out;
}

}  // namespace

MatrixWorker::MatrixWorker(const GlueConfig& config, Metrics& metrics, Post post)
    : config_(config), metrics_(metrics), post_(std::move(post)) {}

MatrixWorker::~MatrixWorker() {
  stop();
}

bool MatrixWorker::start(std::string* error) {
  if (!request_conn_.store.open(config_.database, error) ||
      !outbox_conn_.store.open(config_.database, error) ||
      !queue_store_.open(config_.database, error)) {
    return false;
  }
  request_thread_ = std::thread([this] { run_requests(); });
  outbox_thread_ = std::thread([this] { run_outbox(); });
  return true;
}

void MatrixWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (request_thread_.joinable()) request_thread_.join();
  if (outbox_thread_.joinable()) outbox_thread_.join();
}

HttpResult MatrixWorker::call(Connection& c, const std::string& method, const std::string& path,
                              const std::string& user_id, const std::string& body,
                              long timeout_ms) {
  std::string url = config_.homeserver_url + path;
  if (!user_id.empty())
    url += (path.find('?') == std::string::npos ? "?" : "&") + std::string("user_id=") +
           HttpClient::escape(user_id);
  return c.http.request(
      method, url, body,
      {"Authorization: Bearer " + config_.as_token, "Content-Type: application/json"}, timeout_ms);
}

HttpResult MatrixWorker::call_with_retries(Connection& c, const std::string& method,
                                           const std::string& path, const std::string& user_id,
                                           const std::string& body, int64_t deadline_after_ms) {
  const int64_t deadline = now_ms() + deadline_after_ms;
  for (int attempt = 0;; ++attempt) {
    HttpResult r = call(c, method, path, user_id, body);
    const RetryDecision d = decide_retry(answer_of(r), attempt, now_ms(), deadline, jitter());
    if (d.kind != RetryDecision::kRetry) return r;
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(d.delay_ms), [this] { return stopping_; })) {
      return r;
    }
  }
}

bool MatrixWorker::is_registered(const std::string& user_id) {
  std::lock_guard lock(registered_mutex_);
  return registered_.count(user_id) > 0;
}

bool MatrixWorker::register_user(Connection& c, const std::string& user_id, HttpResult* answer) {
  const auto colon = user_id.find(':');
  if (user_id.size() < 2 || user_id[0] != '@' || colon == std::string::npos) {
    answer->status = 400;
    return false;
  }
  json_t* body = json_pack("{s:s, s:s, s:b}", "type", "m.login.application_service", "username",
                           user_id.substr(1, colon - 1).c_str(), "inhibit_login", 1);
  char* text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  *answer = call(c, "POST", std::string(kApi) + "/register", "", text);
  free(text);
  const bool ok =
      answer->status == 200 || (answer->status == 400 && errcode(answer->body) == "M_USER_IN_USE");
  if (ok) {
    std::lock_guard lock(registered_mutex_);
    registered_.insert(user_id);
    answer->status = 200;
  }
  return ok;
}

bool MatrixWorker::provision_user(const std::string& user_id) {
  if (is_registered(user_id)) return true;
  Connection c;
  const int64_t deadline = now_ms() + kProvisionDeadlineMs;
  HttpResult r;
  for (int attempt = 0; !register_user(c, user_id, &r); ++attempt) {
    const RetryDecision d = decide_retry(answer_of(r), attempt, now_ms(), deadline, jitter());
    if (d.kind != RetryDecision::kRetry) {
      log_line(Severity::kWarn, "registering %s failed: HTTP %d %s %s", user_id.c_str(), r.status,
               r.body.c_str(), r.error.c_str());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(d.delay_ms));
  }
  return true;
}

void MatrixWorker::submit(std::function<void(Connection&)> task) {
  std::lock_guard lock(mutex_);
  tasks_.push_back(std::move(task));
  cv_.notify_all();
}

void MatrixWorker::join_room(const std::string& user_id, const std::string& room_id) {
  OutboxRequest r;
  r.txn_id = "join|" + user_id + "|" + room_id + "|" + std::to_string(now_ms());
  r.method = "POST";
  r.path = std::string(kApi) + "/join/" + HttpClient::escape(room_id);
  r.user_id = user_id;
  r.body = "{}";
  r.kind = "join";
  r.room_id = room_id;
  r.deadline_ms = now_ms() + deadline_ms(WriteKind::kJoin);
  if (!enqueue(std::move(r))) post_(JoinResult{room_id, user_id, false});
}

// The power levels first: they decide the commands that may follow the members' arrival.
void MatrixWorker::read_members(const std::string& user_id, const std::string& room_id) {
  submit([this, user_id, room_id](Connection& c) {
    HttpResult levels = call_with_retries(
        c, "GET", room_path(room_id) + "/state/m.room.power_levels/", user_id, "", kReadDeadlineMs);
    if (levels.status == 200) {
      json_t* content = json_loads(levels.body.c_str(), 0, nullptr);
      if (json_is_object(content)) post_(parse_power_levels(room_id, content));
      json_decref(content);
    }
    MembersRead result{room_id, user_id, {}};
    HttpResult r = call_with_retries(c, "GET", room_path(room_id) + "/joined_members", user_id, "",
                                     kReadDeadlineMs);
    json_t* j = json_loads(r.body.c_str(), 0, nullptr);
    json_t* joined = json_object_get(j, "joined");
    const char* key;
    json_t* value;
    json_object_foreach(joined, key, value) {
      result.joined.emplace_back(key);
      const char* name = json_string_value(json_object_get(value, "display_name"));
      if (name != nullptr && *name != '\0') result.display_names[key] = name;
    }
    json_decref(j);
    if (r.status != 200) {
      log_line(Severity::kWarn, "room %s: members unreadable for %s: HTTP %d", room_id.c_str(),
               user_id.c_str(), r.status);
    }
    post_(result);
  });
}

void MatrixWorker::read_recent(const std::string& user_id, const std::string& room_id, int limit) {
  submit([this, user_id, room_id, limit](Connection& c) {
    RecentEvents result;
    result.room_id = room_id;
    const int64_t now = now_ms();
    HttpResult enc = call_with_retries(c, "GET", room_path(room_id) + "/state/m.room.encryption/",
                                       user_id, "", kReadDeadlineMs);
    result.encrypted = enc.status == 200;
    HttpResult r = call_with_retries(
        c, "GET", room_path(room_id) + "/messages?dir=b&limit=" + std::to_string(limit), user_id,
        "", kReadDeadlineMs);
    json_t* j = json_loads(r.body.c_str(), 0, nullptr);
    json_t* chunk = json_object_get(j, "chunk");
    std::vector<std::string> seen_ids;
    // The chunk is newest first; the core wants oldest first.
    for (size_t i = json_array_size(chunk); i-- > 0;) {
      json_t* ev = json_array_get(chunk, i);
      const char* id = json_string_value(json_object_get(ev, "event_id"));
      if (id == nullptr || c.store.has_event(id)) continue;
      std::string why;
      // The room ID is not repeated in /messages events.
      json_object_set_new(ev, "room_id", json_string(room_id.c_str()));
      if (auto call_event = parse_call_event(ev, now, &why)) {
        result.events.push_back(std::move(*call_event));
        seen_ids.emplace_back(id);
      }
    }
    json_decref(j);
    // Read here, so not again when the same events come in a later transaction.
    c.store.mark_seen(seen_ids, now);
    post_(result);
  });
}

bool MatrixWorker::enqueue(OutboxRequest request) {
  std::lock_guard lock(mutex_);
  const bool ok = queue_store_.enqueue(request);
  outbox_woken_ = true;
  cv_.notify_all();
  return ok;
}

bool MatrixWorker::send_event(const std::string& user_id, const std::string& room_id,
                              const std::string& type, const std::string& content,
                              const std::string& txn_id) {
  OutboxRequest r;
  r.txn_id = txn_id;
  r.method = "PUT";
  r.path =
      room_path(room_id) + "/send/" + HttpClient::escape(type) + "/" + HttpClient::escape(txn_id);
  r.user_id = user_id;
  r.body = content;
  r.kind = "send";
  r.room_id = room_id;
  r.deadline_ms = now_ms() + deadline_ms(send_kind(type));
  return enqueue(std::move(r));
}

bool MatrixWorker::leave_room(const std::string& user_id, const std::string& room_id,
                              const std::string& reason) {
  json_t* body = json_pack("{s:s}", "reason", reason.c_str());
  char* text = json_dumps(body, JSON_COMPACT);
  OutboxRequest r;
  r.body = text != nullptr ? text : "{}";
  free(text);
  json_decref(body);
  // Leaving is idempotent: a key per request is enough.
  r.txn_id = "leave|" + user_id + "|" + room_id + "|" + std::to_string(now_ms());
  r.method = "POST";
  r.path = room_path(room_id) + "/leave";
  r.user_id = user_id;
  r.kind = "leave";
  r.room_id = room_id;
  r.deadline_ms = now_ms() + deadline_ms(WriteKind::kLeave);
  return enqueue(std::move(r));
}

void MatrixWorker::run_requests() {
  for (;;) {
    std::function<void(Connection&)> task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task(request_conn_);
  }
}

void MatrixWorker::run_outbox() {
  // The outbox is durable: what a crashed run left behind goes out now.
  for (;;) {
    const int64_t now = now_ms();
    const std::vector<OutboxRequest> due = outbox_conn_.store.due_outbox(now, 50);
    metrics_.outbox_pending = outbox_conn_.store.outbox_size();
    if (due.empty()) {
      // Until the next retry is due, something new is queued, or a second has passed.
      const int64_t wait = std::clamp<int64_t>(
          outbox_conn_.store.next_outbox_due().value_or(now + 1000) - now, 1, 1000);
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, std::chrono::milliseconds(wait),
                   [this] { return stopping_ || outbox_woken_; });
      if (stopping_) return;
      outbox_woken_ = false;
      continue;
    }
    for (const OutboxRequest& r : due) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      attempt(r);
    }
  }
}

void MatrixWorker::attempt(const OutboxRequest& r) {
  HttpResult res;
  // A focus user joins as itself: it must exist first (registration is idempotent).
  const bool can_join =
      r.kind != "join" || is_registered(r.user_id) || register_user(outbox_conn_, r.user_id, &res);
  if (can_join) res = call(outbox_conn_, r.method, r.path, r.user_id, r.body);
  const int64_t now = now_ms();
  const RetryDecision d = decide_retry(answer_of(res), r.attempts, now, r.deadline_ms, jitter());
  const std::string what = describe_write(r, config_.focus_prefix, config_.server_name);
  const std::string failure =
      "HTTP " + std::to_string(res.status) + (res.error.empty() ? "" : " (" + res.error + ")");
  if (d.kind == RetryDecision::kRetry) {
    log_line(res.status == 429 ? Severity::kInfo : Severity::kWarn,
             "%s: %s, try %d again in %lld ms", what.c_str(), failure.c_str(), r.attempts + 2,
             static_cast<long long>(d.delay_ms));
    outbox_conn_.store.outbox_retry_at(r.id, r.attempts + 1, now + d.delay_ms);
    return;
  }
  if (d.kind == RetryDecision::kGiveUp) {
    ++metrics_.matrix_send_failures;
    log_line(Severity::kWarn, "giving up %s after %d tries (%s): %s %s", what.c_str(),
             r.attempts + 1, d.expired ? "past its deadline" : "will not succeed", failure.c_str(),
             res.body.c_str());
  }
  outbox_conn_.store.outbox_done(r.id);
  if (r.kind == "join") post_(JoinResult{r.room_id, r.user_id, d.kind == RetryDecision::kDone});
}

}  // namespace glue
