// matrix-glue.jcfg: defaults, required settings, clear errors.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../unit/cmocka_cpp.h"
#include "glue_config.h"

namespace {

std::string write_file(const std::string& text) {
  char path[] = "/tmp/glue-config-XXXXXX";
  const int fd = mkstemp(path);
  assert_true(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  return path;
}

const char* kValid = R"(
general: {
  server_name = "example.org"
  homeserver_url = "http://127.0.0.1:8008"
  as_token = "as_token_0123456789"
  hs_token = "hs_token_0123456789"
  port = 9000
}
focus: { prefix = "conf_" no_call_timeout = 60 notices = false }
)";

void test_valid(void** /*state*/) {
  const std::string path = write_file(kValid);
  glue::GlueConfig cfg;
  std::string error;
  assert_true(glue::load_config(path, &cfg, &error));
  assert_string_equal(cfg.server_name.c_str(), "example.org");
  assert_int_equal(cfg.port, 9000);
  assert_string_equal(cfg.focus_prefix.c_str(), "conf_");
  assert_int_equal(cfg.no_call_timeout_s, 60);
  assert_false(cfg.notices);
  assert_int_equal(cfg.call_setup_timeout_s, 30);
  assert_int_equal(cfg.janus_instances.size(), 1);
  assert_string_equal(cfg.janus_instances[0].name.c_str(), "janus");
  assert_string_equal(cfg.janus_instances[0].endpoint.url.c_str(), "http://127.0.0.1:8088/janus");
  assert_true(cfg.janus_instances[0].endpoint.api_secret.empty());
  assert_true(cfg.janus_instances[0].endpoint.token.empty());
  assert_int_equal(cfg.janus_health_interval_ms, 5000);
  assert_true(cfg.janus_instances[0].endpoint.admin_key.empty());
  assert_true(cfg.tick_load_high_water == 0.8);
  assert_string_equal(cfg.log_format.c_str(), "text");
  unlink(path.c_str());
}

void expect_error(const std::string& text, const char* needle) {
  const std::string path = write_file(text);
  glue::GlueConfig cfg;
  std::string error;
  assert_false(glue::load_config(path, &cfg, &error));
  if (error.find(needle) == std::string::npos)
    fail_msg("error '%s' lacks '%s'", error.c_str(), needle);
  unlink(path.c_str());
}

// `text` with the first `from` replaced by `to`.
std::string edited(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) fail_msg("'%s' not in the config text", from.c_str());
  return text.replace(at, from.size(), to);
}

// `text` loaded without error; its warnings in `warnings`.
glue::GlueConfig load_ok(const std::string& text, std::vector<std::string>* warnings) {
  const std::string path = write_file(text);
  glue::GlueConfig cfg;
  std::string error;
  if (!glue::load_config(path, &cfg, &error, warnings)) fail_msg("%s", error.c_str());
  unlink(path.c_str());
  return cfg;
}

// `text` loaded, with no error and no warning.
glue::GlueConfig load_clean(const std::string& text) {
  std::vector<std::string> warnings;
  glue::GlueConfig cfg = load_ok(text, &warnings);
  for (const std::string& w : warnings) fail_msg("%s", w.c_str());
  return cfg;
}

// Janus' api_secret and a token_auth token: read as given; anything but a string refused.
void test_janus_credentials(void** /*state*/) {
  const glue::GlueConfig cfg =
      load_clean(std::string(kValid) +
                 "janus: { url = \"http://j:8088/janus\" api_secret = \"s3cret\" token = \"t0ken\" "
                 "admin_key = \"k3y\" }\n");
  assert_int_equal(cfg.janus_instances.size(), 1);
  assert_string_equal(cfg.janus_instances[0].endpoint.url.c_str(), "http://j:8088/janus");
  assert_string_equal(cfg.janus_instances[0].endpoint.api_secret.c_str(), "s3cret");
  assert_string_equal(cfg.janus_instances[0].endpoint.token.c_str(), "t0ken");
  assert_string_equal(cfg.janus_instances[0].endpoint.admin_key.c_str(), "k3y");
  expect_error(std::string(kValid) + "janus: { api_secret = 5 }\n",
               "janus.api_secret must be a string");
  expect_error(std::string(kValid) + "janus: { token = true }\n", "janus.token must be a string");
}

