// The focus in its group room: S2 (join), discovery, S8 (no call), S7 (last caller), S5
// (several focus users), and invites to other rooms.
#include "glue_harness.h"

namespace {

using namespace gt;

std::string discovery_body(const std::string& focus) {
  return "Conference call: to join it, start a direct chat with " + focus +
         " and place a voice or video call to it.";
}

// S2, and the discovery notice: once after joining, never per call.
void test_s2_joins_group_room_and_announces_once(void**) {
  Config config = test_config();
  config.discovery_notice = true;
  Harness h(config);
  expect_actions(h.feed(member(kGroup, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, kGroup}});
  // The same invite again (a retried transaction) joins once.
  expect_actions(h.feed(member(kGroup, kFocus, kAlice, Membership::kInvite)), {});
  expect_actions(
      h.feed(JoinResult{kGroup, kFocus, true}),
      {ReadMembers{kFocus, kGroup},
       SendEvent{kFocus, kGroup, "m.room.message", notice_json(discovery_body(kFocus)), txn(1)},
       SetTimer{no_call_timer_id(kFocus), config.no_call_timeout_ms}});
  expect_actions(h.feed(MembersRead{kGroup, kFocus, {kAlice, kBob, kFocus}}), {});
  expect_actions(h.feed(member(kGroup, kFocus, kFocus, Membership::kJoin)), {});
  h.join_direct(kFocus, kDmAlice, kAlice);
  // A call: its actions hold no second notice.
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 2);
  h.join_direct(kFocus, kDmBob, kBob);
  h.answered_call(2, kDmBob, kBob, "c2", 1, false, 3);
}

void test_s2_failed_join_forgets_the_room(void**) {
  Harness h;
  expect_actions(h.feed(member(kGroup, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, kGroup}});
  expect_actions(h.feed(JoinResult{kGroup, kFocus, false}), {});
  // A later invite is a fresh start.
  expect_actions(h.feed(member(kGroup, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, kGroup}});
}

// Users that are no focus of ours are none of our business.
void test_invites_of_other_users_ignored(void**) {
  Harness h;
  expect_actions(h.feed(member(kGroup, kAlice, kBob, Membership::kInvite)), {});
  expect_actions(h.feed(member(kGroup, "@fs_nbswy3dp:example.org", kAlice, Membership::kInvite)),
                 {});
  expect_actions(h.feed(member(kGroup, make_focus_user_id(kGroup, "fs_", "other.org"), kAlice,
                               Membership::kInvite)),
                 {});
}

// A focus invited to a room that is not its group room takes it for a 1:1 room.
void test_invite_to_other_room_is_a_direct_room(void**) {
  Harness h;
  h.join_group(kFocus, kGroup, {kAlice, kFocus});
  const std::string other = "!someOtherRoom:example.org";
  expect_actions(h.feed(member(other, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, other}});
  expect_actions(h.feed(JoinResult{other, kFocus, true}), {ReadRecentEvents{kFocus, other, 30}});
}

// S8: no call within the configured time → leave.
void test_s8_no_call_leaves(void**) {
  Harness h;
  h.join_group(kFocus, kGroup, {kAlice, kFocus});
  h.now += 600000;
  expect_actions(h.feed(TimerFired{no_call_timer_id(kFocus)}), {LeaveRoom{kFocus, kGroup, ""}});
  expect_actions(h.feed(member(kGroup, kFocus, kFocus, Membership::kLeave)), {});
  // Invited again: joins again.
  expect_actions(h.feed(member(kGroup, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, kGroup}});
}

// S8 does not fire into a conference with a call (its timer was cancelled; a late firing
// changes nothing).
void test_s8_not_while_calls(void**) {
  Harness h;
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  expect_actions(h.feed(TimerFired{no_call_timer_id(kFocus)}), {});
  expect_actions(h.feed(call_event<CallCandidates>(kDmAlice, kAlice, "c1", 1)), {});
}

