// The plugin's answers and a call's events as the glue reads them, rule by rule.
#include <jansson.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "conference_replies.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

constexpr glue::CallRef kCall = 7;

std::optional<glue::Event> event_of(const char* text) {
  json_t* j = json_loads(text, 0, nullptr);
  if (j == nullptr) fail_msg("bad test JSON: %s", text);
  auto ev = glue::parse_call_event(kCall, j);
  json_decref(j);
  return ev;
}

template <typename T>
const T& as(const std::optional<glue::Event>& ev) {
  if (!ev) fail_msg("no event");
  if (!std::holds_alternative<T>(*ev)) fail_msg("event of another kind (%zu)", ev->index());
  return std::get<T>(*ev);
}

std::optional<glue::LinkReply> link_reply_of(const char* text, bool join) {
  json_t* j = json_loads(text, 0, nullptr);
  if (j == nullptr) fail_msg("bad test JSON: %s", text);
  auto r = glue::parse_link_reply(j, join);
  json_decref(j);
  return r;
}

// A link's `joined`: its id and the plugin's own rtp address; another participant's `joined`
// notification (no rtp) is not it; an error is.
void test_link_joined(void** /*state*/) {
  auto r = link_reply_of(
      R"({"janus":"event","plugindata":{"data":{"conference":"joined","room":7,"id":12,)"
      R"("rtp":{"ip":"10.0.0.1","port":4000,"payload_type":111}}}})",
      true);
  assert_true(r && r->ok);
  assert_int_equal(r->participant, 12);
  assert_string_equal(r->ip.c_str(), "10.0.0.1");
  assert_int_equal(r->port, 4000);
  assert_false(
      link_reply_of(
          R"({"janus":"event","plugindata":{"data":{"conference":"joined","participants":[]}}})",
          true)
          .has_value());
  r = link_reply_of(
      R"({"janus":"event","plugindata":{"data":{"error_code":489,"error":"Unauthorized"}}})", true);
  assert_true(r && !r->ok);
  assert_int_equal(r->error_code, 489);
  assert_string_equal(r->error.c_str(), "Unauthorized");
  r = link_reply_of(R"({"janus":"event","plugindata":{"data":{"conference":"joined","id":12,)"
                    R"("rtp":{"ip":"10.0.0.1","port":70000}}}})",
                    true);
  assert_true(r && !r->ok);
  assert_false(link_reply_of(R"({"janus":"keepalive"})", true).has_value());
}

void test_link_configured(void** /*state*/) {
  auto r = link_reply_of(
      R"({"janus":"event","plugindata":{"data":{"conference":"event","result":"ok"}}})", false);
  assert_true(r && r->ok);
  assert_false(
      link_reply_of(R"({"janus":"event","plugindata":{"data":{"conference":"event","leaving":3}}})",
                    false)
          .has_value());
}

void test_created_room(void** /*state*/) {
  auto ok = glue::parse_created_room(glue::parse_janus_reply(
      R"({"janus":"success","plugindata":{"plugin":"p","data":{"conference":"created","room":5}}})"));
  assert_int_equal(ok.room, 5);
  assert_true(ok.error.empty());
}

void test_created_room_error_passes_the_plugins_code(void** /*state*/) {
  auto e = glue::parse_created_room(glue::parse_janus_reply(
      R"json({"janus":"success","plugindata":{"plugin":"p","data":)json"
      R"json({"conference":"event","error_code":486,"error":"Room exists"}}})json"));
  assert_int_equal(e.room, 0);
  assert_int_equal(e.error_code, 486);
  assert_string_equal(e.error.c_str(), "Room exists");
}

void test_created_room_without_numeric_id(void** /*state*/) {
  for (const char* data :
       {R"({"conference":"created"})", R"({"conference":"created","room":"a"})",
        R"({"conference":"created","room":0})", R"({"conference":"created","room":-3})"}) {
    auto e = glue::parse_created_room(glue::parse_janus_reply(
        std::string(R"({"janus":"success","plugindata":{"plugin":"p","data":)") + data + "}}"));
    assert_int_equal(e.room, 0);
    assert_false(e.error.empty());
  }
}

