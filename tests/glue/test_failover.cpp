// Failover: a lost Janus instance's conferences move to another one, and the focus calls each
// caller back (m.call.invite from the focus, select_answer, the answer to the plugin).
#include "glue_harness.h"

namespace {

using namespace gt;

std::vector<Action> concat(std::vector<Action> a, const std::vector<Action>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

constexpr std::uint64_t kNewRoom = 8;
const std::string kJanusOffer =
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\na=msid:janus janusa0\r\n";
const std::string kJanusOfferJson =
    R"(v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\na=msid:janus janusa0\r\n)";
const std::string kOfferMeta =
    R"({"janus":{"audio_muted":false,"purpose":"m.usermedia","video_muted":true}})";
const std::string kVideoOffer =
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=msid:caller a0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\na=msid:caller v0\r\n";
const std::string kCallerAnswer = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";

const std::string kCallBackNotice =
    "The conference server failed and your call was ended. I am calling you back to move the "
    "conference to another server: answer my call to rejoin it.";
const std::string kJanusLostNotice =
    "The conference server failed and your call was ended. Call me again to rejoin the "
    "conference.";

SendEvent notice(const std::string& room, const std::string& body, int n) {
  return SendEvent{kFocus, room, "m.room.message", notice_json(body), txn(n)};
}
SendEvent hangup(const std::string& room, const std::string& call_id, int version,
                 const std::string& reason, int n) {
  return SendEvent{kFocus, room, "m.call.hangup", hangup_json(call_id, version, reason), txn(n)};
}
std::string call_back_id(CallRef ref) {
  return "t.call." + std::to_string(ref);
}
std::string lifetime_timer(CallRef ref) {
  return call_timer_id(TimerKind::kInviteLifetime, ref);
}
std::string setup_timer(CallRef ref) {
  return call_timer_id(TimerKind::kSetup, ref);
}
SendEvent call_back_invite(const std::string& room, const std::string& caller, CallRef ref, int n) {
  return SendEvent{kFocus, room, "m.call.invite",
                   R"({"call_id":")" + call_back_id(ref) + R"(","invitee":")" + caller +
                       R"(","lifetime":60000,"offer":{"sdp":")" + kJanusOfferJson +
                       R"(","type":"offer"},"party_id":")" + kParty +
                       R"(","sdp_stream_metadata":)" + kOfferMeta + R"(,"version":"1"})",
                   txn(n)};
}
CallAnswer caller_answer(const std::string& room, const std::string& caller, CallRef ref) {
  CallAnswer a = call_event<CallAnswer>(room, caller, call_back_id(ref), 1);
  a.answer_sdp = kCallerAnswer;
  return a;
}

CallCandidates alice_candidate() {
  CallCandidates c = call_event<CallCandidates>(kDmAlice, kAlice, call_back_id(3), 1);
  c.candidates = {cand("candidate:1 1 udp 1 10.0.0.2 5000 typ host", 0)};
  return c;
}

// Alice (version "1") and Bob (version 0) in a conference on instance "a".
void two_callers(Harness& h) {
  h.instance = "a";
  h.standard_setup();
  h.join_direct(kFocus, kDmBob, kBob);
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  h.answered_call(2, kDmBob, kBob, "c2", 0, false, 2);
}

// "a" lost while "b" is up: both calls are hung up with a notice that the focus calls back,
// nothing goes to the dead Janus, a new room is created (placed by the I/O layer), and each
// caller gets a call-back whose lifetime runs from the start.
std::vector<Action> fail_over(Harness& h) {
  return h.feed(JanusLost{"unreachable", "a", true});
}
const std::vector<Action> kFailoverActions = {
    CancelTimer{setup_timer(1)},
    hangup(kDmAlice, "c1", 1, "unknown_error", 3),
    notice(kDmAlice, kCallBackNotice, 4),
    CancelTimer{setup_timer(2)},
    hangup(kDmBob, "c2", 0, "unknown_error", 5),
    notice(kDmBob, kCallBackNotice, 6),
    JanusCreateRoom{kFocus, kGroup},
    JanusAttach{3, kFocus, ""},
    SetTimer{lifetime_timer(3), 60000},
    JanusAttach{4, kFocus, ""},
    SetTimer{lifetime_timer(4), 60000},
};

