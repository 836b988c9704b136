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

// Per Janus instance: its state, our counts, the plugin's reported load, the reconciled rooms.
void test_instance_families(void**) {
  glue::Metrics m;
  glue::JanusInstanceGauges& g = m.janus_instances.emplace_back();
  std::string name = "a";
  g.name.swap(name);  // not `= "a"`: GCC 12's -Wrestrict misfires on that here
  g.weight = 2;
  g.up = 1;
  g.participants = 3;
  g.reported_participants = 7;
  g.tick_load = 0.25;
  g.rooms_reconciled = 4;
  const std::string text = m.render();
  expect_line(text, R"(glue_janus_instance_up{instance="a"} 1)");
  expect_line(text, R"(glue_janus_instance_weight{instance="a"} 2)");
  expect_line(text, R"(glue_janus_instance_participants{instance="a"} 3)");
  expect_line(text, R"(glue_janus_instance_reported_participants{instance="a"} 7)");
  expect_line(text, R"(glue_janus_instance_tick_load{instance="a"} 0.25)");
  expect_line(text, "# TYPE glue_rooms_reconciled_total counter");
  expect_line(text, R"(glue_rooms_reconciled_total{instance="a"} 4)");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state_gauges),
      cmocka_unit_test(test_build_info),
      cmocka_unit_test(test_setup_histogram_in_seconds),
      cmocka_unit_test(test_instance_families),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
