// Room settings from `create` requests and jcfg categories.
#include <string>

#include "api_test_helpers.h"
#include "errors.h"
#include "room_options.h"

namespace {

void test_defaults_and_fields(void** /*state*/) {
  json_t* j = parse(R"({"room": 1234, "description": "d", "secret": "s", "pin": "p",
                        "allow_rtp_participants": true, "max_speakers": 5, "default_bitrate": 24000,
                        "sampling_rate": 16000})");
  conf::RoomOptions o;
  assert_false(conf::parse_room_options(j, false, true, &o).has_value());
  assert_string_equal(o.id.c_str(), "1234");
  assert_string_equal(o.description.c_str(), "d");
  assert_string_equal(o.secret.c_str(), "s");
  assert_string_equal(o.pin.c_str(), "p");
  assert_true(o.allow_rtp_participants);
  assert_int_equal(o.max_speakers, 5);
  assert_int_equal(o.bitrate, 24000);
  assert_true(o.audiolevel_event);
  json_decref(j);
}

void test_join_and_leave_tones(void** /*state*/) {
  conf::RoomOptions o;
  json_t* j = parse(R"({"room": 1})");
  assert_false(conf::parse_room_options(j, false, true, &o).has_value());
  assert_false(o.join_tone);  // off by default
  assert_false(o.leave_tone);
  json_decref(j);
  j = parse(R"({"room": 1, "join_tone": true, "leave_tone": true})");
  assert_false(conf::parse_room_options(j, false, true, &o).has_value());
  assert_true(o.join_tone);
  assert_true(o.leave_tone);
  json_decref(j);
  // A jcfg room spells it "yes".
  json_t* value = conf::jcfg_value_to_json("yes");
  j = json_pack("{s:i, s:O}", "room", 1, "join_tone", value);
  json_decref(value);
  conf::RoomOptions from_jcfg;
  assert_false(conf::parse_room_options(j, false, true, &from_jcfg).has_value());
  assert_true(from_jcfg.join_tone);
  json_decref(j);
}

void test_video_options(void** /*state*/) {
  conf::RoomOptions o;
  json_t* j = parse(R"({"room": 1})");
  assert_false(conf::parse_room_options(j, false, true, &o).has_value());
  assert_true(o.video);
  assert_int_equal(o.video_width, 1280);
  assert_int_equal(o.video_height, 720);
  assert_int_equal(o.video_fps, 30);
  assert_false(o.video_speaker_layout);
  json_decref(j);
  j = parse(R"({"room": 1, "video": false, "video_width": 640, "video_height": 360,
                "video_fps": 15, "video_bitrate": 800000, "video_layout": "speaker"})");
  assert_false(conf::parse_room_options(j, false, true, &o).has_value());
  assert_false(o.video);
  assert_int_equal(o.video_width, 640);
  assert_int_equal(o.video_height, 360);
  assert_int_equal(o.video_fps, 15);
  assert_int_equal(o.video_bitrate, 800000);
  assert_true(o.video_speaker_layout);
  assert_string_equal(conf::video_layout_name(o.video_speaker_layout), "speaker");
  json_decref(j);
}

void expect_error(const char* text, bool string_ids, int code) {
  json_t* j = parse(text);
  conf::RoomOptions o;
  auto e = conf::parse_room_options(j, string_ids, true, &o);
  assert_true(e.has_value());
  assert_int_equal(e->code, code);
  assert_false(e->message.empty());
  json_decref(j);
}

void test_bad_input(void** /*state*/) {
  expect_error(R"({"room": "abc"})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": -4})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1.5})", false, conf::kErrInvalidElement);
  expect_error(R"({})", false, conf::kErrMissingElement);
  expect_error(R"({"room": 1, "max_speakers": 0})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "max_speakers": "3"})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "join_tone": "on"})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "leave_tone": 1})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "is_private": "yes"})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "description": 7})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": ""})", true, conf::kErrInvalidElement);
  // Features the plugin does not have are refused, not silently ignored.
  expect_error(R"({"room": 1, "permanent": true})", false, conf::kErrInvalidRequest);
  expect_error(R"({"room": 1, "spatial_audio": true})", false, conf::kErrInvalidRequest);
  expect_error(R"({"room": 1, "allowed": ["tok"]})", false, conf::kErrInvalidRequest);
  expect_error(R"([1, 2])", false, conf::kErrInvalidJson);
  expect_error(R"({"room": 1, "video": "yes"})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "video_width": 641})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "video_width": 4096})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "video_height": 0})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "video_fps": 61})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "video_bitrate": 10})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "video_layout": "mosaic"})", false, conf::kErrInvalidElement);
  expect_error(R"({"room": 1, "video_layout": 2})", false, conf::kErrInvalidElement);
}

void test_string_ids(void** /*state*/) {
  json_t* j = parse(R"({"room": "!abc:example.org"})");
  conf::RoomOptions o;
  assert_false(conf::parse_room_options(j, true, true, &o).has_value());
  assert_string_equal(o.id.c_str(), "!abc:example.org");
  json_t* id = conf::room_id_json(o.id, true);
  assert_string_equal(json_string_value(id), "!abc:example.org");
  json_decref(id);
  json_decref(j);
  id = conf::room_id_json("77", false);
  assert_int_equal(json_integer_value(id), 77);
  json_decref(id);
}

void test_jcfg_values(void** /*state*/) {
  json_t* v = conf::jcfg_value_to_json("true");
  assert_true(json_is_true(v));
  json_decref(v);
  v = conf::jcfg_value_to_json("no");
  assert_true(json_is_false(v));
  json_decref(v);
  v = conf::jcfg_value_to_json("42");
  assert_int_equal(json_integer_value(v), 42);
  json_decref(v);
  v = conf::jcfg_value_to_json("42abc");
  assert_string_equal(json_string_value(v), "42abc");
  json_decref(v);
  v = conf::jcfg_value_to_json("99999999999999999999999");
  assert_true(json_is_string(v));
  json_decref(v);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_and_fields),  cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_join_and_leave_tones), cmocka_unit_test(test_video_options),
      cmocka_unit_test(test_string_ids),           cmocka_unit_test(test_jcfg_values),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
