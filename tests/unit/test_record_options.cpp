// Recording settings (record, record_file, record_dir) and where the file goes, rule by rule.
#include <cstring>
#include <string>

#include "errors.h"
#include "record_options.h"
#include "room_options.h"

// Last: CMocka's macros break standard headers included after it.
#include "api_test_helpers.h"

namespace {

int record_error(const char* text) {
  return error_code(text, [](json_t* j) {
    conf::RecordOptions o;
    return conf::parse_record_options(j, &o);
  });
}

void test_fields(void** /*state*/) {
  json_t* j = parse(R"({"record": true, "record_file": "calls/a.opus", "record_dir": "/srv/rec"})");
  conf::RecordOptions o;
  assert_false(conf::parse_record_options(j, &o).has_value());
  assert_true(o.record);
  assert_string_equal(o.file.c_str(), "calls/a.opus");
  assert_string_equal(o.dir.c_str(), "/srv/rec");
  json_decref(j);
}

void test_create_reads_them(void** /*state*/) {
  json_t* j = parse(R"({"room": 1, "record": true, "record_dir": "rec"})");
  conf::RoomOptions o;
  assert_false(conf::parse_room_options(j, false, true, &o).has_value());
  assert_true(o.recording.record);
  assert_string_equal(o.recording.dir.c_str(), "rec");
  assert_true(o.recording.file.empty());
  json_decref(j);
  j = parse(R"({"room": 1, "record_file": "../x.opus"})");
  auto e = conf::parse_room_options(j, false, true, &o);
  assert_true(e.has_value());
  assert_int_equal(e->code, conf::kErrInvalidElement);
  json_decref(j);
}

void test_types(void** /*state*/) {
  assert_int_equal(record_error(R"({"record": "yes"})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_file": 3})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_dir": false})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_file": ""})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_dir": ""})"), conf::kErrInvalidElement);
}

void test_no_escape_from_the_folder(void** /*state*/) {
  assert_int_equal(record_error(R"({"record_file": ".."})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_file": "../x.opus"})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_file": "a/../../x.opus"})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_file": "a/.."})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_dir": "/srv/../etc"})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_dir": ".."})"), conf::kErrInvalidElement);
  // Absolute files would ignore record_dir; a folder is no file.
  assert_int_equal(record_error(R"({"record_file": "/etc/x.opus"})"), conf::kErrInvalidElement);
  assert_int_equal(record_error(R"({"record_file": "calls/"})"), conf::kErrInvalidElement);
  // Dots that are not a parent component are names like any other.
  assert_int_equal(record_error(R"({"record_file": "..a/b..opus"})"), 0);
  assert_int_equal(record_error(R"({"record_file": "./x.opus"})"), 0);
  assert_int_equal(record_error(R"({"record_dir": "/srv/rec/"})"), 0);
  const std::string too_long = R"({"record_dir": ")" + std::string(1100, 'a') + R"("})";
  assert_int_equal(record_error(too_long.c_str()), conf::kErrInvalidElement);
}

void test_error_names_the_rule(void** /*state*/) {
  json_t* j = parse(R"({"record_file": "../x.opus"})");
  conf::RecordOptions o;
  auto e = conf::parse_record_options(j, &o);
  assert_true(e.has_value());
  assert_non_null(strstr(e->message.c_str(), "record_file"));
  assert_non_null(strstr(e->message.c_str(), ".."));
  json_decref(j);
}

void test_record_path(void** /*state*/) {
  conf::RecordOptions o;
  o.dir = "/srv/rec";
  o.file = "a.opus";
  assert_string_equal(conf::record_path(o, "7", 5, false).c_str(), "/srv/rec/a.opus");
  o.dir = "/srv/rec/";
  assert_string_equal(conf::record_path(o, "7", 5, false).c_str(), "/srv/rec/a.opus");
  o.dir.clear();
  assert_string_equal(conf::record_path(o, "7", 5, false).c_str(), "a.opus");
  o.file.clear();
  assert_string_equal(conf::record_path(o, "7", 5, false).c_str(), "janus-audioroom-7-5.opus");
  // A video room records WebM; a record_file keeps its name whatever the room.
  assert_string_equal(conf::record_path(o, "7", 5, true).c_str(), "janus-audioroom-7-5.webm");
  o.file = "a.opus";
  assert_string_equal(conf::record_path(o, "7", 5, true).c_str(), "a.opus");
  o.file.clear();
  // A string room ID cannot smuggle a folder into the default name.
  o.dir = "/srv/rec";
  assert_string_equal(conf::record_path(o, "../!r:x.org", 5, false).c_str(),
                      "/srv/rec/janus-audioroom-____r_x_org-5.opus");
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_fields),
      cmocka_unit_test(test_create_reads_them),
      cmocka_unit_test(test_types),
      cmocka_unit_test(test_no_escape_from_the_folder),
      cmocka_unit_test(test_error_names_the_rule),
      cmocka_unit_test(test_record_path),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
