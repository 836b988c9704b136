// Matrix call signalling ↔ Janus: versions, select_answer, negotiate, candidates, duplicates.
#include "glue_harness.h"

namespace {

using namespace gt;

const Candidate kC1 = cand("candidate:1 1 udp 2113937151 10.0.0.2 5000 typ host", 0);
const Candidate kC2 = cand("candidate:2 1 udp 2113937150 10.0.0.2 5002 typ host", 1);
const Candidate kJ1 = cand("candidate:9 1 udp 2015363327 10.0.0.1 20000 typ host", 0);
const Candidate kJ2 = cand("candidate:8 1 udp 2015363326 10.0.0.1 20002 typ host", 0);

std::string cand_json(const Candidate& c) {
  return R"({"candidate":")" + c.candidate + R"(","sdpMLineIndex":)" +
         std::to_string(*c.sdp_mline_index) + R"(,"sdpMid":")" + *c.sdp_mid + R"("})";
}

std::vector<Action> concat(std::vector<Action> a, const std::vector<Action>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Version "1": answer with party_id and sdp_stream_metadata (checked in answered_call).
void test_version_1_replies(void**) {
  Harness h;
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  expect_actions(h.feed(JanusLocalCandidates{1, {kJ1}, true}),
                 {SetTimer{call_timer_id(TimerKind::kCandidateBatch, 1), 50}});
  expect_actions(h.feed(TimerFired{call_timer_id(TimerKind::kCandidateBatch, 1)}),
                 {SendEvent{kFocus, kDmAlice, "m.call.candidates",
                            R"({"call_id":"c1","candidates":[)" + cand_json(kJ1) +
                                R"(,{"candidate":""}],"party_id":"focus-party","version":"1"})",
                            txn(2)}});
  expect_actions(h.feed(JanusCallGone{1, "hangup"}),
                 {CancelTimer{call_timer_id(TimerKind::kSetup, 1)},
                  SetTimer{call_timer_id(TimerKind::kHangupGrace, 1), 3000}});
  expect_actions(
      h.feed(TimerFired{call_timer_id(TimerKind::kHangupGrace, 1)}),
      {SendEvent{kFocus, kDmAlice, "m.call.hangup",
                 R"({"call_id":"c1","party_id":"focus-party","reason":"ice_failed","version":"1"})",
                 txn(3)},
       JanusDestroySession{1, session_of(1)}, LeaveRoom{kFocus, kGroup, ""},
       JanusDestroyRoom{kJanusRoom}});
}

// Version 0: a plain answer, no party_id, no end-of-candidates marker, integer version.
void test_version_0_replies(void**) {
  Harness h;
  h.standard_setup();
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c0", 0, h.now)),
                 concat({CancelTimer{no_call_timer_id(kFocus)}}, h.admission(1, true, 60000)));
  expect_actions(h.feed(JanusRoomCreated{kFocus, kJanusRoom}), {});
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, kAlice, kOffer}});
  expect_actions(h.feed(JanusJoined{1, kAnswer}),
                 {CancelTimer{call_timer_id(TimerKind::kInviteLifetime, 1)},
                  SendEvent{kFocus, kDmAlice, "m.call.answer",
                            R"({"answer":{"sdp":")" + kAnswerJson +
                                R"(","type":"answer"},"call_id":"c0","version":0})",
                            txn(1)}});
  expect_actions(h.feed(JanusLocalCandidates{1, {kJ1}, true}),
                 {SetTimer{call_timer_id(TimerKind::kCandidateBatch, 1), 50}});
  expect_actions(
      h.feed(TimerFired{call_timer_id(TimerKind::kCandidateBatch, 1)}),
      {SendEvent{kFocus, kDmAlice, "m.call.candidates",
                 R"({"call_id":"c0","candidates":[)" + cand_json(kJ1) + R"(],"version":0})",
                 txn(2)}});
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kAlice, "c0", 0)),
                 concat({CancelTimer{call_timer_id(TimerKind::kSetup, 1)}},
                        concat(Harness::janus_leave(1),
                               {LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom}})));
}

