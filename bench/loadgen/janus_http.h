// A Janus HTTP API client: one session, many handles, a long-poll thread that
// routes asynchronous plugin events to whoever waits for their transaction.
#pragma once

#include <jansson.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace loadgen {

// Owning jansson reference.
struct JsonDeleter {
  void operator()(json_t* j) const { json_decref(j); }
};
using Json = std::unique_ptr<json_t, JsonDeleter>;

class JanusHttp {
 public:
  // request_timeout_s bounds every single HTTP request (not the long poll).
  JanusHttp(std::string url, double request_timeout_s);
  ~JanusHttp();
  JanusHttp(const JanusHttp&) = delete;
  JanusHttp& operator=(const JanusHttp&) = delete;

  // Creates the session and starts the long-poll thread.
  bool create_session(std::string* error);
  // Stops the long poll, then destroys the session (Janus detaches its handles).
  void destroy_session();

  uint64_t attach(const std::string& plugin, std::string* error);

  // A plugin request answered synchronously: plugindata.data of the reply.
  // timeout_s overrides the request timeout when positive.
  Json request(uint64_t handle, json_t* body, std::string* error, double timeout_s = 0);

  // Posts an asynchronous plugin request (body is consumed); returns its
  // transaction, empty on failure.
  std::string post_async(uint64_t handle, json_t* body, std::string* error);
  // plugindata.data of the event carrying `transaction`, waiting until
  // deadline_ns (monotonic); null on timeout or when Janus answered an error.
  Json wait_event(const std::string& transaction, int64_t deadline_ns, std::string* error);

  uint64_t events_seen() const { return events_seen_; }

 private:
  Json post(const std::string& path, json_t* body, std::string* error, long timeout_ms = 0);
  std::string next_transaction();
  void poll_loop();

  std::string url_;
  long request_timeout_ms_;
  uint64_t session_ = 0;
  uint64_t tx_counter_ = 0;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, Json> events_;  // by transaction; guarded by mutex_
  std::string poll_error_;              // guarded by mutex_

  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> events_seen_{0};
  std::thread poller_;
};

}  // namespace loadgen
