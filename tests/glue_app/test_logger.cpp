// Log lines: the text format, and JSON lines that a JSON parser reads back field by field
// whatever bytes the message holds.
#include <jansson.h>

#include <string>

#include "logger.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

const std::string kStamp = "2026-11-28T01:02:03.456Z";

std::string field(json_t* j, const char* key) {
  const char* v = json_string_value(json_object_get(j, key));
  return v != nullptr ? v : "(absent)";
}

json_t* parse(const std::string& line) {
  json_error_t error;
  json_t* j = json_loads(line.c_str(), JSON_REJECT_DUPLICATES, &error);
  if (j == nullptr) fail_msg("not JSON (%s): %s", error.text, line.c_str());
  return j;
}

void test_json_line_with_context(void**) {
  const std::string line = glue::format_log_line(
      glue::LogFormat::kJson,
      {kStamp, glue::Severity::kWarn, "call ended: ice_failed", {"!room:x", "@alice:x", "c1"}});
  assert_true(line.find('\n') == std::string::npos);
  json_t* j = parse(line);
  assert_string_equal(field(j, "ts").c_str(), kStamp.c_str());
  assert_string_equal(field(j, "level").c_str(), "warn");
  assert_string_equal(field(j, "msg").c_str(), "call ended: ice_failed");
  assert_string_equal(field(j, "room").c_str(), "!room:x");
  assert_string_equal(field(j, "user").c_str(), "@alice:x");
  assert_string_equal(field(j, "call_id").c_str(), "c1");
  assert_int_equal(json_object_size(j), 6);
  json_decref(j);
}

// Fields not known are left out rather than empty.
void test_json_line_without_context(void**) {
  json_t* j = parse(glue::format_log_line(glue::LogFormat::kJson,
                                          {kStamp, glue::Severity::kError, "Janus lost", {}}));
  assert_string_equal(field(j, "level").c_str(), "error");
  assert_int_equal(json_object_size(j), 3);
  json_decref(j);
}

// Quotes, backslashes, control characters, non-ASCII and bytes that are not UTF-8.
void test_json_escapes_everything(void**) {
  const std::string message =
      std::string("say \"hi\" \\ path\nnext\tline\r\x01\x1f\x7f é ") + "\xff\xc3" + " end";
  const std::string user = "@\"odd\":x";
  json_t* j = parse(glue::format_log_line(
      glue::LogFormat::kJson, {kStamp, glue::Severity::kInfo, message, {"", user, ""}}));
  assert_string_equal(field(j, "msg").c_str(),
                      "say \"hi\" \\ path\nnext\tline\r\x01\x1f\x7f \xc3\xa9 "
                      "\xef\xbf\xbd\xef\xbf\xbd end");
  assert_string_equal(field(j, "user").c_str(), user.c_str());
  assert_string_equal(field(j, "room").c_str(), "(absent)");
  json_decref(j);
}

void test_text_line(void**) {
  assert_string_equal(glue::format_log_line(
                          glue::LogFormat::kText,
                          {kStamp, glue::Severity::kInfo, "call admitted", {"!r:x", "@a:x", "c1"}})
                          .c_str(),
                      "2026-11-28T01:02:03.456Z INFO  room=!r:x user=@a:x call=c1 call admitted");
  assert_string_equal(
      glue::format_log_line(glue::LogFormat::kText, {kStamp, glue::Severity::kWarn, "w", {}})
          .c_str(),
      "2026-11-28T01:02:03.456Z WARN  w");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_line_with_context),
      cmocka_unit_test(test_json_line_without_context),
      cmocka_unit_test(test_json_escapes_everything),
      cmocka_unit_test(test_text_line),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
