// A fault double of the Janus core's callbacks: it records every event the
// plugin pushes and refuses the pushes it is told to, as the real core does
// for a handle that is going away. No real core refuses on cue, hence the
// double.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "janus_api.h"

class RefusingGateway {
 public:
  // The one instance behind callbacks(): the core's callbacks are plain functions.
  static RefusingGateway& instance();
  static janus_callbacks* callbacks();

  // The next push to `handle` whose event matches `match` is refused.
  void refuse_next(janus_plugin_session* handle, std::function<bool(const json_t*)> match);

  // The events pushed to `handle` with `transaction` ("" for none) that the
  // core took, or that it refused. The caller owns the references.
  std::vector<json_t*> delivered(janus_plugin_session* handle, const std::string& transaction);
  std::vector<json_t*> refused(janus_plugin_session* handle, const std::string& transaction);
  // Every event the core took for `handle`, whatever its transaction.
  size_t delivered_count(janus_plugin_session* handle);

  // Waits up to `timeout_ms` until an event for (handle, transaction) was delivered.
  bool wait_delivered(janus_plugin_session* handle, const std::string& transaction, int timeout_ms);

  // Drops everything recorded and any refusal not yet used.
  void reset();

 private:
  struct Push {
    janus_plugin_session* handle;
    std::string transaction;
    json_t* event;
    bool delivered;
  };

  int push(janus_plugin_session* handle, const char* transaction, json_t* event);
  std::vector<json_t*> events(janus_plugin_session* handle, const std::string& transaction,
                              bool delivered);
  static int push_event(janus_plugin_session* handle, janus_plugin* plugin, const char* transaction,
                        json_t* message, json_t* jsep);

  std::mutex mutex_;
  std::condition_variable pushed_;
  std::vector<Push> pushes_;
  janus_plugin_session* refuse_handle_ = nullptr;
  std::function<bool(const json_t*)> refuse_match_;
};