void test_created_room_transport_failure(void** /*state*/) {
  glue::JanusReply r;
  r.transport_failed = true;
  r.error = "Janus unreachable: refused";
  auto e = glue::parse_created_room(r);
  assert_int_equal(e.room, 0);
  assert_string_equal(e.error.c_str(), "Janus unreachable: refused");
}

void test_webrtcup_is_media_up(void** /*state*/) {
  assert_int_equal(as<glue::JanusMediaUp>(event_of(R"({"janus":"webrtcup","sender":1})")).call,
                   kCall);
}

void test_hangup_detached_timeout_are_gone(void** /*state*/) {
  auto h = as<glue::JanusCallGone>(event_of(R"({"janus":"hangup","reason":"DTLS alert"})"));
  assert_string_equal(h.reason.c_str(), "hangup: DTLS alert");
  assert_true(h.cause == glue::GoneCause::kPeerConnection);
  for (const char* kind : {"detached", "timeout"}) {
    auto g =
        as<glue::JanusCallGone>(event_of((std::string(R"({"janus":")") + kind + R"("})").c_str()));
    assert_string_equal(g.reason.c_str(), kind);
  }
}

void test_trickle_candidate_and_completed(void** /*state*/) {
  auto c = as<glue::JanusLocalCandidates>(event_of(
      R"({"janus":"trickle","candidate":{"candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":1}})"));
  assert_int_equal(c.candidates.size(), 1);
  assert_false(c.completed);
  assert_string_equal(c.candidates[0].candidate.c_str(), "candidate:1");
  assert_string_equal(c.candidates[0].sdp_mid->c_str(), "0");
  assert_int_equal(*c.candidates[0].sdp_mline_index, 1);
  auto bare = as<glue::JanusLocalCandidates>(
      event_of(R"({"janus":"trickle","candidate":{"candidate":"candidate:2","sdpMid":3}})"));
  assert_false(bare.candidates[0].sdp_mid.has_value());
  assert_false(bare.candidates[0].sdp_mline_index.has_value());
  auto done = as<glue::JanusLocalCandidates>(
      event_of(R"({"janus":"trickle","candidate":{"completed":true}})"));
  assert_true(done.completed);
  assert_true(done.candidates.empty());
}

void test_joined_needs_jsep_id_and_participants(void** /*state*/) {
  auto j = as<glue::JanusJoined>(
      event_of(R"({"janus":"event","plugindata":{"data":{"conference":"joined","room":1,"id":2,)"
               R"("participants":[]}},"jsep":{"type":"answer","sdp":"v=0"}})"));
  assert_string_equal(j.sdp.c_str(), "v=0");
  // Another participant's `joined` notification has no JSEP: not our answer.
  assert_false(event_of(R"({"janus":"event","plugindata":{"data":{"conference":"joined",)"
                        R"("room":1,"participants":[{"id":3}]}}})")
                   .has_value());
}

// A join with generate_offer: the plugin's offer comes the same way.
void test_joined_with_the_plugins_offer(void** /*state*/) {
  auto j = as<glue::JanusJoined>(
      event_of(R"({"janus":"event","plugindata":{"data":{"conference":"joined","room":1,"id":2,)"
               R"("participants":[]}},"jsep":{"type":"offer","sdp":"v=0 offer"}})"));
  assert_string_equal(j.sdp.c_str(), "v=0 offer");
  // The configure answering it is acknowledged without a JSEP: nothing to act on.
  assert_false(
      event_of(R"({"janus":"event","plugindata":{"data":{"conference":"event","result":"ok"}}})")
          .has_value());
}

void test_event_with_jsep_is_configured(void** /*state*/) {
  auto c = as<glue::JanusConfigured>(
      event_of(R"({"janus":"event","plugindata":{"data":{"conference":"event","result":"ok"}},)"
               R"("jsep":{"type":"answer","sdp":"v=1"}})"));
  assert_string_equal(c.answer_sdp.c_str(), "v=1");
}

void test_plugin_error_event(void** /*state*/) {
  auto e = as<glue::JanusCallError>(
      event_of(R"({"janus":"event","plugindata":{"data":{"conference":"event","error_code":485,)"
               R"("error":"No such room"}}})"));
  assert_int_equal(e.code, 485);
  assert_string_equal(e.reason.c_str(), "No such room");
}

void test_destroyed_and_kicked(void** /*state*/) {
  auto d = as<glue::JanusCallGone>(
      event_of(R"({"janus":"event","plugindata":{"data":{"conference":"destroyed","room":1}}})"));
  assert_true(d.cause == glue::GoneCause::kRoomDestroyed);
  for (const char* field : {"kicked", "kicked_all"}) {
    auto k = as<glue::JanusCallGone>(
        event_of((std::string(R"({"janus":"event","plugindata":{"data":{"conference":"event",")") +
                  field + R"(":1}}})")
                     .c_str()));
    assert_true(k.cause == glue::GoneCause::kKicked);
  }
}

