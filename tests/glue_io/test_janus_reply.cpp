// Janus API answers and events as the glue reads them.
#include <string>

#include "../unit/cmocka_cpp.h"
#include "janus_api.h"

namespace {

void test_success_and_ids(void** /*state*/) {
  auto r = glue::parse_janus_reply(R"({"janus":"success","transaction":"t","data":{"id":4242}})");
  assert_true(r.ok);
  assert_int_equal(glue::JanusApi::id_of(r), 4242);
}

void test_ack(void** /*state*/) {
  auto r = glue::parse_janus_reply(R"({"janus":"ack","session_id":1,"transaction":"t"})");
  assert_true(r.ok);
  assert_true(r.acked);
  assert_null(r.data);
}

void test_core_error(void** /*state*/) {
  auto r = glue::parse_janus_reply(
      R"({"janus":"error","session_id":1,"error":{"code":458,"reason":"No such session 1"}})");
  assert_false(r.ok);
  assert_int_equal(r.error_code, 458);
  assert_string_equal(r.error.c_str(), "No such session 1");
}

void test_plugin_event_with_jsep(void** /*state*/) {
  auto r = glue::parse_janus_reply(R"({"janus":"event","sender":9,"plugindata":{
      "plugin":"janus.plugin.conference","data":{"conference":"joined","room":1,"id":7}},
      "jsep":{"type":"answer","sdp":"v=0"}})");
  assert_true(r.ok);
  assert_string_equal(json_string_value(json_object_get(r.data, "conference")), "joined");
  assert_string_equal(json_string_value(json_object_get(r.jsep, "sdp")), "v=0");
}

void test_plugin_error(void** /*state*/) {
  const char* text =
      R"json({"janus":"success","plugindata":{"plugin":"p","data":)json"
      R"json({"conference":"event","error_code":485,"error":"No such room (5)"}}})json";
  auto r = glue::parse_janus_reply(text);
  assert_false(r.ok);
  assert_int_equal(r.error_code, 485);
  assert_string_equal(r.error.c_str(), "No such room (5)");
}

void test_garbage(void** /*state*/) {
  for (const char* text : {"", "nope", "[1,2]", "{\"janus\":5}", "{\"janus\":\"weird\"}"}) {
    auto r = glue::parse_janus_reply(text);
    assert_false(r.ok);
    assert_false(r.error.empty());
  }
}

void test_move(void** /*state*/) {
  auto a = glue::parse_janus_reply(R"({"janus":"success","data":{"id":1}})");
  glue::JanusReply b = std::move(a);
  assert_null(a.data);
  assert_int_equal(glue::JanusApi::id_of(b), 1);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_success_and_ids),
      cmocka_unit_test(test_ack),
      cmocka_unit_test(test_core_error),
      cmocka_unit_test(test_plugin_event_with_jsep),
      cmocka_unit_test(test_plugin_error),
      cmocka_unit_test(test_garbage),
      cmocka_unit_test(test_move),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
