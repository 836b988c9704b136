// `create`, the room-only requests and the JSEP, rule by rule.
#include <string>

#include "errors.h"
#include "jsep.h"
#include "room_request.h"

// Last: CMocka's macros break standard headers included after it.
#include "api_test_helpers.h"

namespace {

int room_error(const char* text, bool string_ids = false) {
  return error_code(text, [string_ids](json_t* j) {
    conf::RoomRequest r;
    return conf::parse_room_request(j, string_ids, &r);
  });
}

void test_room_request(void** /*state*/) {
  json_t* j = parse(R"({"room": 12, "secret": "s"})");
  conf::RoomRequest r;
  assert_false(conf::parse_room_request(j, false, &r).has_value());
  assert_string_equal(r.room.c_str(), "12");
  assert_string_equal(r.secret->c_str(), "s");
  json_decref(j);
  assert_int_equal(room_error(R"({})"), conf::kErrMissingElement);
  assert_int_equal(room_error(R"({"room": -12})"), conf::kErrInvalidElement);
  assert_int_equal(room_error(R"({"room": 0})"), conf::kErrInvalidElement);
  assert_int_equal(room_error(R"({"room": "12"})"), conf::kErrInvalidElement);
  assert_int_equal(room_error(R"({"room": "abc"})", true), 0);
  assert_int_equal(room_error(R"({"room": 12, "secret": 5})"), conf::kErrInvalidElement);
}

void test_create_request(void** /*state*/) {
  conf::RoomOptions defaults;
  defaults.id = "from-the-defaults";
  defaults.max_speakers = 5;
  json_t* j = parse(R"({"admin_key": "k", "description": "d"})");
  conf::CreateRequest r;
  assert_false(conf::parse_create_request(j, false, defaults, &r).has_value());
  assert_string_equal(r.admin_key->c_str(), "k");
  assert_true(r.options.id.empty());  // the plugin picks one
  assert_int_equal(r.options.max_speakers, 5);
  assert_string_equal(r.options.description.c_str(), "d");
  json_decref(j);
  j = parse(R"({"room": 3, "admin_key": 7})");
  auto e = conf::parse_create_request(j, false, defaults, &r);
  assert_true(e.has_value());
  assert_int_equal(e->code, conf::kErrInvalidElement);
  json_decref(j);
  j = parse(R"({"room": 3, "max_speakers": 99})");
  e = conf::parse_create_request(j, false, defaults, &r);
  assert_true(e.has_value());
  assert_int_equal(e->code, conf::kErrInvalidElement);
  json_decref(j);
}

int recording_error(const char* text) {
  return error_code(text, [](json_t* j) {
    conf::EnableRecordingRequest r;
    return conf::parse_enable_recording_request(j, false, &r);
  });
}

void test_enable_recording_request(void** /*state*/) {
  json_t* j = parse(R"({"room": 4, "secret": "s", "record": true, "record_file": "x.opus"})");
  conf::EnableRecordingRequest r;
  assert_false(conf::parse_enable_recording_request(j, false, &r).has_value());
  assert_string_equal(r.room.room.c_str(), "4");
  assert_string_equal(r.room.secret->c_str(), "s");
  assert_true(r.record);
  assert_string_equal(r.record_file->c_str(), "x.opus");
  assert_false(r.record_dir.has_value());  // the room's stays
  json_decref(j);
  assert_int_equal(recording_error(R"({"room": 4})"), conf::kErrMissingElement);
  assert_int_equal(recording_error(R"({"record": true})"), conf::kErrMissingElement);
  assert_int_equal(recording_error(R"({"room": 4, "record": 1})"), conf::kErrInvalidElement);
  assert_int_equal(recording_error(R"({"room": 4, "record": true, "record_dir": "a/../.."})"),
                   conf::kErrInvalidElement);
}

int jsep_error(const char* text) {
  return error_code(text, [](json_t* j) {
    conf::Jsep jsep;
    return conf::parse_jsep(j, &jsep);
  });
}

void test_jsep(void** /*state*/) {
  json_t* j = parse(R"({"type": "offer", "sdp": "v=0"})");
  conf::Jsep jsep;
  assert_false(conf::parse_jsep(j, &jsep).has_value());
  assert_true(jsep.type == conf::Jsep::Type::kOffer);
  assert_string_equal(jsep.sdp.c_str(), "v=0");
  json_decref(j);
  j = parse(R"({"type": "answer", "sdp": "v=1"})");
  assert_false(conf::parse_jsep(j, &jsep).has_value());
  assert_true(jsep.type == conf::Jsep::Type::kAnswer);
  assert_string_equal(jsep.sdp.c_str(), "v=1");
  json_decref(j);
  assert_int_equal(jsep_error(R"({"sdp": "v=0"})"), conf::kErrMissingElement);
  assert_int_equal(jsep_error(R"({"type": "offer"})"), conf::kErrMissingElement);
  assert_int_equal(jsep_error(R"({"type": 1, "sdp": "v=0"})"), conf::kErrInvalidElement);
  assert_int_equal(jsep_error(R"({"type": "offer", "sdp": []})"), conf::kErrInvalidElement);
  assert_int_equal(jsep_error(R"({"type": "pranswer", "sdp": "v=0"})"), conf::kErrInvalidSdp);
  assert_int_equal(jsep_error(R"({"type": "Offer", "sdp": "v=0"})"), conf::kErrInvalidSdp);
  assert_int_equal(jsep_error(R"("offer")"), conf::kErrInvalidElement);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_room_request),
      cmocka_unit_test(test_create_request),
      cmocka_unit_test(test_enable_recording_request),
      cmocka_unit_test(test_jsep),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