void test_other_events_ignored(void** /*state*/) {
  for (const char* text :
       {R"({"janus":"media","type":"audio","receiving":true})", R"({"janus":"slowlink"})",
        R"({"janus":"event","plugindata":{"data":{"conference":"talking","id":3}}})",
        R"({"janus":"event","plugindata":{"data":{"conference":"event","result":"ok"}}})",
        R"({"janus":"event"})", R"({"janus":5})", "{}", "[]"}) {
    assert_false(event_of(text).has_value());
  }
}

void test_joined_carries_the_participant_id(void** /*state*/) {
  auto j = as<glue::JanusJoined>(
      event_of(R"({"janus":"event","plugindata":{"data":{"conference":"joined","room":1,"id":77,)"
               R"("participants":[]}},"jsep":{"type":"answer","sdp":"v=0"}})"));
  assert_int_equal(j.participant_id, 77);
}

glue::JanusReply plugin_reply(const std::string& data) {
  return glue::parse_janus_reply(R"({"janus":"success","plugindata":{"plugin":"p","data":)" + data +
                                 "}}");
}

void test_plugin_load(void** /*state*/) {
  glue::PluginLoad load;
  std::string error;
  assert_true(glue::parse_plugin_load(
      plugin_reply(R"({"conference":"load","rooms":3,"participants":7,"webrtc_participants":5,)"
                   R"("rtp_participants":2,"tick_threads":2,"tick_load":0.25,"late_ticks":4,)"
                   R"("missed_ticks":1})"),
      &load, &error));
  assert_int_equal(load.rooms, 3);
  assert_int_equal(load.participants, 7);
  assert_int_equal(load.tick_threads, 2);
  assert_true(load.tick_load == 0.25);
  assert_int_equal(load.late_ticks, 4);
  assert_int_equal(load.missed_ticks, 1);
  // A tick load of exactly 0 is an integer in JSON: still a number.
  assert_true(glue::parse_plugin_load(
      plugin_reply(R"({"rooms":0,"participants":0,"tick_threads":1,"tick_load":0,)"
                   R"("late_ticks":0,"missed_ticks":0})"),
      &load, &error));
  assert_true(load.tick_load == 0);
}

void test_plugin_load_refused_or_incomplete(void** /*state*/) {
  glue::PluginLoad load;
  std::string error;
  assert_false(glue::parse_plugin_load(
      plugin_reply(R"({"conference":"event","error_code":489,"error":"Unauthorized"})"), &load,
      &error));
  assert_true(error.find("489") != std::string::npos);
  const char* incomplete[] = {
      R"({"rooms":1,"participants":1,"tick_threads":1,"late_ticks":0,"missed_ticks":0})",
      R"({"rooms":1,"participants":1,"tick_threads":1,"tick_load":1.5,"late_ticks":0,)"
      R"("missed_ticks":0})",
      R"({"rooms":1,"participants":-1,"tick_threads":1,"tick_load":0.5,"late_ticks":0,)"
      R"("missed_ticks":0})",
      R"({"rooms":1,"tick_threads":1,"tick_load":0.5,"late_ticks":0,"missed_ticks":0})",
  };
  for (const char* data : incomplete) {
    error.clear();
    assert_false(glue::parse_plugin_load(plugin_reply(data), &load, &error));
    assert_false(error.empty());
  }
}