// The call-back of `ref` up to its invite, the new room on "b" being ready.
void invite_out(Harness& h, CallRef ref, const std::string& dm, const std::string& caller, int n) {
  expect_actions(
      h.feed(JanusAttached{ref, session_of(ref), handle_of(ref), "b"}),
      {JanusJoin{ref, session_of(ref), handle_of(ref), kNewRoom, caller, "", true, false}});
  expect_actions(h.feed(JanusJoined{ref, kJanusOffer, participant_of(ref)}),
                 {call_back_invite(dm, caller, ref, n), SetTimer{lifetime_timer(ref), 60000}});
}

// Failed over, the new room ready on "b", both call-backs' invites out.
void both_ringing(Harness& h) {
  two_callers(h);
  fail_over(h);
  expect_actions(h.feed(JanusRoomCreated{kFocus, kNewRoom, "b"}), {});
  invite_out(h, 3, kDmAlice, kAlice, 7);
  invite_out(h, 4, kDmBob, kBob, 8);
}

void test_loss_with_live_instance_calls_back(void**) {
  Harness h;
  two_callers(h);
  expect_actions(fail_over(h), kFailoverActions);
  expect_actions(h.feed(JanusRoomCreated{kFocus, kNewRoom, "b"}), {});
  invite_out(h, 3, kDmAlice, kAlice, 7);
  invite_out(h, 4, kDmBob, kBob, 8);
  assert_int_equal(h.state.gauges().calls[static_cast<int>(CallState::kCallingBack)], 2);
  // Janus' candidates go out batched once the invite is out.
  expect_actions(
      h.feed(JanusLocalCandidates{3, {cand("candidate:9 1 udp 9 10.0.0.9 9 typ host", 0)}}),
      {SetTimer{call_timer_id(TimerKind::kCandidateBatch, 3), 50}});
  // The caller's candidates wait for the answer.
  expect_actions(h.feed(alice_candidate()), {});
}

// The caller's answer: select_answer naming the answering device, the answer to the plugin as
// a configure, the held candidates after it; then it is an ordinary call.
void test_answer_selects_and_configures(void**) {
  Harness h;
  both_ringing(h);
  CallCandidates early = alice_candidate();
  h.feed(early);
  expect_actions(h.feed(caller_answer(kDmAlice, kAlice, 3)),
                 {CancelTimer{lifetime_timer(3)},
                  SendEvent{kFocus, kDmAlice, "m.call.select_answer",
                            R"({"call_id":")" + call_back_id(3) + R"(","party_id":")" + kParty +
                                R"(","selected_party_id":"caller-device","version":"1"})",
                            txn(9)},
                  JanusAnswer{3, session_of(3), handle_of(3), kCallerAnswer},
                  JanusTrickle{3, session_of(3), handle_of(3), early.candidates, false},
                  SetTimer{setup_timer(3), 20000}});
  assert_int_equal(h.state.gauges().call_backs[static_cast<int>(CallBackOutcome::kAnswered)], 1);
  // A second device's answer changes nothing.
  CallAnswer other = caller_answer(kDmAlice, kAlice, 3);
  other.party_id = "other-device";
  expect_actions(h.feed(other), {});
  // Ordinary from here: media up, a later candidate straight to Janus, the caller's hangup.
  expect_actions(h.feed(JanusMediaUp{3}), {CancelTimer{setup_timer(3)}});
  CallCandidates late = call_event<CallCandidates>(kDmAlice, kAlice, call_back_id(3), 1);
  late.candidates = {Candidate{}};
  expect_actions(h.feed(late), {JanusTrickle{3, session_of(3), handle_of(3), {}, true}});
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kAlice, call_back_id(3), 1)),
                 Harness::janus_leave(3));
  // S3 for the other caller, whose call-back still rings: a hangup (the focus placed the
  // call), and the last one gone ends the conference (S7) on the new instance.
  expect_actions(
      h.feed(member(kGroup, kBob, kBob, Membership::kLeave)),
      concat(concat({CancelTimer{lifetime_timer(4)}},
                    {SendEvent{kFocus, kDmBob, "m.call.hangup",
                               hangup_json(call_back_id(4), 1, "user_hangup"), txn(10)}}),
             concat(Harness::janus_leave(4),
                    {LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kNewRoom, "b"}})));
}

