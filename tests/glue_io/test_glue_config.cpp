// matrix-glue.jcfg: defaults, required settings, clear errors.
#include <unistd.h>

#include <cstdio>
#include <string>

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

void test_errors(void** /*state*/) {
  expect_error("general: { server_name = \"x\" ", ":1");  // syntax error with a line number
  expect_error("general: { server_name = \"x\" }", "homeserver_url is required");
  std::string bad_port = kValid;
  bad_port.replace(bad_port.find("9000"), 4, "99999");
  expect_error(bad_port, "general.port");
  std::string short_token = kValid;
  short_token.replace(short_token.find("as_token_0123456789"), 19, "short");
  expect_error(short_token, "at least 16");
  std::string bad_url = kValid;
  bad_url.replace(bad_url.find("http://127.0.0.1:8008"), 21, "ftp://x");
  expect_error(bad_url, "homeserver_url");
  std::string bad_type = kValid;
  bad_type.replace(bad_type.find("notices = false"), 15, "notices = \"no\"");
  expect_error(bad_type, "focus.notices");
  glue::GlueConfig cfg;
  std::string error;
  assert_false(glue::load_config("/nonexistent.jcfg", &cfg, &error));
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {cmocka_unit_test(test_valid), cmocka_unit_test(test_errors)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
