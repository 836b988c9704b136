// The plugin requests the glue sends, rule by rule: names and fields as AudioBridge's.
#include <jansson.h>

#include <string>
#include <utility>

#include "conference_requests.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

// Compact JSON with sorted keys, to compare whole bodies.
std::string text(json_t* j) {
  char* s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  std::string out = s != nullptr ? s : "(null)";
  free(s);
  json_decref(j);
  return out;
}

void test_create_is_private_with_description(void** /*state*/) {
  assert_string_equal(text(glue::to_json(glue::CreateRoomRequest{"!r:x"})).c_str(),
                      R"({"description":"!r:x","is_private":true,"request":"create"})");
  assert_string_equal(text(glue::to_json(glue::CreateRoomRequest{"d", false})).c_str(),
                      R"({"description":"d","is_private":false,"request":"create"})");
}

// The plugin's admin_key goes with create, list and load when one is configured, else not.
void test_admin_key_only_when_configured(void** /*state*/) {
  assert_string_equal(
      text(glue::to_json(glue::CreateRoomRequest{"d", true, "k"})).c_str(),
      R"({"admin_key":"k","description":"d","is_private":true,"request":"create"})");
  assert_string_equal(text(glue::to_json(glue::ListRoomsRequest{"k"})).c_str(),
                      R"({"admin_key":"k","request":"list"})");
  assert_string_equal(text(glue::to_json(glue::ListRoomsRequest{""})).c_str(),
                      R"({"request":"list"})");
  assert_string_equal(text(glue::to_json(glue::LoadRequest{"k"})).c_str(),
                      R"({"admin_key":"k","request":"load"})");
  assert_string_equal(text(glue::to_json(glue::LoadRequest{""})).c_str(), R"({"request":"load"})");
}

// A link's join (README "Request API"): link: true, the far address, no port before the far
// end has one (a placeholder address of the same family then), the admin_key when configured.
void test_link_join_and_configure(void** /*state*/) {
  assert_string_equal(
      text(glue::to_json(glue::LinkJoinRequest{7, "link", "", 0, 5, "k"})).c_str(),
      R"({"admin_key":"k","display":"link","link":true,"link_timeout":5,"request":"join",)"
      R"("room":7,"rtp":{"ip":"127.0.0.1"}})");
  assert_string_equal(
      text(glue::to_json(glue::LinkJoinRequest{7, "link", "10.0.0.1", 4000, 3})).c_str(),
      R"({"display":"link","link":true,"link_timeout":3,"request":"join","room":7,)"
      R"("rtp":{"ip":"10.0.0.1","port":4000}})");
  assert_string_equal(text(glue::to_json(glue::LinkConfigureRequest{"10.0.0.2", 5000})).c_str(),
                      R"({"request":"configure","rtp":{"ip":"10.0.0.2","port":5000}})");
}

void test_destroy_names_the_room(void** /*state*/) {
  assert_string_equal(text(glue::to_json(glue::DestroyRoomRequest{9007199254740993ULL})).c_str(),
                      R"({"request":"destroy","room":9007199254740993})");
}

void test_join_with_display(void** /*state*/) {
  assert_string_equal(text(glue::to_json(glue::JoinRequest{42, "@a:x"})).c_str(),
                      R"({"display":"@a:x","request":"join","room":42})");
}

// A call the focus places: the plugin offers, with video only when asked.
void test_join_generating_the_offer(void** /*state*/) {
  assert_string_equal(text(glue::to_json(glue::JoinRequest{42, "@a:x", true, false})).c_str(),
                      R"({"display":"@a:x","generate_offer":true,"request":"join","room":42})");
  assert_string_equal(
      text(glue::to_json(glue::JoinRequest{42, "@a:x", true, true})).c_str(),
      R"({"display":"@a:x","generate_offer":true,"offer_video":true,"request":"join","room":42})");
}

void test_configure_and_leave(void** /*state*/) {
  assert_string_equal(text(glue::to_json(glue::ConfigureRequest{})).c_str(),
                      R"({"request":"configure"})");
  // A rename: the display alone, quotes and non-ASCII kept.
  assert_string_equal(text(glue::to_json(glue::ConfigureRequest{"Al \"x\" \xc3\xa9"})).c_str(),
                      R"({"display":"Al \"x\" é","request":"configure"})");
  assert_string_equal(text(glue::to_json(glue::LeaveRequest{})).c_str(), R"({"request":"leave"})");
}

void test_offer_jsep(void** /*state*/) {
  assert_string_equal(text(glue::offer_jsep("v=0\r\n")).c_str(),
                      R"({"sdp":"v=0\r\n","type":"offer"})");
  assert_string_equal(text(glue::answer_jsep("v=0\r\n")).c_str(),
                      R"({"sdp":"v=0\r\n","type":"answer"})");
}

void test_trickle_fields_only_when_known(void** /*state*/) {
  glue::Candidate full{"candidate:1 1 udp 1 10.0.0.1 5000 typ host", "0", 0};
  glue::Candidate bare{"candidate:2", std::nullopt, std::nullopt};
  assert_string_equal(
      text(glue::trickle_candidates({full, bare})).c_str(),
      R"([{"candidate":"candidate:1 1 udp 1 10.0.0.1 5000 typ host","sdpMLineIndex":0,)"
      R"("sdpMid":"0"},{"candidate":"candidate:2"}])");
  assert_string_equal(text(glue::trickle_candidates({})).c_str(), "[]");
  assert_string_equal(text(glue::trickle_completed()).c_str(), R"({"completed":true})");
}

glue::CommandRequest command(glue::RoomRequestKind kind) {
  glue::CommandRequest c{12, {}};
  c.request.kind = kind;
  c.request.participant = 34;
  c.request.layout = "speaker";
  c.request.file = "/s/a.opus";
  return c;
}

void test_command_requests(void** /*state*/) {
  using K = glue::RoomRequestKind;
  const std::pair<K, const char*> cases[] = {
      {K::kMute, R"({"id":34,"request":"mute","room":12})"},
      {K::kUnmute, R"({"id":34,"request":"unmute","room":12})"},
      {K::kKick, R"({"id":34,"request":"kick","room":12})"},
      {K::kMuteRoom, R"({"request":"mute_room","room":12})"},
      {K::kUnmuteRoom, R"({"request":"unmute_room","room":12})"},
      {K::kRecordStart, R"({"record":true,"request":"enable_recording","room":12})"},
      {K::kRecordStop, R"({"record":false,"request":"enable_recording","room":12})"},
      {K::kListParticipants, R"({"request":"listparticipants","room":12})"},
      {K::kPlayFile,
       R"({"file_id":"recording-started","filename":"/s/a.opus","request":"play_file","room":12})"},
      {K::kLayout, R"({"request":"configure","video_layout":"speaker"})"},
  };
  for (const auto& [kind, expected] : cases) {
    assert_string_equal(text(glue::to_json(command(kind))).c_str(), expected);
  }
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_create_is_private_with_description),
      cmocka_unit_test(test_admin_key_only_when_configured),
      cmocka_unit_test(test_destroy_names_the_room),
      cmocka_unit_test(test_link_join_and_configure),
      cmocka_unit_test(test_join_with_display),
      cmocka_unit_test(test_join_generating_the_offer),
      cmocka_unit_test(test_configure_and_leave),
      cmocka_unit_test(test_offer_jsep),
      cmocka_unit_test(test_trickle_fields_only_when_known),
      cmocka_unit_test(test_command_requests),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