void test_call_back_rejected(void**) {
  Harness h;
  both_ringing(h);
  // Bob declines: he is gone as a hangup would have him, nothing is sent to him.
  expect_actions(h.feed(call_event<CallReject>(kDmBob, kBob, call_back_id(4), 1)),
                 concat({CancelTimer{lifetime_timer(4)}}, Harness::janus_leave(4)));
  assert_int_equal(h.state.gauges().call_backs[static_cast<int>(CallBackOutcome::kRejected)], 1);
  // A hangup instead of a reject is a refusal too; the last caller gone is S7.
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kAlice, call_back_id(3), 1)),
                 concat(concat({CancelTimer{lifetime_timer(3)}}, Harness::janus_leave(3)),
                        {LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kNewRoom, "b"}}));
  assert_int_equal(h.state.gauges().call_backs[static_cast<int>(CallBackOutcome::kRejected)], 2);
}

// No answer within the lifetime: the focus hangs up with invite_timeout (spec: the caller
// ends an unanswered invite), the caller is gone.
void test_call_back_timeout(void**) {
  Harness h;
  both_ringing(h);
  h.now += 60000;
  expect_actions(h.feed(TimerFired{lifetime_timer(4)}),
                 concat({SendEvent{kFocus, kDmBob, "m.call.hangup",
                                   hangup_json(call_back_id(4), 1, "invite_timeout"), txn(9)}},
                        Harness::janus_leave(4)));
  assert_int_equal(h.state.gauges().call_backs[static_cast<int>(CallBackOutcome::kTimeout)], 1);
  // A call-back that never got as far as its invite ends with a notice instead.
  Harness g;
  two_callers(g);
  fail_over(g);
  g.now += 60000;
  expect_actions(g.feed(TimerFired{lifetime_timer(3)}),
                 {notice(kDmAlice,
                         "I could not call you back. Call me again to rejoin the "
                         "conference.",
                         7)});
}

// No other instance up: today's behaviour, every call ends with "call me again".
void test_loss_with_nobody_up_ends_calls(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusLost{"unreachable", "a", false}),
                 {CancelTimer{setup_timer(1)}, hangup(kDmAlice, "c1", 1, "unknown_error", 3),
                  notice(kDmAlice, kJanusLostNotice, 4), CancelTimer{setup_timer(2)},
                  hangup(kDmBob, "c2", 0, "unknown_error", 5), notice(kDmBob, kJanusLostNotice, 6),
                  SetTimer{no_call_timer_id(kFocus), 600000}});
}

// A caller who closed the call (DTLS alert: their hangup is on its way) is not called back; a
// caller whose call was still being set up calls again as today; the others are called back.
void test_closed_and_unanswered_callers_not_called_back(void**) {
  Harness h;
  two_callers(h);
  expect_actions(h.feed(JanusMediaUp{1}), {CancelTimer{setup_timer(1)}});
  expect_actions(h.feed(JanusCallGone{1, "hangup: DTLS alert"}),
                 {SetTimer{call_timer_id(TimerKind::kHangupGrace, 1), 3000}});
  const std::string kCarol = "@carol:example.org";
  const std::string kDmCarol = "!dmCarol:example.org";
  expect_actions(h.feed(member(kGroup, kCarol, kCarol, Membership::kJoin)), {});
  h.join_direct(kFocus, kDmCarol, kCarol);
  expect_actions(h.feed(invite(kDmCarol, kCarol, "c3", 1, h.now)), h.admission(3, false, 60000));
  expect_actions(
      h.feed(JanusLost{"unreachable", "a", true}),
      {CancelTimer{call_timer_id(TimerKind::kHangupGrace, 1)}, CancelTimer{setup_timer(2)},
       hangup(kDmBob, "c2", 0, "unknown_error", 3), notice(kDmBob, kCallBackNotice, 4),
       CancelTimer{lifetime_timer(3)}, CancelTimer{setup_timer(3)},
       SendEvent{kFocus, kDmCarol, "m.call.reject", hangup_json("c3", 1, "unknown_error"), txn(5)},
       notice(kDmCarol, kJanusLostNotice, 6), JanusCreateRoom{kFocus, kGroup},
       JanusAttach{4, kFocus, ""}, SetTimer{lifetime_timer(4), 60000}});
  // Alice's own hangup arrives for the ended call: nothing more.
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kAlice, "c1", 1)), {});
}

