// Who may call: the security rule, the 1:1 room, encrypted rooms, the early-invite race.
#include "glue_harness.h"

namespace {

using namespace gt;

const std::string kMembersOnly = "Only joined members of " + kGroup + " can join its conference.";
const std::string kEncrypted =
    "This room is encrypted and I cannot read encrypted call events. Start a direct chat with "
    "me without encryption to join the conference.";

// A stranger's call never reaches Janus: m.call.reject for version "1", m.call.hangup for 0.
void test_stranger_refused_before_janus(void**) {
  Harness h;
  h.standard_setup();
  // Mallory is in Alice's 1:1 room but not in the group room.
  expect_actions(h.feed(member(kDmAlice, kMallory, kMallory, Membership::kJoin)), {});
  expect_actions(
      h.feed(invite(kDmAlice, kMallory, "m1", 1, h.now)),
      {SendEvent{kFocus, kDmAlice, "m.call.reject", hangup_json("m1", 1, "not_member"), txn(1)},
       SendEvent{kFocus, kDmAlice, "m.room.message", notice_json(kMembersOnly), txn(2)}});
  expect_actions(
      h.feed(invite(kDmAlice, kMallory, "m2", 0, h.now)),
      {SendEvent{kFocus, kDmAlice, "m.call.hangup", hangup_json("m2", 0, "not_member"), txn(3)},
       SendEvent{kFocus, kDmAlice, "m.room.message", notice_json(kMembersOnly), txn(4)}});
  // Nothing was admitted: the stranger's candidates and hangup go nowhere.
  CallCandidates c = call_event<CallCandidates>(kDmAlice, kMallory, "m1", 1);
  c.candidates = {cand("candidate:1 1 udp 1 10.0.0.9 5000 typ host", 0)};
  expect_actions(h.feed(c), {});
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kMallory, "m1", 1)), {});
  // The refusal is logged with room, user and call.
  bool logged = false;
  for (const Action& a : h.feed(invite(kDmAlice, kMallory, "m3", 1, h.now))) {
    if (const Log* log = std::get_if<Log>(&a)) {
      logged =
          logged || (log->room_id == kDmAlice && log->user_id == kMallory && log->call_id == "m3");
    }
  }
  assert_true(logged);
}

// A stranger's 1:1 room is declined (with a reason) and never joined.
void test_stranger_direct_room_declined(void**) {
  Harness h;
  h.join_group(kFocus, kGroup, {kAlice, kFocus});
  const std::string dm = "!dmMallory:elsewhere.net";
  expect_actions(h.feed(member(dm, kFocus, kMallory, Membership::kInvite)),
                 {LeaveRoom{kFocus, dm, kMembersOnly}});
}

void test_direct_room_without_group_room_declined(void**) {
  Harness h;
  expect_actions(h.feed(member(kDmAlice, kFocus, kAlice, Membership::kInvite)),
                 {LeaveRoom{kFocus, kDmAlice, "Invite me to " + kGroup + " first, then call me."}});
}

// Invited to the group room and the 1:1 room at once: the 1:1 room waits for the members.
void test_direct_room_waits_for_members(void**) {
  Harness h;
  const std::string dm_mallory = "!dmMallory:elsewhere.net";
  expect_actions(h.feed(member(kGroup, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, kGroup}});
  expect_actions(h.feed(member(kDmAlice, kFocus, kAlice, Membership::kInvite)), {});
  expect_actions(h.feed(member(dm_mallory, kFocus, kMallory, Membership::kInvite)), {});
  expect_actions(h.feed(JoinResult{kGroup, kFocus, true}),
                 {ReadMembers{kFocus, kGroup}, SetTimer{no_call_timer_id(kFocus), 600000}});
  expect_actions(h.feed(MembersRead{kGroup, kFocus, {kAlice, kFocus}}),
                 {JoinRoom{kFocus, kDmAlice}, LeaveRoom{kFocus, dm_mallory, kMembersOnly}});
}

// The stripped state of the invite says the 1:1 room is encrypted: join, say so, leave.
void test_encrypted_direct_room_at_invite(void**) {
  Harness h;
  h.join_group(kFocus, kGroup, {kAlice, kFocus});
  MemberEvent inv = member(kDmAlice, kFocus, kAlice, Membership::kInvite);
  inv.encrypted = true;
  expect_actions(h.feed(inv), {JoinRoom{kFocus, kDmAlice}});
  expect_actions(h.feed(JoinResult{kDmAlice, kFocus, true}),
                 {SendEvent{kFocus, kDmAlice, "m.room.message", notice_json(kEncrypted), txn(1)},
                  LeaveRoom{kFocus, kDmAlice, ""}});
  // Call events from that room are not handled any more.
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now)), {});
}

