// How calls end: S3, S4, Janus-side failures, timeouts, Janus lost, late Janus results.
#include "glue_harness.h"

namespace {

using namespace gt;

std::vector<Action> concat(std::vector<Action> a, const std::vector<Action>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

SendEvent hangup(const std::string& room, const std::string& call_id, int version,
                 const std::string& reason, int n) {
  return SendEvent{kFocus, room, "m.call.hangup", hangup_json(call_id, version, reason), txn(n)};
}

const CancelTimer kCancelSetup1{call_timer_id(TimerKind::kSetup, 1)};
const CancelTimer kCancelSetup2{call_timer_id(TimerKind::kSetup, 2)};
const CancelTimer kCancelLifetime1{call_timer_id(TimerKind::kInviteLifetime, 1)};

void two_callers(Harness& h) {
  h.standard_setup();
  h.join_direct(kFocus, kDmBob, kBob);
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  h.answered_call(2, kDmBob, kBob, "c2", 0, false, 2);
}

// S3: a caller who leaves the group room is hung up on and leaves Janus; others stay.
void test_s3_caller_leaves_group_room(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(member(kGroup, kAlice, kAlice, Membership::kLeave)),
                 concat({kCancelSetup1, hangup(kDmAlice, "c1", 1, "user_hangup", 3)},
                        Harness::janus_leave(1)));
  // No longer a member: a new call is refused.
  expect_actions(
      h.feed(invite(kDmAlice, kAlice, "c3", 1, h.now)),
      {SendEvent{kFocus, kDmAlice, "m.call.reject", hangup_json("c3", 1, "not_member"), txn(4)},
       SendEvent{kFocus, kDmAlice, "m.room.message",
                 notice_json("Only joined members of " + kGroup + " can join its conference."),
                 txn(5)}});
  // Banned (a kick is a leave too): same, and the last caller gone is S7.
  expect_actions(h.feed(member(kGroup, kBob, kAlice, Membership::kBan)),
                 concat(concat({kCancelSetup2, hangup(kDmBob, "c2", 0, "user_hangup", 6)},
                               Harness::janus_leave(2)),
                        {LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom}}));
}

// S4: a caller who leaves the 1:1 room is ejected; the focus leaves that room too.
void test_s4_caller_leaves_direct_room(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(member(kDmAlice, kAlice, kAlice, Membership::kLeave)),
                 concat(concat({kCancelSetup1, hangup(kDmAlice, "c1", 1, "user_hangup", 3)},
                               Harness::janus_leave(1)),
                        {LeaveRoom{kFocus, kDmAlice, ""}}));
  // Bob's call goes on.
  CallCandidates c = call_event<CallCandidates>(kDmBob, kBob, "c2", 0);
  c.candidates = {cand("candidate:1 1 udp 1 10.0.0.3 5000 typ host", 0)};
  expect_actions(h.feed(c), {JanusTrickle{2, session_of(2), handle_of(2), c.candidates, false}});
}

// The focus removed from a 1:1 room: its calls there end on the Janus side only.
void test_focus_removed_from_direct_room(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(member(kDmBob, kFocus, kBob, Membership::kLeave)),
                 concat({kCancelSetup2}, Harness::janus_leave(2)));
  expect_actions(h.feed(invite(kDmBob, kBob, "c9", 0, h.now)), {});
}

const std::string kGrace2 = call_timer_id(TimerKind::kHangupGrace, 2);

// Janus reports the PeerConnection gone before the caller's own hangup (a DTLS alert ~200 ms
// ahead of it): within the grace nothing is sent, and the participant has left Janus already.
void test_caller_hangup_within_grace_sends_nothing(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusMediaUp{2}), {kCancelSetup2});
  expect_actions(h.feed(JanusCallGone{2, "hangup: DTLS alert"}),
                 {SetTimer{kGrace2, h.state.config().hangup_grace_ms}});
  expect_actions(h.feed(JanusCallGone{2, "detached"}), {});  // late duplicate
  h.now += 200;
  expect_actions(h.feed(call_event<CallHangup>(kDmBob, kBob, "c2", 0)),
                 {CancelTimer{kGrace2}, JanusDestroySession{2, session_of(2)}});
  expect_actions(h.feed(TimerFired{kGrace2}), {});
}