// A caller who placed a video call is called back with video.
void test_video_caller_called_back_with_video(void**) {
  Harness h;
  h.instance = "a";
  h.standard_setup();
  CallInvite inv = invite(kDmAlice, kAlice, "c1", 1, h.now);
  inv.offer_sdp = kVideoOffer;
  h.feed(inv);
  h.feed(JanusRoomCreated{kFocus, kJanusRoom, "a"});
  h.feed(JanusAttached{1, session_of(1), handle_of(1), "a"});
  h.feed(JanusJoined{1, kAnswer, participant_of(1)});
  h.feed(JanusLost{"unreachable", "a", true});
  h.feed(JanusRoomCreated{kFocus, kNewRoom, "b"});
  expect_actions(h.feed(JanusAttached{2, session_of(2), handle_of(2), "b"}),
                 {JanusJoin{2, session_of(2), handle_of(2), kNewRoom, kAlice, "", true, true}});
}

// The instance of the call-backs dies too while they ring: they are hung up and placed again.
void test_second_loss_while_ringing_calls_back_again(void**) {
  Harness h;
  two_callers(h);
  fail_over(h);
  h.feed(JanusRoomCreated{kFocus, kNewRoom, "b"});
  invite_out(h, 3, kDmAlice, kAlice, 7);
  expect_actions(
      h.feed(JanusLost{"unreachable", "b", true}),
      {CancelTimer{lifetime_timer(3)}, hangup(kDmAlice, call_back_id(3), 1, "unknown_error", 8),
       notice(kDmAlice, kCallBackNotice, 9), CancelTimer{lifetime_timer(4)},
       notice(kDmBob, kCallBackNotice, 10), JanusCreateRoom{kFocus, kGroup},
       JanusAttach{5, kFocus, ""}, SetTimer{lifetime_timer(5), 60000}, JanusAttach{6, kFocus, ""},
       SetTimer{lifetime_timer(6), 60000}});
}

// A glue restart while a call-back rings: its session is picked up again and its lifetime
// timer re-armed, so it cannot ring for ever; the answer after the restart still works.
void test_restart_while_calling_back(void**) {
  Harness h;
  two_callers(h);
  fail_over(h);
  h.feed(JanusRoomCreated{kFocus, kNewRoom, "b"});
  invite_out(h, 3, kDmAlice, kAlice, 7);
  h.now += 1000;
  Harness r;
  std::vector<Action> resume;
  std::string error;
  assert_true(r.state.restore(h.state.snapshot(), h.now, &resume, &error));
  bool resumed = false;
  bool attach_again = false;
  bool lifetime_rearmed = false;
  for (const Action& a : resume) {
    if (const auto* j = std::get_if<JanusResume>(&a)) resumed |= j->call == 3;
    if (const auto* j = std::get_if<JanusAttach>(&a)) attach_again |= j->call == 4;
    if (const auto* t = std::get_if<SetTimer>(&a)) {
      lifetime_rearmed |= t->id == lifetime_timer(3) && t->delay_ms == 59000;
    }
  }
  assert_true(resumed);
  assert_true(attach_again);
  assert_true(lifetime_rearmed);
  r.now = h.now;
  std::vector<Action> answered = without_logs(r.feed(caller_answer(kDmAlice, kAlice, 3)));
  assert_int_equal(answered.size(), 4);
  assert_true(std::holds_alternative<JanusAnswer>(answered[2]));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loss_with_live_instance_calls_back),
      cmocka_unit_test(test_answer_selects_and_configures),
      cmocka_unit_test(test_call_back_rejected),
      cmocka_unit_test(test_call_back_timeout),
      cmocka_unit_test(test_loss_with_nobody_up_ends_calls),
      cmocka_unit_test(test_closed_and_unanswered_callers_not_called_back),
      cmocka_unit_test(test_video_caller_called_back_with_video),
      cmocka_unit_test(test_second_loss_while_ringing_calls_back_again),
      cmocka_unit_test(test_restart_while_calling_back),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
