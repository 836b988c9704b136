// matrix-glue.jcfg: libconfig syntax, the same as Janus' own files.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "janus_api.h"

namespace glue {

// One Janus of the pool the glue places conferences on.
struct JanusInstanceConfig {
  std::string name;  // in logs, /metrics and the durable placement
  JanusEndpoint endpoint;
  int weight = 1;  // capacity relative to the other instances
  // The most callers of one conference this instance takes; more spill into a linked room on
  // another instance (a cascade). 0: no limit.
  int conference_share = 0;
};

struct GlueConfig {
  // general
  std::string server_name;     // the homeserver's server name (user IDs' domain)
  std::string homeserver_url;  // client-server API base, e.g. http://127.0.0.1:8008
  std::string as_token;        // we present it to the homeserver
  std::string hs_token;        // the homeserver presents it to us
  std::string bind_address = "127.0.0.1";
  int port = 8090;
  int max_connections = 32;                       // concurrent AS connections; more are refused
  std::size_t max_body_bytes = 16 * 1024 * 1024;  // an authenticated transaction's body
  // /metrics and /health: their own listener, loopback unless said otherwise (port 0: none).
  std::string metrics_bind_address = "127.0.0.1";
  int metrics_port = 8091;
  std::string database = "matrix-glue.sqlite";
  std::string log_level = "info";   // error, warn, info, debug
  std::string log_format = "text";  // text, json (JSON lines)
  // janus
  // janus.instances, or janus.url/api_secret/token as a pool of one named "janus"
  std::vector<JanusInstanceConfig> janus_instances = {
      {"janus", {"http://127.0.0.1:8088/janus", "", ""}, 1}};
  int janus_health_interval_ms = 5000;  // each instance checked this often
  // An instance whose plugin reports a busier tick share takes no new conference while
  // another is below it.
  double tick_load_high_water = 0.8;
  // focus
  std::string focus_prefix = "fs_";
  int no_call_timeout_s = 300;    // S8: leave a group room nobody called in
  int call_setup_timeout_s = 30;  // invite -> media up, else hang up
  int hangup_grace_ms = 3000;     // Janus lost a PeerConnection: wait for the caller's hangup
  bool notices = true;            // discovery and refusal notices
  // Played to everyone when a moderator starts a recording; a path on the Janus host, empty:
  // none. The default is set by load_config (the plugin's installed file).
  std::string recording_announcement;
};

// Reads and validates the file; on failure returns false with `error` naming
// the file, line and setting. Settings it does not know are ignored, each named
// in `warnings` (when not null).
bool load_config(const std::string& path, GlueConfig* out, std::string* error,
                 std::vector<std::string>* warnings = nullptr);

}  // namespace glue
