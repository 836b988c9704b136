// GET /metrics: the state gauges, the build info and the setup histogram in seconds.
#include <string>

#include "metrics.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

void expect_line(const std::string& text, const std::string& line) {
  if (!has_line(text, line)) fail_msg("no line \"%s\" in:\n%s", line.c_str(), text.c_str());
}

void test_state_gauges(void**) {
  glue::Metrics m;
  glue::StateGauges g;
  g.focuses = {1, 0, 2};
  g.calls = {0, 1, 0, 3, 1, 2};
  g.participants = 3;
  g.call_backs = {2, 1, 0, 0};
  m.set_state(g);
  const std::string text = m.render();
  expect_line(text, "# TYPE glue_focuses gauge");
  expect_line(text, R"(glue_focuses{state="joining"} 1)");
  expect_line(text, R"(glue_focuses{state="loading_members"} 0)");
  expect_line(text, R"(glue_focuses{state="active"} 2)");
  expect_line(text, "# TYPE glue_calls gauge");
  expect_line(text, R"(glue_calls{state="attaching"} 0)");
  expect_line(text, R"(glue_calls{state="joining"} 1)");
  expect_line(text, R"(glue_calls{state="answered"} 0)");
  expect_line(text, R"(glue_calls{state="connected"} 3)");
  expect_line(text, R"(glue_calls{state="peer_gone"} 1)");
  expect_line(text, R"(glue_calls{state="calling_back"} 2)");
  expect_line(text, "glue_participants 3");
  expect_line(text, "# TYPE glue_call_backs_total counter");
  expect_line(text, R"(glue_call_backs_total{outcome="answered"} 2)");
  expect_line(text, R"(glue_call_backs_total{outcome="rejected"} 1)");
  expect_line(text, R"(glue_call_backs_total{outcome="timeout"} 0)");
}

void test_build_info(void**) {
  const std::string text = glue::Metrics().render();
  expect_line(text, "# TYPE glue_build_info gauge");
  const size_t at = text.find("\nglue_build_info{version=\"");
  assert_true(at != std::string::npos);
  const std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  assert_true(line.ends_with("} 1"));
}

void test_setup_histogram_in_seconds(void**) {
  glue::Metrics m;
  m.observe_setup_seconds(0.2);
  m.observe_setup_seconds(3);
  const std::string text = m.render();
  expect_line(text, "# TYPE glue_call_setup_seconds histogram");
  expect_line(text, R"(glue_call_setup_seconds_bucket{le="0.1"} 0)");
  expect_line(text, R"(glue_call_setup_seconds_bucket{le="0.25"} 1)");
  expect_line(text, R"(glue_call_setup_seconds_bucket{le="5"} 2)");
  expect_line(text, R"(glue_call_setup_seconds_bucket{le="+Inf"} 2)");
  expect_line(text, "glue_call_setup_seconds_sum 3.200000");
  expect_line(text, "glue_call_setup_seconds_count 2");
  assert_true(text.find("_ms") == std::string::npos);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state_gauges),
      cmocka_unit_test(test_build_info),
      cmocka_unit_test(test_setup_histogram_in_seconds),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