// Encryption turned on in a 1:1 room with a call: hang up, say so, leave (and S7).
void test_encryption_enabled_later(void**) {
  Harness h;
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  expect_actions(
      h.feed(RoomEncryptionEvent{kDmAlice}),
      {CancelTimer{call_timer_id(TimerKind::kSetup, 1)},
       SendEvent{kFocus, kDmAlice, "m.call.hangup", hangup_json("c1", 1, "user_hangup"), txn(2)},
       JanusLeave{1, session_of(1), handle_of(1)}, JanusDestroySession{1, session_of(1)},
       LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom},
       SendEvent{kFocus, kDmAlice, "m.room.message", notice_json(kEncrypted), txn(3)},
       LeaveRoom{kFocus, kDmAlice, ""}});
}

// Encryption found in the history read after joining.
void test_encrypted_history(void**) {
  Harness h;
  h.join_group(kFocus, kGroup, {kAlice, kFocus});
  expect_actions(h.feed(member(kDmAlice, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, kDmAlice}});
  expect_actions(h.feed(JoinResult{kDmAlice, kFocus, true}),
                 {ReadRecentEvents{kFocus, kDmAlice, 30}});
  expect_actions(h.feed(RecentEvents{kDmAlice, true, {invite(kDmAlice, kAlice, "c1", 1, h.now)}}),
                 {SendEvent{kFocus, kDmAlice, "m.room.message", notice_json(kEncrypted), txn(1)},
                  LeaveRoom{kFocus, kDmAlice, ""}});
}

void join_dm_up_to_history(Harness& h) {
  h.join_group(kFocus, kGroup, {kAlice, kFocus});
  expect_actions(h.feed(member(kDmAlice, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, kDmAlice}});
  expect_actions(h.feed(JoinResult{kDmAlice, kFocus, true}),
                 {ReadRecentEvents{kFocus, kDmAlice, 30}});
}

// The early-invite race: an invite (and candidates) sent before the focus joined is answered
// while within its lifetime, judged as age + time since received.
void test_early_invite_within_lifetime(void**) {
  Harness h;
  join_dm_up_to_history(h);
  CallCandidates early = call_event<CallCandidates>(kDmAlice, kAlice, "c1", 1);
  early.candidates = {cand("candidate:1 1 udp 1 10.0.0.2 5000 typ host", 0), Candidate{}};
  // 20 s old when read, read 5 s ago: 35 s left.
  std::vector<CallEvent> history = {invite(kDmAlice, kAlice, "c1", 1, h.now - 5000, 20000), early};
  expect_actions(
      h.feed(RecentEvents{kDmAlice, false, history}),
      {CancelTimer{no_call_timer_id(kFocus)}, JanusCreateRoom{kFocus, kGroup},
       JanusAttach{1, kFocus}, SetTimer{call_timer_id(TimerKind::kInviteLifetime, 1), 35000},
       SetTimer{call_timer_id(TimerKind::kSetup, 1), 20000}});
  expect_actions(h.feed(JanusRoomCreated{kFocus, kJanusRoom}), {});
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, kAlice, kOffer}});
  expect_actions(h.feed(JanusJoined{1, kAnswer}),
                 {CancelTimer{call_timer_id(TimerKind::kInviteLifetime, 1)},
                  SendEvent{kFocus, kDmAlice, "m.call.answer", answer_json("c1", 1), txn(1)},
                  JanusTrickle{1, session_of(1), handle_of(1), {early.candidates[0]}, true}});
}

void test_early_invite_beyond_lifetime(void**) {
  Harness h;
  join_dm_up_to_history(h);
  // 50 s old when read, read 15 s ago: expired.
  expect_actions(h.feed(RecentEvents{
                     kDmAlice, false, {invite(kDmAlice, kAlice, "c1", 1, h.now - 15000, 50000)}}),
                 {});
  // 61 s old: expired.
  expect_actions(
      h.feed(RecentEvents{kDmAlice, false, {invite(kDmAlice, kAlice, "c2", 0, h.now, 61000)}}), {});
}

// An invite already hung up (or rejected) in the history is not answered.
void test_early_invite_already_hung_up(void**) {
  Harness h;
  join_dm_up_to_history(h);
  std::vector<CallEvent> history = {invite(kDmAlice, kAlice, "c1", 1, h.now, 1000),
                                    call_event<CallHangup>(kDmAlice, kAlice, "c1", 1)};
  expect_actions(h.feed(RecentEvents{kDmAlice, false, history}), {});
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stranger_refused_before_janus),
      cmocka_unit_test(test_stranger_direct_room_declined),
      cmocka_unit_test(test_direct_room_without_group_room_declined),
      cmocka_unit_test(test_direct_room_waits_for_members),
      cmocka_unit_test(test_encrypted_direct_room_at_invite),
      cmocka_unit_test(test_encryption_enabled_later),
      cmocka_unit_test(test_encrypted_history),
      cmocka_unit_test(test_early_invite_within_lifetime),
      cmocka_unit_test(test_early_invite_beyond_lifetime),
      cmocka_unit_test(test_early_invite_already_hung_up),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