// S7: the last caller gone → the focus leaves and the Janus room is destroyed.
void test_s7_last_caller_gone_leaves(void**) {
  Harness h;
  h.standard_setup();
  h.join_direct(kFocus, kDmBob, kBob);
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  h.answered_call(2, kDmBob, kBob, "c2", 0, false, 2);
  std::vector<Action> alice_gone = {CancelTimer{call_timer_id(TimerKind::kSetup, 1)}};
  for (const Action& a : Harness::janus_leave(1)) alice_gone.push_back(a);
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kAlice, "c1", 1)), alice_gone);
  std::vector<Action> bob_gone = {CancelTimer{call_timer_id(TimerKind::kSetup, 2)}};
  for (const Action& a : Harness::janus_leave(2)) bob_gone.push_back(a);
  bob_gone.push_back(LeaveRoom{kFocus, kGroup, ""});
  bob_gone.push_back(JanusDestroyRoom{kJanusRoom});
  expect_actions(h.feed(call_event<CallHangup>(kDmBob, kBob, "c2", 0)), bob_gone);
  // Calling the focus that left: refused, with the way back.
  expect_actions(
      h.feed(invite(kDmAlice, kAlice, "c3", 1, h.now)),
      {SendEvent{kFocus, kDmAlice, "m.call.reject", hangup_json("c3", 1, "focus_not_in_room"),
                 txn(3)},
       SendEvent{kFocus, kDmAlice, "m.room.message",
                 notice_json("I am not in " + kGroup + ": invite me there, then call again."),
                 txn(4)}});
}

// S5: two focus users of one room (base32 and historic base64) are independent.
void test_s5_focus_users_independent(void**) {
  Harness h;
  const std::string legacy = make_legacy_focus_user_id(kGroup, "fs_", kServer);
  h.join_group(kFocus, kGroup, {kAlice, kBob, kFocus});
  h.join_group(legacy, kGroup, {kAlice, kBob, kFocus, legacy});
  h.join_direct(kFocus, kDmAlice, kAlice);
  h.join_direct(legacy, kDmBob, kBob);
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  h.focus = legacy;
  h.janus_room = 8;
  h.answered_call(2, kDmBob, kBob, "c2", 1, true, 2);
  // Alice's hangup ends kFocus' conference only.
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kAlice, "c1", 1)),
                 {CancelTimer{call_timer_id(TimerKind::kSetup, 1)},
                  JanusLeave{1, session_of(1), handle_of(1)}, JanusDestroySession{1, session_of(1)},
                  LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom}});
  // The other focus still serves Bob and sees the room's membership.
  CallCandidates c = call_event<CallCandidates>(kDmBob, kBob, "c2", 1);
  c.candidates = {cand("candidate:1 1 udp 1 10.0.0.2 5000 typ host", 0)};
  expect_actions(h.feed(c), {JanusTrickle{2, session_of(2), handle_of(2), c.candidates, false}});
  expect_actions(
      h.feed(member(kGroup, kBob, kBob, Membership::kLeave)),
      {CancelTimer{call_timer_id(TimerKind::kSetup, 2)},
       SendEvent{legacy, kDmBob, "m.call.hangup", hangup_json("c2", 1, "user_hangup"), txn(3)},
       JanusLeave{2, session_of(2), handle_of(2)}, JanusDestroySession{2, session_of(2)},
       LeaveRoom{legacy, kGroup, ""}, JanusDestroyRoom{8}});
}

// Kicked from the group room: every call ends, the Janus room goes.
void test_focus_kicked_ends_conference(void**) {
  Harness h;
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  expect_actions(
      h.feed(member(kGroup, kFocus, kBob, Membership::kLeave)),
      {CancelTimer{call_timer_id(TimerKind::kSetup, 1)},
       SendEvent{kFocus, kDmAlice, "m.call.hangup", hangup_json("c1", 1, "user_hangup"), txn(2)},
       JanusLeave{1, session_of(1), handle_of(1)}, JanusDestroySession{1, session_of(1)},
       JanusDestroyRoom{kJanusRoom}});
  expect_actions(h.feed(TimerFired{no_call_timer_id(kFocus)}), {});
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_s2_joins_group_room_and_announces_once),
      cmocka_unit_test(test_s2_failed_join_forgets_the_room),
      cmocka_unit_test(test_invites_of_other_users_ignored),
      cmocka_unit_test(test_invite_to_other_room_is_a_direct_room),
      cmocka_unit_test(test_s8_no_call_leaves),
      cmocka_unit_test(test_s8_not_while_calls),
      cmocka_unit_test(test_s7_last_caller_gone_leaves),
      cmocka_unit_test(test_s5_focus_users_independent),
      cmocka_unit_test(test_focus_kicked_ends_conference),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