// The same for a loss that is not a DTLS alert: the caller's hangup within the grace wins.
void test_caller_hangup_within_grace_after_ice_failure(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusCallGone{1, "hangup: ICE failed"}),
                 {kCancelSetup1, SetTimer{call_timer_id(TimerKind::kHangupGrace, 1), 3000}});
  CallCandidates late = call_event<CallCandidates>(kDmAlice, kAlice, "c1", 1);
  late.candidates = {cand("candidate:1 1 udp 1 10.0.0.2 5000 typ host", 0)};
  expect_actions(h.feed(late), {});  // nothing to forward to a PeerConnection that is gone
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kAlice, "c1", 1)),
                 {CancelTimer{call_timer_id(TimerKind::kHangupGrace, 1)},
                  JanusDestroySession{1, session_of(1)}});
}

// No hangup from the caller within the grace, media never connected: ice_failed.
void test_grace_over_media_never_up_ice_failed(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusCallGone{2, "hangup: ICE failed"}),
                 {kCancelSetup2, SetTimer{kGrace2, 3000}});
  h.now += 3000;
  expect_actions(h.feed(TimerFired{kGrace2}),
                 {hangup(kDmBob, "c2", 0, "ice_failed", 3), JanusDestroySession{2, session_of(2)}});
  expect_actions(h.feed(call_event<CallHangup>(kDmBob, kBob, "c2", 0)), {});
}

// No hangup from the caller within the grace, connected media lost: ice_timeout.
void test_grace_over_media_lost_ice_timeout(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusMediaUp{2}), {kCancelSetup2});
  expect_actions(h.feed(JanusCallGone{2, "hangup: Gateway timeout"}), {SetTimer{kGrace2, 3000}});
  h.now += 3000;
  expect_actions(h.feed(TimerFired{kGrace2}), {hangup(kDmBob, "c2", 0, "ice_timeout", 3),
                                               JanusDestroySession{2, session_of(2)}});
}

// A DTLS alert is the caller closing its PeerConnection: even without its hangup, the focus
// does not hang up on a call the caller ended. The last caller gone is S7.
void test_grace_over_after_dtls_alert_sends_nothing(void**) {
  Harness h;
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  expect_actions(h.feed(JanusMediaUp{1}), {kCancelSetup1});
  expect_actions(h.feed(JanusCallGone{1, "hangup: DTLS alert"}),
                 {SetTimer{call_timer_id(TimerKind::kHangupGrace, 1), 3000}});
  h.now += 3000;
  expect_actions(h.feed(TimerFired{call_timer_id(TimerKind::kHangupGrace, 1)}),
                 {JanusDestroySession{1, session_of(1)}, LeaveRoom{kFocus, kGroup, ""},
                  JanusDestroyRoom{kJanusRoom}});
}

// No media within the setup time: media never connected, so ice_failed.
void test_setup_timeout_ice_failed(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusMediaUp{2}), {kCancelSetup2});
  h.now += 20000;
  expect_actions(h.feed(TimerFired{call_timer_id(TimerKind::kSetup, 1)}),
                 concat({hangup(kDmAlice, "c1", 1, "ice_failed", 3)}, Harness::janus_leave(1)));
}

// Janus never answered within the invite's lifetime: the caller gave up, nothing to send.
void test_lifetime_expires_before_answer(void**) {
  Harness h;
  h.standard_setup();
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now, 30000)),
                 concat({CancelTimer{no_call_timer_id(kFocus)}}, h.admission(1, true, 30000)));
  expect_actions(h.feed(JanusRoomCreated{kFocus, kJanusRoom}), {});
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, kAlice, kOffer}});
  h.now += 30000;
  expect_actions(h.feed(TimerFired{call_timer_id(TimerKind::kInviteLifetime, 1)}),
                 concat(concat({kCancelSetup1}, Harness::janus_leave(1)),
                        {LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom}}));
  expect_actions(h.feed(JanusJoined{1, kAnswer}), {});
}