void test_room_list(void** /*state*/) {
  std::vector<glue::ListedRoom> rooms;
  std::string error;
  assert_true(glue::parse_room_list(
      plugin_reply(R"({"conference":"success","list":[{"room":5,"description":"a"},)"
                   R"({"room":"named","description":"b"},{"room":6}]})"),
      &rooms, &error));
  assert_int_equal(rooms.size(), 2);
  assert_int_equal(rooms[0].room, 5);
  assert_string_equal(rooms[0].description.c_str(), "a");
  assert_int_equal(rooms[1].room, 6);
  assert_string_equal(rooms[1].description.c_str(), "");
  assert_false(glue::parse_room_list(
      plugin_reply(R"({"conference":"event","error_code":489,"error":"Unauthorized"})"), &rooms,
      &error));
  assert_true(error.find("489") != std::string::npos);
  assert_false(glue::parse_room_list(plugin_reply(R"({"conference":"success"})"), &rooms, &error));
}

void test_participants(void** /*state*/) {
  std::vector<glue::ParticipantState> list;
  bool muted = false;
  assert_true(glue::parse_participants(
      glue::parse_janus_reply(
          R"({"janus":"success","plugindata":{"plugin":"p","data":{"conference":"participants",)"
          R"("room":5,"muted":true,"participants":[{"id":3,"display":"@a:x","muted":true},)"
          R"({"id":4,"muted":false},{"display":"no id"},{"id":-1}]}}})"),
      &list, &muted));
  assert_true(muted);
  assert_int_equal(list.size(), 2);
  assert_int_equal(list[0].id, 3);
  assert_string_equal(list[0].display.c_str(), "@a:x");
  assert_true(list[0].muted);
  assert_int_equal(list[1].id, 4);
  assert_true(list[1].display.empty());
  assert_false(list[1].muted);
  // An error or an answer without the list is none.
  assert_false(glue::parse_participants(
      glue::parse_janus_reply(
          R"({"janus":"success","plugindata":{"plugin":"p","data":{"error_code":485,)"
          R"("error":"No such room"}}})"),
      &list, &muted));
  assert_false(glue::parse_participants(
      glue::parse_janus_reply(
          R"({"janus":"success","plugindata":{"plugin":"p","data":{"conference":"success"}}})"),
      &list, &muted));
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_created_room),
      cmocka_unit_test(test_link_joined),
      cmocka_unit_test(test_link_configured),
      cmocka_unit_test(test_plugin_load),
      cmocka_unit_test(test_plugin_load_refused_or_incomplete),
      cmocka_unit_test(test_room_list),
      cmocka_unit_test(test_created_room_error_passes_the_plugins_code),
      cmocka_unit_test(test_created_room_without_numeric_id),
      cmocka_unit_test(test_created_room_transport_failure),
      cmocka_unit_test(test_webrtcup_is_media_up),
      cmocka_unit_test(test_hangup_detached_timeout_are_gone),
      cmocka_unit_test(test_trickle_candidate_and_completed),
      cmocka_unit_test(test_joined_needs_jsep_id_and_participants),
      cmocka_unit_test(test_joined_with_the_plugins_offer),
      cmocka_unit_test(test_event_with_jsep_is_configured),
      cmocka_unit_test(test_plugin_error_event),
      cmocka_unit_test(test_destroyed_and_kicked),
      cmocka_unit_test(test_other_events_ignored),
      cmocka_unit_test(test_joined_carries_the_participant_id),
      cmocka_unit_test(test_participants),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
