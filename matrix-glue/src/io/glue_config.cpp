#include "glue_config.h"

#include <libconfig.h>

#include <memory>
#include <string_view>

namespace glue {

namespace {

struct ConfigDeleter {
  void operator()(config_t* c) const {
    config_destroy(c);
    delete c;
  }
};

bool read_string(config_t* c, const char* path, std::string* out, bool required,
                 std::string* error) {
  const char* value = nullptr;
  if (config_lookup_string(c, path, &value) == CONFIG_TRUE) {
    *out = value;
    return true;
  }
  if (config_lookup(c, path) != nullptr) {
    *error = std::string(path) + " must be a string";
    return false;
  }
  if (required) {
    *error = std::string(path) + " is required";
    return false;
  }
  return true;
}

bool read_int(config_t* c, const char* path, int lo, int hi, int* out, std::string* error) {
  if (config_lookup(c, path) == nullptr) return true;
  int value = 0;
  if (config_lookup_int(c, path, &value) != CONFIG_TRUE || value < lo || value > hi) {
    *error = std::string(path) + " must be an integer from " + std::to_string(lo) + " to " +
             std::to_string(hi);
    return false;
  }
  *out = value;
  return true;
}

// A share from 0 to 1: a float, or the integers 0 and 1 as written.
bool read_fraction(config_t* c, const char* path, double* out, std::string* error) {
  config_setting_t* s = config_lookup(c, path);
  if (s == nullptr) return true;
  const int type = config_setting_type(s);
  const double value = type == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                       : type == CONFIG_TYPE_INT ? config_setting_get_int(s)
                                                 : -1;
  if (value < 0 || value > 1) {
    *error = std::string(path) + " must be a number from 0 to 1 (e.g. 0.8)";
    return false;
  }
  *out = value;
  return true;
}

bool read_bool(config_t* c, const char* path, bool* out, std::string* error) {
  if (config_lookup(c, path) == nullptr) return true;
  int value = 0;
  if (config_lookup_bool(c, path, &value) != CONFIG_TRUE) {
    *error = std::string(path) + " must be true or false";
    return false;
  }
  *out = value != 0;
  return true;
}

constexpr std::string_view kKnownSettings[] = {
    "general.server_name",
    "general.homeserver_url",
    "general.as_token",
    "general.hs_token",
    "general.bind_address",
    "general.port",
    "general.max_connections",
    "general.max_body_bytes",
    "general.metrics_bind_address",
    "general.metrics_port",
    "general.database",
    "general.log_level",
    "general.log_format",
    "janus.url",
    "janus.api_secret",
    "janus.token",
    "janus.admin_key",
    "janus.instances",
    "janus.health_interval_ms",
    "janus.tick_load_high_water",
    "focus.prefix",
    "focus.no_call_timeout",
    "focus.call_setup_timeout",
    "focus.hangup_grace_ms",
    "focus.notices",
    "focus.recording_announcement",
};

bool known(const std::string& path) {
  for (std::string_view k : kKnownSettings) {
    if (k == path || (k.starts_with(path) && k[path.size()] == '.')) return true;
  }
  return false;
}

// A misspelt setting would silently keep its default: name every one we do not read.
void find_unknown(config_setting_t* group, const std::string& prefix,
                  std::vector<std::string>* out) {
  for (int i = 0; i < config_setting_length(group); ++i) {
    config_setting_t* s = config_setting_get_elem(group, static_cast<unsigned>(i));
    const char* name = config_setting_name(s);
    if (name == nullptr) continue;
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (!known(path)) {
      out->push_back(path);
    } else if (config_setting_is_group(s) == CONFIG_TRUE) {
      find_unknown(s, path, out);
    }
  }
}

// The sample's placeholders are public: a service that accepted them would trust anyone.
bool is_placeholder(const std::string& token) {
  return token.find("CHANGE-ME") != std::string::npos;
}

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

// One instance of janus.instances: a group with name, url, and optionally api_secret, token,
// admin_key, weight and conference_share.
bool read_instance(config_setting_t* s, const std::string& where, JanusInstanceConfig* out,
                   std::string* error) {
  if (config_setting_is_group(s) != CONFIG_TRUE) {
    *error = where + " must be a group { name = ... url = ... }";
    return false;
  }
  const char* value = nullptr;
  for (const char* key : {"name", "url"}) {
    if (config_setting_lookup_string(s, key, &value) != CONFIG_TRUE || *value == '\0') {
      *error = where + "." + key + " is required (a non-empty string)";
      return false;
    }
    (std::string_view(key) == "name" ? out->name : out->endpoint.url) = value;
  }
  struct Optional {
    const char* key;
    std::string* out;
  };
  for (const Optional& o :
       {Optional{"api_secret", &out->endpoint.api_secret}, Optional{"token", &out->endpoint.token},
        Optional{"admin_key", &out->endpoint.admin_key}}) {
    config_setting_t* v = config_setting_get_member(s, o.key);
    if (v == nullptr) continue;
    if (config_setting_type(v) != CONFIG_TYPE_STRING) {
      *error = where + "." + o.key + " must be a string";
      return false;
    }
    *o.out = config_setting_get_string(v);
  }
  if (config_setting_t* w = config_setting_get_member(s, "weight")) {
    const int weight = config_setting_get_int(w);
    if (config_setting_type(w) != CONFIG_TYPE_INT || weight < 1 || weight > 1000) {
      *error = where + ".weight must be an integer from 1 to 1000";
      return false;
    }
    out->weight = weight;
  }
  if (config_setting_t* c = config_setting_get_member(s, "conference_share")) {
    const int share = config_setting_get_int(c);
    if (config_setting_type(c) != CONFIG_TYPE_INT || share < 0 || share > 100000) {
      *error = where + ".conference_share must be an integer from 0 (no limit) to 100000";
      return false;
    }
    out->conference_share = share;
  }
  if (!is_http_url(out->endpoint.url)) {
    *error = where + ".url must be an http(s) URL";
    return false;
  }
  return true;
}

// janus.instances, or the one Janus of janus.url (api_secret, token): never both.
bool read_janus(config_t* c, std::vector<JanusInstanceConfig>* out, std::string* error) {
  config_setting_t* list = config_lookup(c, "janus.instances");
  if (list == nullptr) {
    JanusInstanceConfig one = out->front();
    if (!read_string(c, "janus.url", &one.endpoint.url, false, error) ||
        !read_string(c, "janus.api_secret", &one.endpoint.api_secret, false, error) ||
        !read_string(c, "janus.token", &one.endpoint.token, false, error) ||
        !read_string(c, "janus.admin_key", &one.endpoint.admin_key, false, error)) {
      return false;
    }
    if (!is_http_url(one.endpoint.url)) {
      *error = "janus.url must be an http(s) URL";
      return false;
    }
    *out = {one};
    return true;
  }
  for (const char* single : {"janus.url", "janus.api_secret", "janus.token", "janus.admin_key"}) {
    if (config_lookup(c, single) != nullptr) {
      *error =
          std::string(single) + " is for one Janus: with janus.instances, give it per instance";
      return false;
    }
  }
  const int n = config_setting_length(list);
  if (config_setting_is_list(list) != CONFIG_TRUE || n == 0) {
    *error = "janus.instances must be a non-empty list ( { name = ... url = ... }, ... )";
    return false;
  }
  std::vector<JanusInstanceConfig> instances;
  for (int i = 0; i < n; ++i) {
    JanusInstanceConfig in;
    const std::string where = "janus.instances[" + std::to_string(i) + "]";
    if (!read_instance(config_setting_get_elem(list, static_cast<unsigned>(i)), where, &in, error))
      return false;
    for (const JanusInstanceConfig& other : instances) {
      if (other.name == in.name) {
        *error = where + ".name " + in.name + " is used twice";
        return false;
      }
    }
    instances.push_back(std::move(in));
  }
  *out = std::move(instances);
  return true;
}

}  // namespace

bool load_config(const std::string& path, GlueConfig* out, std::string* error,
                 std::vector<std::string>* warnings) {
  std::unique_ptr<config_t, ConfigDeleter> c(new config_t);
  config_init(c.get());
  if (config_read_file(c.get(), path.c_str()) != CONFIG_TRUE) {
    const char* file = config_error_file(c.get());
    *error = std::string(file != nullptr ? file : path.c_str()) + ":" +
             std::to_string(config_error_line(c.get())) + ": " + config_error_text(c.get());
    return false;
  }
  GlueConfig cfg;
  cfg.recording_announcement = MCU_RECORDING_ANNOUNCEMENT;
  std::string e;
  int body_bytes = static_cast<int>(cfg.max_body_bytes);
  const bool ok =
      read_string(c.get(), "general.server_name", &cfg.server_name, true, &e) &&
      read_string(c.get(), "general.homeserver_url", &cfg.homeserver_url, true, &e) &&
      read_string(c.get(), "general.as_token", &cfg.as_token, true, &e) &&
      read_string(c.get(), "general.hs_token", &cfg.hs_token, true, &e) &&
      read_string(c.get(), "general.bind_address", &cfg.bind_address, false, &e) &&
      read_int(c.get(), "general.port", 1, 65535, &cfg.port, &e) &&
      read_int(c.get(), "general.max_connections", 1, 10000, &cfg.max_connections, &e) &&
      read_int(c.get(), "general.max_body_bytes", 1024, 256 * 1024 * 1024, &body_bytes, &e) &&
      read_string(c.get(), "general.metrics_bind_address", &cfg.metrics_bind_address, false, &e) &&
      read_int(c.get(), "general.metrics_port", 0, 65535, &cfg.metrics_port, &e) &&
      read_string(c.get(), "general.database", &cfg.database, false, &e) &&
      read_string(c.get(), "general.log_level", &cfg.log_level, false, &e) &&
      read_string(c.get(), "general.log_format", &cfg.log_format, false, &e) &&
      read_janus(c.get(), &cfg.janus_instances, &e) &&
      read_int(c.get(), "janus.health_interval_ms", 200, 600000, &cfg.janus_health_interval_ms,
               &e) &&
      read_fraction(c.get(), "janus.tick_load_high_water", &cfg.tick_load_high_water, &e) &&
      read_string(c.get(), "focus.prefix", &cfg.focus_prefix, false, &e) &&
      read_int(c.get(), "focus.no_call_timeout", 1, 86400, &cfg.no_call_timeout_s, &e) &&
      read_int(c.get(), "focus.call_setup_timeout", 1, 600, &cfg.call_setup_timeout_s, &e) &&
      read_int(c.get(), "focus.hangup_grace_ms", 0, 60000, &cfg.hangup_grace_ms, &e) &&
      read_bool(c.get(), "focus.notices", &cfg.notices, &e) &&
      read_string(c.get(), "focus.recording_announcement", &cfg.recording_announcement, false, &e);
  if (ok && !is_http_url(cfg.homeserver_url)) e = "general.homeserver_url must be an http(s) URL";
  if (ok && e.empty() && (cfg.as_token.size() < 16 || cfg.hs_token.size() < 16)) {
    e = "general.as_token and general.hs_token must be at least 16 characters";
  }
  if (ok && e.empty() && (is_placeholder(cfg.as_token) || is_placeholder(cfg.hs_token))) {
    e = "general.as_token and general.hs_token still hold the sample's CHANGE-ME placeholders: "
        "put in the tokens of your registration file (matrix-glue generate-registration)";
  }
  if (ok && e.empty() && cfg.log_level != "error" && cfg.log_level != "warn" &&
      cfg.log_level != "info" && cfg.log_level != "debug") {
    e = "general.log_level must be error, warn, info or debug";
  }
  if (ok && e.empty() && cfg.log_format != "text" && cfg.log_format != "json") {
    e = "general.log_format must be text or json";
  }
  if (ok && e.empty() &&
      (cfg.focus_prefix.empty() || cfg.focus_prefix.find_first_of(":@ ") != std::string::npos)) {
    e = "focus.prefix must be a non-empty user ID localpart prefix";
  }
  if (!e.empty()) {
    *error = path + ": " + e;
    return false;
  }
  cfg.max_body_bytes = static_cast<std::size_t>(body_bytes);
  if (warnings != nullptr) {
    std::vector<std::string> unknown;
    find_unknown(config_root_setting(c.get()), "", &unknown);
    for (const std::string& name : unknown) {
      warnings->push_back(path + ": unknown setting " + name + " ignored");
    }
  }
  *out = cfg;
  return true;
}

}  // namespace glue
