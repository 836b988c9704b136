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
  assert_string_equal(cfg.janus_url.c_str(), "http://127.0.0.1:8088/janus");
  assert_true(cfg.janus_api_secret.empty());
  assert_true(cfg.janus_token.empty());
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

// Janus' api_secret and a token_auth token: read as given; anything but a string refused.
void test_janus_credentials(void** /*state*/) {
  const std::string path = write_file(
      std::string(kValid) +
      "janus: { url = \"http://j:8088/janus\" api_secret = \"s3cret\" token = \"t0ken\" }\n");
  glue::GlueConfig cfg;
  std::string error;
  std::vector<std::string> warnings;
  if (!glue::load_config(path, &cfg, &error, &warnings)) fail_msg("%s", error.c_str());
  unlink(path.c_str());
  assert_true(warnings.empty());
  assert_string_equal(cfg.janus_api_secret.c_str(), "s3cret");
  assert_string_equal(cfg.janus_token.c_str(), "t0ken");
  expect_error(std::string(kValid) + "janus: { api_secret = 5 }\n",
               "janus.api_secret must be a string");
  expect_error(std::string(kValid) + "janus: { token = true }\n", "janus.token must be a string");
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
  unlink(path.c_str());
  std::string set = kValid;
  set.replace(set.find("port = 9000"), 11,
              "port = 9000 max_connections = 5 max_body_bytes = 2048 "
              "metrics_bind_address = \"10.0.0.1\" metrics_port = 0");
  set.replace(set.find("notices = false"), 15, "hangup_grace_ms = 500");
  path = write_file(set);
  assert_true(glue::load_config(path, &cfg, &error));
  assert_int_equal(cfg.max_connections, 5);
  assert_int_equal(cfg.max_body_bytes, 2048);
  assert_string_equal(cfg.metrics_bind_address.c_str(), "10.0.0.1");
  assert_int_equal(cfg.metrics_port, 0);
  assert_int_equal(cfg.hangup_grace_ms, 500);
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
  const std::string path = write_file(text);
  glue::GlueConfig cfg;
  std::string error;
  std::vector<std::string> warnings;
  if (!glue::load_config(path, &cfg, &error, &warnings)) fail_msg("%s", error.c_str());
  unlink(path.c_str());
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
  std::vector<std::string> none;
  const std::string valid = write_file(kValid);
  assert_true(glue::load_config(valid, &cfg, &error, &none));
  assert_true(none.empty());
  unlink(valid.c_str());
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_janus_credentials),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_listener_settings),
      cmocka_unit_test(test_sample_placeholders_refused),
      cmocka_unit_test(test_unknown_settings_warned),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