// select_answer naming the focus changes nothing; naming another party drops the focus' leg
// without a hangup (that would end the call the caller selected).
void test_select_answer(void**) {
  Harness h;
  h.standard_setup();
  h.join_direct(kFocus, kDmBob, kBob);
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  h.answered_call(2, kDmBob, kBob, "c2", 1, false, 2);
  CallSelectAnswer ours = call_event<CallSelectAnswer>(kDmAlice, kAlice, "c1", 1);
  ours.selected_party_id = kParty;
  expect_actions(h.feed(ours), {});
  CallSelectAnswer other = call_event<CallSelectAnswer>(kDmAlice, kAlice, "c1", 1);
  other.selected_party_id = "some-other-device";
  expect_actions(h.feed(other), concat({CancelTimer{call_timer_id(TimerKind::kSetup, 1)}},
                                       Harness::janus_leave(1)));
  expect_actions(h.feed(call_event<CallCandidates>(kDmAlice, kAlice, "c1", 1)), {});
}

// m.call.negotiate: the offer goes to Janus as `configure`, the answer comes back as
// m.call.negotiate; one configure at a time.
void test_negotiate(void**) {
  Harness h;
  h.standard_setup();
  CallNegotiate early = call_event<CallNegotiate>(kDmAlice, kAlice, "c1", 1);
  early.description_type = "offer";
  early.sdp = "v=0\r\nearly\r\n";
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now)),
                 concat({CancelTimer{no_call_timer_id(kFocus)}}, h.admission(1, true, 60000)));
  expect_actions(h.feed(early), {});  // not answered yet
  expect_actions(h.feed(JanusRoomCreated{kFocus, kJanusRoom}), {});
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, kAlice, kOffer}});
  expect_actions(h.feed(JanusJoined{1, kAnswer}),
                 {CancelTimer{call_timer_id(TimerKind::kInviteLifetime, 1)},
                  SendEvent{kFocus, kDmAlice, "m.call.answer", answer_json("c1", 1), txn(1)}});

  CallNegotiate video = early;
  video.sdp = "v=0\r\nvideo\r\n";
  CallNegotiate hold = early;
  hold.sdp = "v=0\r\nhold\r\n";
  CallNegotiate answer = early;
  answer.description_type = "answer";
  expect_actions(h.feed(video), {JanusConfigure{1, session_of(1), handle_of(1), video.sdp}});
  expect_actions(h.feed(hold), {});
  expect_actions(h.feed(answer), {});
  const std::string janus_answer = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=msid:mix v\r\n";
  expect_actions(
      h.feed(JanusConfigured{1, janus_answer}),
      {SendEvent{
           kFocus, kDmAlice, "m.call.negotiate",
           R"({"call_id":"c1","description":{"sdp":"v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=msid:mix v\r\n","type":"answer"},)"
           R"("party_id":"focus-party","sdp_stream_metadata":{"mix":{"audio_muted":true,"purpose":"m.usermedia","video_muted":false}},"version":"1"})",
           txn(2)},
       JanusConfigure{1, session_of(1), handle_of(1), hold.sdp}});
}

// The caller's candidates: held until Janus answered the join, then one trickle with
// `completed`; afterwards forwarded batch by batch. Janus' candidates: held until the answer
// is out, then sent in batches.
void test_candidates(void**) {
  Harness h;
  h.standard_setup();
  CallCandidates first = call_event<CallCandidates>(kDmAlice, kAlice, "c1", 1);
  first.candidates = {kC1};
  CallCandidates second = call_event<CallCandidates>(kDmAlice, kAlice, "c1", 1);
  second.candidates = {kC2, Candidate{"", "0", 0}};
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now)),
                 concat({CancelTimer{no_call_timer_id(kFocus)}}, h.admission(1, true, 60000)));
  expect_actions(h.feed(first), {});
  expect_actions(h.feed(JanusLocalCandidates{1, {kJ1}, false}), {});
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}), {});  // no room yet
  expect_actions(h.feed(second), {});
  expect_actions(h.feed(JanusRoomCreated{kFocus, kJanusRoom}),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, kAlice, kOffer}});
  expect_actions(h.feed(JanusJoined{1, kAnswer}),
                 {CancelTimer{call_timer_id(TimerKind::kInviteLifetime, 1)},
                  SendEvent{kFocus, kDmAlice, "m.call.answer", answer_json("c1", 1), txn(1)},
                  JanusTrickle{1, session_of(1), handle_of(1), {kC1, kC2}, true},
                  SendEvent{kFocus, kDmAlice, "m.call.candidates",
                            R"({"call_id":"c1","candidates":[)" + cand_json(kJ1) +
                                R"(],"party_id":"focus-party","version":"1"})",
                            txn(2)}});
  // After the answer: straight through.
  expect_actions(h.feed(first), {JanusTrickle{1, session_of(1), handle_of(1), {kC1}, false}});
  CallCandidates end = call_event<CallCandidates>(kDmAlice, kAlice, "c1", 1);
  end.candidates = {Candidate{}};
  expect_actions(h.feed(end), {JanusTrickle{1, session_of(1), handle_of(1), {}, true}});
  // Janus' later candidates are collected into one event.
  expect_actions(h.feed(JanusLocalCandidates{1, {kJ2}, false}),
                 {SetTimer{call_timer_id(TimerKind::kCandidateBatch, 1), 50}});
  expect_actions(h.feed(JanusLocalCandidates{1, {kJ1}, true}), {});
  expect_actions(
      h.feed(TimerFired{call_timer_id(TimerKind::kCandidateBatch, 1)}),
      {SendEvent{kFocus, kDmAlice, "m.call.candidates",
                 R"({"call_id":"c1","candidates":[)" + cand_json(kJ2) + "," + cand_json(kJ1) +
                     R"(,{"candidate":""}],"party_id":"focus-party","version":"1"})",
                 txn(3)}});
  // Media flows: the setup timer is no longer needed.
  expect_actions(h.feed(JanusMediaUp{1}), {CancelTimer{call_timer_id(TimerKind::kSetup, 1)}});
  expect_actions(h.feed(JanusMediaUp{1}), {});
}

