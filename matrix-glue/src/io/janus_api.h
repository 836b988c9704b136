// Janus' HTTP API (https://janus.conf.meetecho.com/docs/rest.html) as the glue
// uses it: sessions, handles, plugin messages, trickle, long-poll events.
// Blocking; one object per thread.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <string>
#include <vector>

#include "http_client.h"

namespace glue {

struct JanusReply {
  bool ok = false;                // Janus answered and did not report an error
  int error_code = 0;             // Janus' error code, or the plugin's error_code
  std::string error;              // message (or transport failure)
  bool transport_failed = false;  // no answer at all: Janus down or unreachable
  json_t* data = nullptr;         // owned: plugindata.data, or "data" of create/attach
  json_t* jsep = nullptr;         // owned, if any
  bool acked = false;             // "ack": the real answer comes as an event

  JanusReply() = default;
  JanusReply(JanusReply&& o) noexcept;
  JanusReply& operator=(JanusReply&& o) noexcept;
  JanusReply(const JanusReply&) = delete;
  JanusReply& operator=(const JanusReply&) = delete;
  ~JanusReply();
};

// Where a Janus is and how the glue proves itself to it: Janus' `api_secret` and/or a token of
// its `token_auth` (either empty: not sent), and the conference plugin's `admin_key` there
// (empty: the plugin has none), which creating rooms, listing private ones and `load` need.
struct JanusEndpoint {
  std::string url;
  std::string api_secret{};
  std::string token{};
  std::string admin_key{};
};

// Reads one Janus API answer (create/attach/message/trickle/...) or event.
JanusReply parse_janus_reply(const std::string& text);

class JanusApi {
 public:
  explicit JanusApi(JanusEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  JanusReply create_session();
  JanusReply attach(uint64_t session, const std::string& plugin);
  // body is borrowed; jsep may be null.
  JanusReply message(uint64_t session, uint64_t handle, json_t* body, json_t* jsep);
  JanusReply trickle(uint64_t session, uint64_t handle, json_t* candidates_or_completed);
  JanusReply keepalive(uint64_t session);
  JanusReply detach(uint64_t session, uint64_t handle);
  JanusReply destroy(uint64_t session);
  // Long-poll: up to max_events events of the session (raw JSON objects, owned
  // by the caller), waiting at most timeout_ms, or until `abort` becomes true.
  // transport_failed on no answer.
  std::vector<json_t*> poll(uint64_t session, int max_events, long timeout_ms,
                            bool* transport_failed, bool* session_gone,
                            const std::atomic<bool>* abort = nullptr);
  bool reachable();

  static uint64_t id_of(const JanusReply& reply);

 private:
  JanusReply post(const std::string& path, json_t* request);
  // `?apisecret=...&token=...` (what is set) for a GET.
  std::string credentials_query() const;
  JanusEndpoint endpoint_;
  HttpClient http_;
  uint64_t next_txn_ = 1;
};

}  // namespace glue
