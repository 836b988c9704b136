// The glue's side of the client-server API, acting as focus users with the
// as_token. Reads run on one request thread and report back as core events;
// every write (joins, leaves, events) goes through the durable outbox, drained
// by a second thread with retries until each write's deadline (retry_policy);
// a join's result goes back to the core as well.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "events.h"
#include "glue_config.h"
#include "http_client.h"
#include "metrics.h"
#include "store.h"

namespace glue {

class MatrixWorker {
 public:
  using Post = std::function<void(Event)>;

  MatrixWorker(const GlueConfig& config, Metrics& metrics, Post post);
  ~MatrixWorker();

  bool start(std::string* error);
  void stop();

  void join_room(const std::string& user_id, const std::string& room_id);
  // The room's power levels (as PowerLevels, when readable), then its joined members.
  void read_members(const std::string& user_id, const std::string& room_id);
  void read_recent(const std::string& user_id, const std::string& room_id, int limit);
  // Durable: queued in the outbox before this returns.
  bool send_event(const std::string& user_id, const std::string& room_id, const std::string& type,
                  const std::string& content, const std::string& txn_id);
  bool leave_room(const std::string& user_id, const std::string& room_id,
                  const std::string& reason);

  // Registers a focus user with the homeserver (for the AS user query). Blocking.
  bool provision_user(const std::string& user_id);

 private:
  struct Connection {
    HttpClient http;
    Store store;
  };
  HttpResult call(Connection& c, const std::string& method, const std::string& path,
                  const std::string& user_id, const std::string& body, long timeout_ms = 15000);
  // Retries by the retry policy until `deadline_after_ms` from now.
  HttpResult call_with_retries(Connection& c, const std::string& method, const std::string& path,
                               const std::string& user_id, const std::string& body,
                               int64_t deadline_after_ms);
  bool is_registered(const std::string& user_id);
  // One registration request; true when the user exists now. `answer` says what happened.
  bool register_user(Connection& c, const std::string& user_id, HttpResult* answer);
  bool enqueue(OutboxRequest request);
  void run_requests();
  void run_outbox();
  void attempt(const OutboxRequest& request);
  void submit(std::function<void(Connection&)> task);

  const GlueConfig config_;
  Metrics& metrics_;
  Post post_;

  std::mutex registered_mutex_;
  std::set<std::string> registered_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void(Connection&)>> tasks_;
  bool outbox_woken_ = false;
  bool stopping_ = false;
  Connection request_conn_;
  Connection outbox_conn_;
  Store queue_store_;  // enqueueing from the engine thread
  std::thread request_thread_;
  std::thread outbox_thread_;
};

}  // namespace glue