// The same invite twice (a retry, or history overlapping a transaction) is one call.
void test_duplicate_invite_idempotent(void**) {
  Harness h;
  h.standard_setup();
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now)),
                 concat({CancelTimer{no_call_timer_id(kFocus)}}, h.admission(1, true, 60000)));
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now)), {});
  expect_actions(h.feed(JanusRoomCreated{kFocus, kJanusRoom}), {});
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, kAlice, kOffer}});
  expect_actions(h.feed(JanusJoined{1, kAnswer}),
                 {CancelTimer{call_timer_id(TimerKind::kInviteLifetime, 1)},
                  SendEvent{kFocus, kDmAlice, "m.call.answer", answer_json("c1", 1), txn(1)}});
  expect_actions(h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now)), {});
  expect_actions(h.feed(JanusJoined{1, kAnswer}), {});
}

// A new call_id from a caller already in the conference replaces the old call.
void test_new_call_replaces_old(void**) {
  Harness h;
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  expect_actions(
      h.feed(invite(kDmAlice, kAlice, "c2", 1, h.now)),
      concat(
          {CancelTimer{call_timer_id(TimerKind::kSetup, 1)},
           SendEvent{kFocus, kDmAlice, "m.call.hangup", hangup_json("c1", 1, "replaced"), txn(2)},
           JanusLeave{1, session_of(1), handle_of(1)}, JanusDestroySession{1, session_of(1)}},
          h.admission(2, false, 60000)));
  expect_actions(h.feed(JanusAttached{2, session_of(2), handle_of(2)}),
                 {JanusJoin{2, session_of(2), handle_of(2), kJanusRoom, kAlice, kOffer}});
}

// Events the focus does not act on: a caller's m.call.answer (the focus never calls, so
// there is no glare), another sender's events for the call, the focus' own echoes. Hangup
// reasons outside the spec end the call like any other.
void test_ignored_and_tolerated(void**) {
  Harness h;
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  expect_actions(h.feed(call_event<CallAnswer>(kDmAlice, kAlice, "c1", 1)), {});
  expect_actions(h.feed(call_event<CallHangup>(kDmAlice, kBob, "c1", 1)), {});
  expect_actions(h.feed(call_event<CallReject>(kDmAlice, kFocus, "c1", 1)), {});
  expect_actions(h.feed(call_event<CallHangup>(kDmBob, kAlice, "c1", 1)), {});
  CallHangup odd = call_event<CallHangup>(kDmAlice, kAlice, "c1", 1);
  odd.reason = "signalling_timeout";
  expect_actions(h.feed(odd),
                 concat({CancelTimer{call_timer_id(TimerKind::kSetup, 1)}},
                        concat(Harness::janus_leave(1),
                               {LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom}})));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version_1_replies),
      cmocka_unit_test(test_version_0_replies),
      cmocka_unit_test(test_select_answer),
      cmocka_unit_test(test_negotiate),
      cmocka_unit_test(test_candidates),
      cmocka_unit_test(test_duplicate_invite_idempotent),
      cmocka_unit_test(test_new_call_replaces_old),
      cmocka_unit_test(test_ignored_and_tolerated),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