// janus.instances: a pool, each with its own URL, credentials and weight (default 1); names
// unique; the single-Janus keys beside it refused.
void test_janus_instances(void** /*state*/) {
  const std::string pool = R"(janus: {
  health_interval_ms = 1000
  tick_load_high_water = 0.5
  instances = (
    { name = "a" url = "http://10.0.0.1:8088/janus" api_secret = "sa" admin_key = "ka" weight = 2
      conference_share = 40 },
    { name = "b" url = "https://b.example/janus" token = "tb" }
  )
})";
  const glue::GlueConfig cfg = load_clean(std::string(kValid) + pool);
  assert_int_equal(cfg.janus_health_interval_ms, 1000);
  assert_int_equal(cfg.janus_instances.size(), 2);
  const glue::JanusInstanceConfig& a = cfg.janus_instances[0];
  const glue::JanusInstanceConfig& b = cfg.janus_instances[1];
  assert_string_equal(a.name.c_str(), "a");
  assert_string_equal(a.endpoint.url.c_str(), "http://10.0.0.1:8088/janus");
  assert_string_equal(a.endpoint.api_secret.c_str(), "sa");
  assert_int_equal(a.weight, 2);
  assert_string_equal(a.endpoint.admin_key.c_str(), "ka");
  assert_true(b.endpoint.admin_key.empty());
  assert_true(cfg.tick_load_high_water == 0.5);
  assert_string_equal(b.name.c_str(), "b");
  assert_string_equal(b.endpoint.token.c_str(), "tb");
  assert_true(b.endpoint.api_secret.empty());
  assert_int_equal(b.weight, 1);
  assert_int_equal(a.conference_share, 40);
  assert_int_equal(b.conference_share, 0);  // no limit

  const std::string v = kValid;
  expect_error(
      v + R"(janus: { url = "http://j/janus" instances = ({ name = "a" url = "http://a/janus" }) })",
      "janus.url is for one Janus");
  expect_error(v + "janus: { instances = () }", "janus.instances must be a non-empty list");
  expect_error(v + R"(janus: { instances = ({ url = "http://a/janus" }) })",
               "janus.instances[0].name is required");
  expect_error(v + R"(janus: { instances = ({ name = "a" url = "ftp://a" }) })",
               "janus.instances[0].url must be an http(s) URL");
  expect_error(v + R"(janus: { instances = ({ name = "a" url = "http://a/j" weight = 0 }) })",
               "janus.instances[0].weight must be an integer from 1 to 1000");
  for (const char* bad : {"-1", "100001", "2.5", "\"10\""})
    expect_error(
        v + R"(janus: { instances = ({ name = "a" url = "http://a/j" conference_share = )" + bad +
            " }) }",
        "janus.instances[0].conference_share must be an integer from 0 (no limit) to "
        "100000");
  expect_error(v + R"(janus: { instances = ({ name = "a" url = "http://a/j" token = 1 }) })",
               "janus.instances[0].token must be a string");
  expect_error(v + R"(janus: { instances = ({ name = "a" url = "http://a/j" },
                                            { name = "a" url = "http://b/j" }) })",
               "janus.instances[1].name a is used twice");
  expect_error(v + R"(janus: { instances = ("a") })", "janus.instances[0] must be a group");
  expect_error(v + "janus: { health_interval_ms = 10 }", "janus.health_interval_ms must be");
  expect_error(v + R"(janus: { instances = ({ name = "a" url = "http://a/j" admin_key = 1 }) })",
               "janus.instances[0].admin_key must be a string");
  expect_error(v + R"(janus: { admin_key = "k" instances = ({ name = "a" url = "http://a/j" }) })",
               "janus.admin_key is for one Janus");
  for (const char* bad : {"1.5", "-0.1", "\"high\"", "2"})
    expect_error(v + "janus: { tick_load_high_water = " + bad + " }",
                 "janus.tick_load_high_water must be a number from 0 to 1");
  assert_true(load_clean(v + "janus: { tick_load_high_water = 1 }").tick_load_high_water == 1.0);
}

void test_errors(void** /*state*/) {
  expect_error("general: { server_name = \"x\" ", ":1");  // syntax error with a line number
  expect_error("general: { server_name = \"x\" }", "homeserver_url is required");
  expect_error(edited(kValid, "9000", "99999"), "general.port");
  expect_error(edited(kValid, "as_token_0123456789", "short"), "at least 16");
  expect_error(edited(kValid, "http://127.0.0.1:8008", "ftp://x"), "homeserver_url");
  expect_error(edited(kValid, "notices = false", "notices = \"no\""), "focus.notices");
  glue::GlueConfig cfg;
  std::string error;
  assert_false(glue::load_config("/nonexistent.jcfg", &cfg, &error));
  expect_error(edited(kValid, "port = 9000", "port = 9000 max_connections = 0"),
               "general.max_connections");
  expect_error(edited(kValid, "port = 9000", "port = 9000 max_body_bytes = 10"),
               "general.max_body_bytes");
  expect_error(edited(kValid, "notices = false", "hangup_grace_ms = -1"), "focus.hangup_grace_ms");
  expect_error(edited(kValid, "port = 9000", "port = 9000 log_format = \"xml\""),
               "general.log_format must be text or json");
}

