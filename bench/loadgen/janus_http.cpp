#include "janus_http.h"

#include <curl/curl.h>

#include "clock.h"

namespace loadgen {

namespace {

// Janus answers a long poll after at most 30 s with a keepalive.
constexpr long kLongPollTimeoutMs = 40000;
constexpr int kMaxEventsPerPoll = 100;

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Lets the poller abandon a pending long poll within about a second of stop.
int abort_when_stopped(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(user)->load() ? 1 : 0;
}

Json http(const std::string& url, const std::string* body, long timeout_ms, std::atomic<bool>* stop,
          std::string* error) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    *error = "curl_easy_init failed";
    return nullptr;
  }
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  if (body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  if (stop != nullptr) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_when_stopped);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, stop);
  }
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    *error = std::string("HTTP ") + url + ": " + curl_easy_strerror(rc);
    return nullptr;
  }
  if (status != 200) {
    *error = "HTTP " + url + ": status " + std::to_string(status);
    return nullptr;
  }
  json_error_t jerr;
  Json reply(json_loads(response.c_str(), 0, &jerr));
  if (!reply) *error = "HTTP " + url + ": reply is not JSON: " + jerr.text;
  return reply;
}

std::string janus_error(const json_t* reply) {
  const json_t* err = json_object_get(reply, "error");
  const char* reason = json_string_value(json_object_get(err, "reason"));
  return "janus error " + std::to_string(json_integer_value(json_object_get(err, "code"))) + ": " +
         (reason != nullptr ? reason : "?");
}

// plugindata.data of a reply or event, or null with *error set.
Json plugin_data(const json_t* msg, std::string* error) {
  const char* kind = json_string_value(json_object_get(msg, "janus"));
  if (kind != nullptr && std::string(kind) == "error") {
    *error = janus_error(msg);
    return nullptr;
  }
  json_t* data = json_object_get(json_object_get(msg, "plugindata"), "data");
  if (!json_is_object(data)) {
    *error = "reply without plugindata";
    return nullptr;
  }
  return Json(json_incref(data));
}

}  // namespace

JanusHttp::JanusHttp(std::string url, double request_timeout_s)
    : url_(std::move(url)), request_timeout_ms_(static_cast<long>(request_timeout_s * 1000)) {}

JanusHttp::~JanusHttp() {
  destroy_session();
}

std::string JanusHttp::next_transaction() {
  return "lg" + std::to_string(++tx_counter_);
}

Json JanusHttp::post(const std::string& path, json_t* body, std::string* error, long timeout_ms) {
  Json owned(body);
  json_object_set_new(body, "transaction", json_string(next_transaction().c_str()));
  char* text = json_dumps(body, JSON_COMPACT);
  const std::string payload(text);
  free(text);
  return http(url_ + path, &payload, timeout_ms > 0 ? timeout_ms : request_timeout_ms_, nullptr,
              error);
}

bool JanusHttp::create_session(std::string* error) {
  Json reply = post("", json_pack("{ss}", "janus", "create"), error);
  if (!reply) return false;
  const json_t* id = json_object_get(json_object_get(reply.get(), "data"), "id");
  if (!json_is_integer(id)) {
    *error = "create: " + janus_error(reply.get());
    return false;
  }
  session_ = static_cast<uint64_t>(json_integer_value(id));
  stop_ = false;
  poller_ = std::thread([this] { poll_loop(); });
  return true;
}

void JanusHttp::destroy_session() {
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  if (session_ == 0) return;
  std::string ignored;
  post("/" + std::to_string(session_), json_pack("{ss}", "janus", "destroy"), &ignored);
  session_ = 0;
}

uint64_t JanusHttp::attach(const std::string& plugin, std::string* error) {
  Json reply = post("/" + std::to_string(session_),
                    json_pack("{ssss}", "janus", "attach", "plugin", plugin.c_str()), error);
  if (!reply) return 0;
  const json_t* id = json_object_get(json_object_get(reply.get(), "data"), "id");
  if (!json_is_integer(id)) {
    *error = "attach: " + janus_error(reply.get());
    return 0;
  }
  return static_cast<uint64_t>(json_integer_value(id));
}

Json JanusHttp::request(uint64_t handle, json_t* body, std::string* error, double timeout_s) {
  Json reply = post("/" + std::to_string(session_) + "/" + std::to_string(handle),
                    json_pack("{ssso}", "janus", "message", "body", body), error,
                    static_cast<long>(timeout_s * 1000));
  if (!reply) return nullptr;
  return plugin_data(reply.get(), error);
}

std::string JanusHttp::post_async(uint64_t handle, json_t* body, std::string* error) {
  const std::string tx = next_transaction();
  json_t* msg = json_pack("{ssso}", "janus", "message", "body", body);
  // post() would assign a fresh transaction; this one must be known before the
  // event can arrive, so build the request here.
  json_object_set_new(msg, "transaction", json_string(tx.c_str()));
  char* text = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  const std::string payload(text);
  free(text);
  Json reply = http(url_ + "/" + std::to_string(session_) + "/" + std::to_string(handle), &payload,
                    request_timeout_ms_, nullptr, error);
  if (!reply) return {};
  const char* kind = json_string_value(json_object_get(reply.get(), "janus"));
  if (kind == nullptr || std::string(kind) != "ack") {
    *error = "expected ack, got: " + (kind != nullptr ? std::string(kind) : "?");
    if (kind != nullptr && std::string(kind) == "error") *error = janus_error(reply.get());
    return {};
  }
  return tx;
}

Json JanusHttp::wait_event(const std::string& transaction, int64_t deadline_ns,
                           std::string* error) {
  std::unique_lock lock(mutex_);
  while (true) {
    auto it = events_.find(transaction);
    if (it != events_.end()) {
      Json ev = std::move(it->second);
      events_.erase(it);
      lock.unlock();
      return plugin_data(ev.get(), error);
    }
    const int64_t left = deadline_ns - monotonic_ns();
    if (left <= 0) {
      *error = "no event for transaction " + transaction +
               (poll_error_.empty() ? "" : " (long poll: " + poll_error_ + ")");
      return nullptr;
    }
    cv_.wait_for(lock, std::chrono::nanoseconds(left));
  }
}

void JanusHttp::poll_loop() {
  const std::string url =
      url_ + "/" + std::to_string(session_) + "?maxev=" + std::to_string(kMaxEventsPerPoll);
  int failures = 0;
  while (!stop_) {
    std::string error;
    Json reply = http(url, nullptr, kLongPollTimeoutMs, &stop_, &error);
    if (!reply) {
      if (stop_) break;
      std::lock_guard lock(mutex_);
      poll_error_ = error;
      // A session that is gone never comes back: give up after a few tries.
      if (++failures > 5) break;
      continue;
    }
    failures = 0;
    json_t* list = json_is_array(reply.get()) ? reply.get() : nullptr;
    const size_t n = list != nullptr ? json_array_size(list) : 1;
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < n; ++i) {
      json_t* ev = list != nullptr ? json_array_get(list, i) : reply.get();
      ++events_seen_;
      // Only answers to our own asynchronous requests carry a transaction;
      // notifications about other participants are counted and dropped.
      const char* tx = json_string_value(json_object_get(ev, "transaction"));
      const char* kind = json_string_value(json_object_get(ev, "janus"));
      if (tx == nullptr || kind == nullptr || std::string(kind) == "ack") continue;
      events_[tx] = Json(json_incref(ev));
    }
    cv_.notify_all();
  }
}

}  // namespace loadgen