// Janus errors: a full room is user_busy, anything else unknown_error.
void test_janus_errors(void**) {
  Harness h;
  two_callers(h);
  expect_actions(
      h.feed(member(kGroup, "@carol:example.org", "@carol:example.org", Membership::kJoin)), {});
  h.join_direct(kFocus, "!dmCarol:example.org", "@carol:example.org");
  expect_actions(h.feed(invite("!dmCarol:example.org", "@carol:example.org", "c3", 1, h.now)),
                 h.admission(3, false, 60000));
  expect_actions(
      h.feed(JanusAttached{3, session_of(3), handle_of(3)}),
      {JanusJoin{3, session_of(3), handle_of(3), kJanusRoom, "@carol:example.org", kOffer}});
  // Not answered yet: a version "1" call is rejected.
  expect_actions(h.feed(JanusCallError{3, 495, "room full"}),
                 {CancelTimer{call_timer_id(TimerKind::kInviteLifetime, 3)},
                  CancelTimer{call_timer_id(TimerKind::kSetup, 3)},
                  SendEvent{kFocus, "!dmCarol:example.org", "m.call.reject",
                            hangup_json("c3", 1, "user_busy"), txn(3)},
                  JanusDestroySession{3, session_of(3)}});
  CallNegotiate offer = call_event<CallNegotiate>(kDmAlice, kAlice, "c1", 1);
  offer.description_type = "offer";
  offer.sdp = "v=0\r\n";
  expect_actions(h.feed(offer), {JanusConfigure{1, session_of(1), handle_of(1), offer.sdp}});
  expect_actions(h.feed(JanusCallError{1, 493, "invalid SDP"}),
                 {kCancelSetup1, hangup(kDmAlice, "c1", 1, "unknown_error", 4),
                  JanusDestroySession{1, session_of(1)}});
}

// Janus refuses an invite before the focus answered it (the caller's SDP is garbage: Janus'
// 465 on join, the plugin's 493): m.call.reject for version "1", whose hangup matrix-js-sdk
// would ignore, m.call.hangup for version 0, which has no reject; the same teardown.
// Alice's version "1" call c1 is admitted: the first of a call's steps in the tests below.
void alice_calls(Harness& h) {
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now)),
                 concat({CancelTimer{no_call_timer_id(kFocus)}}, h.admission(1, true, 60000)));
}

void test_janus_refuses_unanswered_call(void**) {
  Harness h;
  h.standard_setup();
  h.join_direct(kFocus, kDmBob, kBob);
  alice_calls(h);
  expect_actions(h.feed(JanusRoomCreated{kFocus, kJanusRoom}), {});
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, kAlice, kOffer}});
  expect_actions(h.feed(invite(kDmBob, kBob, "c2", 0, h.now)), h.admission(2, false, 60000));
  expect_actions(h.feed(JanusAttached{2, session_of(2), handle_of(2)}),
                 {JanusJoin{2, session_of(2), handle_of(2), kJanusRoom, kBob, kOffer}});
  expect_actions(
      h.feed(JanusCallError{1, 465, "SDP parse error"}),
      {kCancelLifetime1, kCancelSetup1,
       SendEvent{kFocus, kDmAlice, "m.call.reject", hangup_json("c1", 1, "unknown_error"), txn(1)},
       JanusDestroySession{1, session_of(1)}});
  expect_actions(
      h.feed(JanusCallError{2, 493, "invalid SDP"}),
      {CancelTimer{call_timer_id(TimerKind::kInviteLifetime, 2)}, kCancelSetup2,
       hangup(kDmBob, "c2", 0, "unknown_error", 2), JanusDestroySession{2, session_of(2)},
       LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom}});
}

// Any end of an unanswered version "1" call that tells the caller is a reject, S3 included.
void test_unanswered_call_ejected_with_reject(void**) {
  Harness h;
  h.standard_setup();
  alice_calls(h);
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}), {});
  expect_actions(
      h.feed(member(kGroup, kAlice, kAlice, Membership::kLeave)),
      {kCancelLifetime1, kCancelSetup1,
       SendEvent{kFocus, kDmAlice, "m.call.reject", hangup_json("c1", 1, "user_hangup"), txn(1)},
       JanusDestroySession{1, session_of(1)}, LeaveRoom{kFocus, kGroup, ""}});
}

const std::string kJanusLostNotice =
    "The conference server failed and your call was ended. Call me again to rejoin the "
    "conference.";

SendEvent janus_lost_notice(const std::string& room, int n) {
  return SendEvent{kFocus, room, "m.room.message", notice_json(kJanusLostNotice), txn(n)};
}

