// Matrix events from the homeserver -> the core's inputs.
#include <string>

#include "../unit/cmocka_cpp.h"
#include "event_parser.h"
#include "registration.h"

namespace {

std::optional<glue::Event> parse(const char* text, std::string* why) {
  json_t* j = json_loads(text, 0, nullptr);
  auto ev = glue::parse_matrix_event(j, 5000, why);
  json_decref(j);
  return ev;
}

void test_member_invite_with_encryption(void** /*state*/) {
  std::string why;
  auto ev =
      parse(R"({"type":"m.room.member","room_id":"!r:x","state_key":"@fs_a:x","sender":"@alice:x",
      "content":{"membership":"invite","is_direct":true},
      "unsigned":{"invite_room_state":[{"type":"m.room.encryption","state_key":"","content":{}}]}})",
            &why);
  assert_true(ev.has_value());
  const auto& m = std::get<glue::MemberEvent>(*ev);
  assert_string_equal(m.user_id.c_str(), "@fs_a:x");
  assert_string_equal(m.sender.c_str(), "@alice:x");
  assert_int_equal(static_cast<int>(m.membership), static_cast<int>(glue::Membership::kInvite));
  assert_true(m.encrypted.has_value() && *m.encrypted);
  ev = parse(R"({"type":"m.room.member","room_id":"!r:x","state_key":"@b:x","sender":"@b:x",
      "content":{"membership":"leave"}})",
             &why);
  assert_false(std::get<glue::MemberEvent>(*ev).encrypted.has_value());
  assert_string_equal(std::get<glue::MemberEvent>(*ev).displayname.c_str(), "");
}

// The display name of a join; one that is not a string (null: removed) counts as none.
void test_member_display_name(void** /*state*/) {
  std::string why;
  auto ev = parse(R"({"type":"m.room.member","room_id":"!r:x","state_key":"@b:x","sender":"@b:x",
      "content":{"membership":"join","displayname":"B \"b\" \u00e9"}})",
                  &why);
  assert_string_equal(std::get<glue::MemberEvent>(*ev).displayname.c_str(), "B \"b\" \xc3\xa9");
  for (const char* value : {"null", "42", "{}"}) {
    const std::string text = std::string(R"({"type":"m.room.member","room_id":"!r:x",
        "state_key":"@b:x","sender":"@b:x","content":{"membership":"join","displayname":)") +
                             value + "}}";
    ev = parse(text.c_str(), &why);
    assert_true(ev.has_value());
    assert_string_equal(std::get<glue::MemberEvent>(*ev).displayname.c_str(), "");
  }
}

void test_call_invite_versions(void** /*state*/) {
  std::string why;
  auto ev = parse(R"({"type":"m.call.invite","room_id":"!d:x","sender":"@alice:x","event_id":"$1",
      "content":{"call_id":"c1","party_id":"p1","version":"1","lifetime":60000,
                 "offer":{"type":"offer","sdp":"v=0..."}},"unsigned":{"age":1200}})",
                  &why);
  assert_true(ev.has_value());
  const auto& inv = std::get<glue::CallInvite>(*ev);
  assert_int_equal(inv.version, 1);
  assert_string_equal(inv.party_id.c_str(), "p1");
  assert_int_equal(inv.lifetime_ms, 60000);
  assert_int_equal(inv.age_ms, 1200);
  assert_int_equal(inv.received_ms, 5000);
  assert_string_equal(inv.offer_sdp.c_str(), "v=0...");
  ev = parse(R"({"type":"m.call.invite","room_id":"!d:x","sender":"@alice:x",
      "content":{"call_id":"c1","version":0,"lifetime":30000,"offer":{"type":"offer","sdp":"v=0"}}})",
             &why);
  assert_int_equal(std::get<glue::CallInvite>(*ev).version, 0);
}

void test_candidates_and_others(void** /*state*/) {
  std::string why;
  auto ev = parse(R"({"type":"m.call.candidates","room_id":"!d:x","sender":"@a:x",
      "content":{"call_id":"c","version":"1","party_id":"p","candidates":[
        {"candidate":"candidate:1 1 udp 1 10.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0},
        {"candidate":""}, 5]}})",
                  &why);
  const auto& c = std::get<glue::CallCandidates>(*ev);
  assert_int_equal(c.candidates.size(), 2);
  assert_string_equal(c.candidates[0].sdp_mid->c_str(), "0");
  assert_int_equal(*c.candidates[0].sdp_mline_index, 0);
  assert_true(c.candidates[1].candidate.empty());
  ev = parse(R"({"type":"m.call.hangup","room_id":"!d:x","sender":"@a:x",
      "content":{"call_id":"c","version":"1","reason":"signalling_timeout"}})",
             &why);
  assert_string_equal(std::get<glue::CallHangup>(*ev).reason.c_str(), "signalling_timeout");
  ev = parse(R"({"type":"m.call.select_answer","room_id":"!d:x","sender":"@a:x",
      "content":{"call_id":"c","version":"1","selected_party_id":"glue"}})",
             &why);
  assert_string_equal(std::get<glue::CallSelectAnswer>(*ev).selected_party_id.c_str(), "glue");
  ev = parse(R"({"type":"m.call.negotiate","room_id":"!d:x","sender":"@a:x",
      "content":{"call_id":"c","version":"1","description":{"type":"offer","sdp":"v=0"}}})",
             &why);
  assert_string_equal(std::get<glue::CallNegotiate>(*ev).description_type.c_str(), "offer");
  // The caller's answer to a call-back: its SDP is required.
  ev = parse(R"({"type":"m.call.answer","room_id":"!d:x","sender":"@a:x",
      "content":{"call_id":"c","version":"1","party_id":"dev","answer":{"type":"answer","sdp":"v=0"}}})",
             &why);
  assert_string_equal(std::get<glue::CallAnswer>(*ev).answer_sdp.c_str(), "v=0");
  assert_string_equal(std::get<glue::CallAnswer>(*ev).party_id.c_str(), "dev");
  ev = parse(R"({"type":"m.call.answer","room_id":"!d:x","sender":"@a:x",
      "content":{"call_id":"c","version":"1","party_id":"dev"}})",
             &why);
  assert_false(ev.has_value());
  assert_string_equal(why.c_str(), "m.call.answer without answer.sdp");
}