// The listeners' limits and the metrics listener: defaults, then set.
void test_listener_settings(void** /*state*/) {
  std::string path = write_file(kValid);
  glue::GlueConfig cfg;
  std::string error;
  assert_true(glue::load_config(path, &cfg, &error));
  assert_int_equal(cfg.max_connections, 32);
  assert_int_equal(cfg.max_body_bytes, 16 * 1024 * 1024);
  assert_string_equal(cfg.metrics_bind_address.c_str(), "127.0.0.1");
  assert_int_equal(cfg.metrics_port, 8091);
  assert_int_equal(cfg.hangup_grace_ms, 3000);
  assert_true(
      cfg.recording_announcement.ends_with("/janus-conference/sounds/recording-started.opus"));
  unlink(path.c_str());
  std::string set = kValid;
  set.replace(set.find("port = 9000"), 11,
              "port = 9000 max_connections = 5 max_body_bytes = 2048 "
              "metrics_bind_address = \"10.0.0.1\" metrics_port = 0");
  set.replace(set.find("notices = false"), 15,
              "hangup_grace_ms = 500 recording_announcement = \"\"");
  path = write_file(set);
  assert_true(glue::load_config(path, &cfg, &error));
  assert_int_equal(cfg.max_connections, 5);
  assert_int_equal(cfg.max_body_bytes, 2048);
  assert_string_equal(cfg.metrics_bind_address.c_str(), "10.0.0.1");
  assert_int_equal(cfg.metrics_port, 0);
  assert_int_equal(cfg.hangup_grace_ms, 500);
  assert_true(cfg.recording_announcement.empty());
  unlink(path.c_str());
}

std::string sample_text() {
  const std::string here = __FILE__;
  const std::string sample =
      here.substr(0, here.rfind("/tests/glue_io/")) + "/conf/matrix-glue.jcfg.sample";
  std::ifstream f(sample);
  if (!f) fail_msg("cannot read %s", sample.c_str());
  std::stringstream text;
  text << f.rdbuf();
  return text.str();
}

std::string replaced_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// The shipped sample as it is: refused for its public CHANGE-ME tokens. With real tokens it
// loads, and every setting it documents is one the glue reads.
void test_sample_placeholders_refused(void** /*state*/) {
  const std::string sample = sample_text();
  expect_error(sample, "CHANGE-ME");
  const std::string one_left =
      replaced_all(sample, "CHANGE-ME-as-token-from-the-registration", "0123456789abcdef01");
  expect_error(one_left, "CHANGE-ME");
  const std::string path = write_file(
      replaced_all(one_left, "CHANGE-ME-hs-token-from-the-registration", "fedcba9876543210fe"));
  glue::GlueConfig cfg;
  std::string error;
  std::vector<std::string> warnings;
  if (!glue::load_config(path, &cfg, &error, &warnings)) fail_msg("%s", error.c_str());
  for (const std::string& w : warnings) fail_msg("sample: %s", w.c_str());
  unlink(path.c_str());
}

// Misspelt or unknown settings and categories are named, and the rest still loads.
void test_unknown_settings_warned(void** /*state*/) {
  std::string text = kValid;
  text.replace(text.find("port = 9000"), 11, "prot = 9000");
  text.replace(text.find("no_call_timeout"), 15, "no_call_timout");
  text +=
      "metrics: { port = 9100 }\nlonely = 1\njanus: { url = \"http://j/janus\" secret = \"x\" }\n";
  std::vector<std::string> warnings;
  glue::GlueConfig cfg = load_ok(text, &warnings);
  const char* expected[] = {"general.prot", "focus.no_call_timout", "metrics", "lonely",
                            "janus.secret"};
  assert_int_equal(warnings.size(), 5);
  for (const char* name : expected) {
    bool found = false;
    for (const std::string& w : warnings) {
      found |= w.find("unknown setting " + std::string(name) + " ignored") != std::string::npos;
    }
    if (!found) fail_msg("no warning names %s", name);
  }
  assert_int_equal(cfg.port, 8090);  // the misspelt one keeps its default
  load_clean(kValid);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_janus_credentials),
      cmocka_unit_test(test_janus_instances),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_listener_settings),
      cmocka_unit_test(test_sample_placeholders_refused),
      cmocka_unit_test(test_unknown_settings_warned),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
