#include "matrix_worker.h"

#include <jansson.h>

#include <algorithm>
#include <chrono>

#include "clock.h"
#include "event_parser.h"
#include "logger.h"
#include "retry_policy.h"

namespace glue {

namespace {

constexpr int kRequestAttempts = 4;
constexpr const char* kApi = "/_matrix/client/v3";

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
                                           const std::string& body) {
  HttpResult r;
  for (int attempt = 0; attempt < kRequestAttempts; ++attempt) {
    r = call(c, method, path, user_id, body);
    const RetryDecision d = decide_retry(r.status, r.body, attempt);
    if (d.kind != RetryDecision::kRetry) return r;
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(d.delay_ms, 5000)),
                     [this] { return stopping_; })) {
      return r;
    }
  }
  return r;
}

bool MatrixWorker::ensure_registered(Connection& c, const std::string& user_id) {
  {
    std::lock_guard lock(registered_mutex_);
    if (registered_.count(user_id) > 0) return true;
  }
  const auto colon = user_id.find(':');
  if (user_id.size() < 2 || user_id[0] != '@' || colon == std::string::npos) return false;
  json_t* body = json_pack("{s:s, s:s, s:b}", "type", "m.login.application_service", "username",
                           user_id.substr(1, colon - 1).c_str(), "inhibit_login", 1);
  char* text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  HttpResult r = call_with_retries(c, "POST", std::string(kApi) + "/register", "", text);
  free(text);
  const bool ok = r.status == 200 || (r.status == 400 && errcode(r.body) == "M_USER_IN_USE");
  if (ok) {
    std::lock_guard lock(registered_mutex_);
    registered_.insert(user_id);
  } else {
    log_line(Severity::kWarn, "registering %s failed: HTTP %d %s %s", user_id.c_str(), r.status,
             r.body.c_str(), r.error.c_str());
  }
  return ok;
}

bool MatrixWorker::provision_user(const std::string& user_id) {
  Connection c;
  return ensure_registered(c, user_id);
}

void MatrixWorker::submit(std::function<void(Connection&)> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_all();
}

void MatrixWorker::join_room(const std::string& user_id, const std::string& room_id) {
  submit([this, user_id, room_id](Connection& c) {
    bool ok = ensure_registered(c, user_id);
    if (ok) {
      HttpResult r = call_with_retries(
          c, "POST", std::string(kApi) + "/join/" + HttpClient::escape(room_id), user_id, "{}");
      ok = r.status == 200;
      if (!ok) {
        log_line(Severity::kWarn, "room %s: %s could not join: HTTP %d %s %s", room_id.c_str(),
                 user_id.c_str(), r.status, r.body.c_str(), r.error.c_str());
      }
    }
    post_(JoinResult{room_id, user_id, ok});
  });
}

void MatrixWorker::read_members(const std::string& user_id, const std::string& room_id) {
  submit([this, user_id, room_id](Connection& c) {
    MembersRead result{room_id, user_id, {}};
    HttpResult r = call_with_retries(c, "GET", room_path(room_id) + "/joined_members", user_id, "");
    json_t* j = json_loads(r.body.c_str(), 0, nullptr);
    json_t* joined = json_object_get(j, "joined");
    const char* key;
    json_t* value;
    json_object_foreach(joined, key, value) {
      result.joined.emplace_back(key);
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
    HttpResult enc =
        call_with_retries(c, "GET", room_path(room_id) + "/state/m.room.encryption/", user_id, "");
    result.encrypted = enc.status == 200;
    HttpResult r = call_with_retries(
        c, "GET", room_path(room_id) + "/messages?dir=b&limit=" + std::to_string(limit), user_id,
        "");
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

bool MatrixWorker::enqueue(const std::string& txn_id, const std::string& method,
                           const std::string& path, const std::string& user_id,
                           const std::string& body) {
  OutboxRequest r;
  r.txn_id = txn_id;
  r.method = method;
  r.path = path;
  r.user_id = user_id;
  r.body = body;
  bool ok;
  {
    std::lock_guard lock(mutex_);
    ok = queue_store_.enqueue(r);
    outbox_woken_ = true;
  }
  cv_.notify_all();
  return ok;
}

bool MatrixWorker::send_event(const std::string& user_id, const std::string& room_id,
                              const std::string& type, const std::string& content,
                              const std::string& txn_id) {
  return enqueue(
      txn_id, "PUT",
      room_path(room_id) + "/send/" + HttpClient::escape(type) + "/" + HttpClient::escape(txn_id),
      user_id, content);
}

bool MatrixWorker::leave_room(const std::string& user_id, const std::string& room_id,
                              const std::string& reason) {
  json_t* body = json_pack("{s:s}", "reason", reason.c_str());
  char* text = json_dumps(body, JSON_COMPACT);
  const std::string content = text != nullptr ? text : "{}";
  free(text);
  json_decref(body);
  // Leaving is idempotent: a key per request is enough.
  return enqueue("leave|" + user_id + "|" + room_id + "|" + std::to_string(now_ms()), "POST",
                 room_path(room_id) + "/leave", user_id, content);
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
    {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, std::chrono::milliseconds(500),
                   [this] { return stopping_ || outbox_woken_; });
      if (stopping_) return;
      outbox_woken_ = false;
    }
    const int64_t now = now_ms();
    for (const OutboxRequest& r : outbox_conn_.store.due_outbox(now, 50)) {
      HttpResult res = call(outbox_conn_, r.method, r.path, r.user_id, r.body);
      const RetryDecision d = decide_retry(res.status, res.body, r.attempts);
      if (d.kind == RetryDecision::kRetry) {
        outbox_conn_.store.outbox_retry_at(r.id, r.attempts + 1, now + d.delay_ms);
        continue;
      }
      if (d.kind == RetryDecision::kGiveUp) {
        ++metrics_.matrix_send_failures;
        log_line(Severity::kWarn, "giving up on %s %s as %s: HTTP %d %s", r.method.c_str(),
                 r.path.c_str(), r.user_id.c_str(), res.status, res.body.c_str());
      }
      outbox_conn_.store.outbox_done(r.id);
    }
    metrics_.outbox_pending = outbox_conn_.store.outbox_size();
  }
}

}  // namespace glue
