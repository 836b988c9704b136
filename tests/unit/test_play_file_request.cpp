// play_file, is_playing and stop_file requests, rule by rule.
#include <string>

#include "errors.h"
#include "play_file_request.h"

// Last: CMocka's macros break standard headers included after it.
#include "api_test_helpers.h"

namespace {

int play_error(const char* text) {
  return error_code(text, [](json_t* j) {
    conf::PlayFileRequest r;
    return conf::parse_play_file_request(j, false, &r);
  });
}

int file_error(const char* text) {
  return error_code(text, [](json_t* j) {
    conf::FileRequest r;
    return conf::parse_file_request(j, false, &r);
  });
}

void test_play_file_fields(void**) {
  json_t* j = parse(
      R"({"room": 7, "secret": "s", "file_id": "hello", "filename": "/srv/a.opus", "loop": true})");
  conf::PlayFileRequest r;
  assert_false(conf::parse_play_file_request(j, false, &r).has_value());
  json_decref(j);
  assert_string_equal(r.room.room.c_str(), "7");
  assert_string_equal(r.room.secret->c_str(), "s");
  assert_string_equal(r.file_id.c_str(), "hello");
  assert_string_equal(r.filename.c_str(), "/srv/a.opus");
  assert_true(r.loop);
}

void test_play_file_defaults(void**) {
  json_t* j = parse(R"({"room": 7, "filename": "a.opus"})");
  conf::PlayFileRequest r;
  assert_false(conf::parse_play_file_request(j, false, &r).has_value());
  json_decref(j);
  assert_true(r.file_id.empty());  // the plugin picks one
  assert_false(r.loop);
  assert_false(r.room.secret.has_value());
}

void test_play_file_room(void**) {
  assert_int_equal(play_error(R"({"filename": "a.opus"})"), conf::kErrMissingElement);
  assert_int_equal(play_error(R"({"room": "7", "filename": "a.opus"})"), conf::kErrInvalidElement);
  assert_int_equal(play_error(R"({"room": 7, "secret": 1, "filename": "a.opus"})"),
                   conf::kErrInvalidElement);
}

void test_play_file_filename(void**) {
  assert_int_equal(play_error(R"({"room": 7})"), conf::kErrMissingElement);
  assert_int_equal(play_error(R"({"room": 7, "filename": 3})"), conf::kErrInvalidElement);
  assert_int_equal(play_error(R"({"room": 7, "filename": ""})"), conf::kErrInvalidElement);
  assert_int_equal(play_error(R"({"room": 7, "filename": "/srv/../etc/x.opus"})"),
                   conf::kErrInvalidElement);
  assert_int_equal(play_error(R"({"room": 7, "filename": "../x.opus"})"), conf::kErrInvalidElement);
  const std::string long_name = R"({"room": 7, "filename": ")" + std::string(1025, 'a') + "\"}";
  assert_int_equal(play_error(long_name.c_str()), conf::kErrInvalidElement);
}

void test_play_file_file_id_and_loop(void**) {
  assert_int_equal(play_error(R"({"room": 7, "filename": "a", "file_id": 5})"),
                   conf::kErrInvalidElement);
  assert_int_equal(play_error(R"({"room": 7, "filename": "a", "file_id": ""})"),
                   conf::kErrInvalidElement);
  const std::string long_id =
      R"({"room": 7, "filename": "a", "file_id": ")" + std::string(257, 'x') + "\"}";
  assert_int_equal(play_error(long_id.c_str()), conf::kErrInvalidElement);
  assert_int_equal(play_error(R"({"room": 7, "filename": "a", "loop": "yes"})"),
                   conf::kErrInvalidElement);
}

void test_file_request(void**) {
  json_t* j = parse(R"({"room": "r1", "file_id": "f"})");
  conf::FileRequest r;
  assert_false(conf::parse_file_request(j, true, &r).has_value());
  json_decref(j);
  assert_string_equal(r.room.room.c_str(), "r1");
  assert_string_equal(r.file_id.c_str(), "f");
  assert_int_equal(file_error(R"({"room": 7})"), conf::kErrMissingElement);
  assert_int_equal(file_error(R"({"room": 7, "file_id": 1})"), conf::kErrInvalidElement);
  assert_int_equal(file_error(R"({"room": 7, "file_id": ""})"), conf::kErrInvalidElement);
  assert_int_equal(file_error(R"({"file_id": "f"})"), conf::kErrMissingElement);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_play_file_fields),
      cmocka_unit_test(test_play_file_defaults),
      cmocka_unit_test(test_play_file_room),
      cmocka_unit_test(test_play_file_filename),
      cmocka_unit_test(test_play_file_file_id_and_loop),
      cmocka_unit_test(test_file_request),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