// Janus lost (unreachable or restarted): every call is hung up with unknown_error and a notice
// in its 1:1 room, nothing is sent to the dead Janus, and the focus stays for new calls (S8
// again) with a new Janus room.
void test_janus_restart(void**) {
  Harness h;
  two_callers(h);
  expect_actions(
      h.feed(JanusLost{"restarted"}),
      {kCancelSetup1, hangup(kDmAlice, "c1", 1, "unknown_error", 3), janus_lost_notice(kDmAlice, 4),
       kCancelSetup2, hangup(kDmBob, "c2", 0, "unknown_error", 5), janus_lost_notice(kDmBob, 6),
       SetTimer{no_call_timer_id(kFocus), 600000}});
  expect_actions(h.feed(JanusCallGone{1, "hangup"}), {});
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c5", 1, h.now)),
                 concat({CancelTimer{no_call_timer_id(kFocus)}}, h.admission(3, true, 60000)));
}

// Janus lost while a call is set up: the unanswered version "1" call is rejected (with the
// notice), and its late Janus results are dropped.
void test_janus_lost_before_answer(void**) {
  Harness h;
  h.standard_setup();
  alice_calls(h);
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}), {});
  expect_actions(
      h.feed(JanusLost{"unreachable"}),
      {kCancelLifetime1, kCancelSetup1,
       SendEvent{kFocus, kDmAlice, "m.call.reject", hangup_json("c1", 1, "unknown_error"), txn(1)},
       janus_lost_notice(kDmAlice, 2), SetTimer{no_call_timer_id(kFocus), 600000}});
  expect_actions(h.feed(JanusRoomCreated{kFocus, kJanusRoom}), {JanusDestroyRoom{kJanusRoom}});
  expect_actions(h.feed(JanusJoined{1, kAnswer}), {});
}

// With a pool of Janus instances, a lost instance ends only the calls of the conferences it
// holds; the room of a conference goes back to its own instance to be destroyed.
void test_janus_lost_on_another_instance(void**) {
  Harness h;
  h.instance = "a";
  two_callers(h);
  expect_actions(h.feed(JanusLost{"restarted", "b"}), {});
  expect_actions(h.feed(member(kGroup, kAlice, kAlice, Membership::kLeave)),
                 concat({kCancelSetup1, hangup(kDmAlice, "c1", 1, "user_hangup", 3)},
                        Harness::janus_leave(1)));
  expect_actions(h.feed(member(kGroup, kBob, kBob, Membership::kLeave)),
                 concat(concat({kCancelSetup2, hangup(kDmBob, "c2", 0, "user_hangup", 4)},
                               Harness::janus_leave(2)),
                        {LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom, "a"}}));
}

// Janus lost within the hangup grace: a caller whose PeerConnection Janus lost gets the
// honest unknown_error, not ice_timeout; one who closed it (DTLS alert) is told nothing.
void test_janus_lost_within_grace(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusMediaUp{1}), {kCancelSetup1});
  expect_actions(h.feed(JanusMediaUp{2}), {kCancelSetup2});
  expect_actions(h.feed(JanusCallGone{1, "hangup: DTLS alert"}),
                 {SetTimer{call_timer_id(TimerKind::kHangupGrace, 1), 3000}});
  expect_actions(h.feed(JanusCallGone{2, "Janus session gone"}), {SetTimer{kGrace2, 3000}});
  expect_actions(h.feed(JanusLost{"restarted"}),
                 {CancelTimer{call_timer_id(TimerKind::kHangupGrace, 1)}, CancelTimer{kGrace2},
                  hangup(kDmBob, "c2", 0, "unknown_error", 3), janus_lost_notice(kDmBob, 4),
                  SetTimer{no_call_timer_id(kFocus), 600000}});
  expect_actions(h.feed(TimerFired{kGrace2}), {});
}

SendEvent removal_notice(const std::string& room, const std::string& text, int n) {
  return SendEvent{kFocus, room, "m.room.message", notice_json(text), txn(n)};
}

const std::string kKickedNotice =
    "The conference server's operator removed you from the conference.";

// An operator's kick through the Janus API is no network failure: user_hangup at once, with a
// notice, also when Janus reported the PeerConnection closing first; nothing more for the
// PeerConnection's own report after it.
void test_kick_by_operator_is_user_hangup(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusMediaUp{1}), {kCancelSetup1});
  expect_actions(h.feed(JanusMediaUp{2}), {kCancelSetup2});
  expect_actions(
      h.feed(JanusCallGone{1, "kicked", GoneCause::kKicked}),
      {hangup(kDmAlice, "c1", 1, "user_hangup", 3), JanusDestroySession{1, session_of(1)},
       removal_notice(kDmAlice, kKickedNotice, 4)});
  expect_actions(h.feed(JanusCallGone{1, "hangup: Close PC"}), {});
  expect_actions(h.feed(JanusCallGone{2, "hangup: Close PC"}), {SetTimer{kGrace2, 3000}});
  expect_actions(h.feed(JanusCallGone{2, "kicked", GoneCause::kKicked}),
                 {CancelTimer{kGrace2}, hangup(kDmBob, "c2", 0, "user_hangup", 5),
                  JanusDestroySession{2, session_of(2)}, removal_notice(kDmBob, kKickedNotice, 6),
                  LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom}});
  expect_actions(h.feed(TimerFired{kGrace2}), {});
}