void test_malformed_and_unknown(void** /*state*/) {
  std::string why;
  assert_false(
      parse(R"({"type":"m.room.message","room_id":"!r:x","content":{}})", &why).has_value());
  assert_true(why.empty());  // of no interest, not malformed
  assert_false(parse(R"({"type":"m.call.invite","room_id":"!d:x","sender":"@a:x",
      "content":{"call_id":"c"}})",
                     &why)
                   .has_value());
  assert_false(why.empty());
  why.clear();
  assert_false(parse(R"({"type":"m.call.hangup","room_id":"!d:x","content":{"reason":"x"}})", &why)
                   .has_value());
  assert_false(why.empty());
  why.clear();
  assert_false(parse(R"({"type":"m.call.candidates","room_id":"!d:x","sender":"@a:x",
      "content":{"call_id":"c","candidates":"nope"}})",
                     &why)
                   .has_value());
  assert_false(why.empty());
  why.clear();
  assert_false(parse(R"({"type":"m.room.member","room_id":"!r:x","state_key":"@b:x",
      "content":{"membership":"wat"}})",
                     &why)
                   .has_value());
  assert_false(why.empty());
  why.clear();
  assert_false(parse(R"([1,2,3])", &why).has_value());
  assert_false(why.empty());
}

void test_registration(void** /*state*/) {
  glue::Registration r;
  r.url = "http://127.0.0.1:8090";
  r.as_token = "a'b";
  r.hs_token = glue::random_token();
  r.server_name = "example.org";
  const std::string y = glue::registration_yaml(r);
  assert_true(y.find("regex: '@fs_.*:example\\.org'") != std::string::npos);
  assert_true(y.find("as_token: 'a''b'") != std::string::npos);
  assert_true(y.find("exclusive: true") != std::string::npos);
  assert_int_equal(r.hs_token.size(), 64);
  assert_true(glue::random_token() != glue::random_token());
}

void test_room_message(void** /*state*/) {
  std::string why;
  auto ev = parse(R"({"type":"m.room.message","room_id":"!g:x","sender":"@b:x","event_id":"$m",
      "content":{"msgtype":"m.text","body":"Focus: who","m.mentions":{"user_ids":["@fs_a:x",1]}}})",
                  &why);
  const auto& m = std::get<glue::RoomMessage>(*ev);
  assert_string_equal(m.body.c_str(), "Focus: who");
  assert_string_equal(m.event_id.c_str(), "$m");
  assert_int_equal(m.mentions.size(), 1);
  assert_string_equal(m.mentions[0].c_str(), "@fs_a:x");
  // Notices (the focus' own answers) and edits are no commands.
  assert_false(parse(R"({"type":"m.room.message","room_id":"!g:x","sender":"@b:x","event_id":"$n",
      "content":{"msgtype":"m.notice","body":"who"}})",
                     &why)
                   .has_value());
  assert_false(parse(R"({"type":"m.room.message","room_id":"!g:x","sender":"@b:x","event_id":"$e",
      "content":{"msgtype":"m.text","body":"* who","m.new_content":{"msgtype":"m.text"}}})",
                     &why)
                   .has_value());
  why.clear();
  assert_false(parse(R"({"type":"m.room.message","room_id":"!g:x","sender":"@b:x",
      "content":{"msgtype":"m.text","body":"who"}})",
                     &why)
                   .has_value());
  assert_false(why.empty());
}

void test_power_levels(void** /*state*/) {
  std::string why;
  auto ev = parse(R"({"type":"m.room.power_levels","room_id":"!g:x","state_key":"",
      "sender":"@a:x","content":{"users":{"@a:x":100,"@b:x":"50"},"users_default":10,"kick":75}})",
                  &why);
  const auto& p = std::get<glue::PowerLevels>(*ev);
  assert_string_equal(p.room_id.c_str(), "!g:x");
  assert_int_equal(p.users.size(), 1);  // a string level counts as absent
  assert_int_equal(p.users.at("@a:x"), 100);
  assert_int_equal(p.users_default, 10);
  assert_int_equal(p.kick, 75);
  // The spec's defaults.
  ev =
      parse(R"({"type":"m.room.power_levels","room_id":"!g:x","state_key":"","content":{}})", &why);
  assert_int_equal(std::get<glue::PowerLevels>(*ev).kick, 50);
  assert_int_equal(std::get<glue::PowerLevels>(*ev).users_default, 0);
  why.clear();
  assert_false(parse(R"({"type":"m.room.power_levels","room_id":"!g:x","state_key":"x",
      "content":{}})",
                     &why)
                   .has_value());
  assert_false(why.empty());
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_member_invite_with_encryption),
      cmocka_unit_test(test_member_display_name),
      cmocka_unit_test(test_call_invite_versions),
      cmocka_unit_test(test_candidates_and_others),
      cmocka_unit_test(test_malformed_and_unknown),
      cmocka_unit_test(test_registration),
      cmocka_unit_test(test_room_message),
      cmocka_unit_test(test_power_levels),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