// The Janus room destroyed under the conference: each call ends with user_hangup and a notice
// (none for a caller who was closing the call anyway), and the room is not destroyed twice.
void test_room_destroyed_by_operator(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusMediaUp{2}), {kCancelSetup2});
  const std::string destroyed =
      "The conference server's operator closed this conference and your call was ended. Call "
      "me again to start it anew.";
  expect_actions(h.feed(JanusCallGone{2, "hangup: DTLS alert"}), {SetTimer{kGrace2, 3000}});
  expect_actions(h.feed(JanusCallGone{2, "conference destroyed", GoneCause::kRoomDestroyed}),
                 {CancelTimer{kGrace2}, JanusDestroySession{2, session_of(2)},
                  removal_notice(kDmBob, destroyed, 3)});
  expect_actions(h.feed(JanusCallGone{1, "conference destroyed", GoneCause::kRoomDestroyed}),
                 {kCancelSetup1, hangup(kDmAlice, "c1", 1, "user_hangup", 4),
                  JanusDestroySession{1, session_of(1)}, removal_notice(kDmAlice, destroyed, 5),
                  LeaveRoom{kFocus, kGroup, ""}});
}

// Janus results that arrive after their call or conference ended are cleaned up.
void test_late_janus_results_cleaned_up(void**) {
  Harness h;
  h.standard_setup();
  alice_calls(h);
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kAlice, "c1", 1)),
                 {kCancelLifetime1, kCancelSetup1, LeaveRoom{kFocus, kGroup, ""}});
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}),
                 {JanusDestroySession{1, session_of(1)}});
  expect_actions(h.feed(JanusRoomCreated{kFocus, kJanusRoom}), {JanusDestroyRoom{kJanusRoom}});
}

// The Janus room could not be created: the waiting call is hung up.
void test_janus_room_error(void**) {
  Harness h;
  h.standard_setup();
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c1", 0, h.now)),
                 concat({CancelTimer{no_call_timer_id(kFocus)}}, h.admission(1, true, 60000)));
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}), {});
  expect_actions(h.feed(JanusRoomError{kFocus, 489, "unauthorized"}),
                 {kCancelLifetime1, kCancelSetup1, hangup(kDmAlice, "c1", 0, "unknown_error", 1),
                  JanusDestroySession{1, session_of(1)}, LeaveRoom{kFocus, kGroup, ""}});
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_s3_caller_leaves_group_room),
      cmocka_unit_test(test_s4_caller_leaves_direct_room),
      cmocka_unit_test(test_focus_removed_from_direct_room),
      cmocka_unit_test(test_caller_hangup_within_grace_sends_nothing),
      cmocka_unit_test(test_caller_hangup_within_grace_after_ice_failure),
      cmocka_unit_test(test_grace_over_media_never_up_ice_failed),
      cmocka_unit_test(test_grace_over_media_lost_ice_timeout),
      cmocka_unit_test(test_grace_over_after_dtls_alert_sends_nothing),
      cmocka_unit_test(test_setup_timeout_ice_failed),
      cmocka_unit_test(test_lifetime_expires_before_answer),
      cmocka_unit_test(test_janus_errors),
      cmocka_unit_test(test_janus_refuses_unanswered_call),
      cmocka_unit_test(test_unanswered_call_ejected_with_reject),
      cmocka_unit_test(test_janus_restart),
      cmocka_unit_test(test_janus_lost_before_answer),
      cmocka_unit_test(test_janus_lost_on_another_instance),
      cmocka_unit_test(test_janus_lost_within_grace),
      cmocka_unit_test(test_kick_by_operator_is_user_hangup),
      cmocka_unit_test(test_room_destroyed_by_operator),
      cmocka_unit_test(test_late_janus_results_cleaned_up),
      cmocka_unit_test(test_janus_room_error),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
