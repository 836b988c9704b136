// Surviving a restart: GlueState::snapshot() and restore() (the glue is killed with SIGKILL
// mid-conference; calls carry on and nothing is processed or sent twice).
#include <string>

#include "glue_harness.h"

namespace {

using namespace gt;

const std::string kCarol = "@carol:example.org";
const std::string kDmCarol = "!dmCarol:example.org";
const Candidate kJ1 = cand("candidate:9 1 udp 2015363327 10.0.0.1 20000 typ host", 0);

std::vector<Action> concat(std::vector<Action> a, const std::vector<Action>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A restarted glue's config: a new run's txn_prefix, which the snapshot's must override.
Config restarted_config() {
  Config c = test_config();
  c.txn_prefix = "new-run";
  return c;
}

std::vector<Action> restore_ok(GlueState& state, const std::string& snapshot, std::int64_t now) {
  std::vector<Action> resume;
  std::string error;
  if (!state.restore(snapshot, now, &resume, &error)) fail_msg("restore: %s", error.c_str());
  return resume;
}

// Feeds `ev` to both and fails unless they do exactly the same, logs included.
std::vector<Action> same(Harness& never_restarted, Harness& restored, const Event& ev) {
  const std::vector<Action> a = never_restarted.feed(ev);
  const std::vector<Action> b = restored.feed(ev);
  if (a != b) {
    print_actions("never restarted", a);
    print_actions("restored", b);
    fail_msg("the restored state acts differently");
  }
  return a;
}

// Alice (version "1") and Bob (version 0) answered in kGroup; Carol's 1:1 room being joined.
void conference_with_two_calls(Harness& h) {
  h.join_group(kFocus, kGroup, {kAlice, kBob, kCarol, kFocus});
  h.join_direct(kFocus, kDmAlice, kAlice);
  h.join_direct(kFocus, kDmBob, kBob);
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  h.answered_call(2, kDmBob, kBob, "c2", 0, false, 2);
  expect_actions(h.feed(JanusMediaUp{2}), {CancelTimer{call_timer_id(TimerKind::kSetup, 2)}});
  expect_actions(h.feed(JanusLocalCandidates{1, {kJ1}, false}),
                 {SetTimer{call_timer_id(TimerKind::kCandidateBatch, 1), 50}});
  expect_actions(h.feed(member(kDmCarol, kFocus, kCarol, Membership::kInvite)),
                 {JoinRoom{kFocus, kDmCarol}});
}

// (a) Restored into a fresh GlueState, the conference goes on exactly as if it had never
// stopped: the calls' Janus sessions are resumed, the timers re-armed for what is left of
// them, and every later input gives the same actions as in the state that never restarted.
void test_restore_carries_on(void**) {
  Harness h;
  conference_with_two_calls(h);
  const std::string snapshot = h.state.snapshot();

  Harness r(restarted_config());
  h.now += 5000;
  r.now = h.now;
  expect_actions(
      restore_ok(r.state, snapshot, r.now),
      {JanusResume{1, session_of(1), handle_of(1)}, JanusResume{2, session_of(2), handle_of(2)},
       JoinRoom{kFocus, kDmCarol}, SetTimer{call_timer_id(TimerKind::kCandidateBatch, 1), 0},
       SetTimer{call_timer_id(TimerKind::kSetup, 1), 15000}});

  expect_actions(
      same(h, r, TimerFired{call_timer_id(TimerKind::kCandidateBatch, 1)}),
      {SendEvent{
          kFocus, kDmAlice, "m.call.candidates",
          R"({"call_id":"c1","candidates":[{"candidate":")" + kJ1.candidate +
              R"(","sdpMLineIndex":0,"sdpMid":"0"}],"party_id":"focus-party","version":"1"})",
          txn(3)}});
  // The pending 1:1 room, and a third call: its ref and transaction IDs go on from the old run.
  same(h, r, JoinResult{kDmCarol, kFocus, true});
  same(h, r, RecentEvents{kDmCarol, false, {}});
  expect_actions(same(h, r, invite(kDmCarol, kCarol, "c3", 1, h.now)),
                 h.admission(3, false, 60000));
  same(h, r, JanusAttached{3, session_of(3), handle_of(3)});
  expect_actions(same(h, r, JanusJoined{3, kAnswer}),
                 {CancelTimer{call_timer_id(TimerKind::kInviteLifetime, 3)},
                  SendEvent{kFocus, kDmCarol, "m.call.answer", answer_json("c3", 1), txn(4)}});

  // S3, a hangup, and Janus losing a PeerConnection.
  expect_actions(same(h, r, member(kGroup, kAlice, kAlice, Membership::kLeave)),
                 concat({CancelTimer{call_timer_id(TimerKind::kSetup, 1)},
                         SendEvent{kFocus, kDmAlice, "m.call.hangup",
                                   hangup_json("c1", 1, "user_hangup"), txn(5)}},
                        Harness::janus_leave(1)));
  expect_actions(
      same(h, r, call_event<CallHangup>(kDmCarol, kCarol, "c3", 1)),
      concat({CancelTimer{call_timer_id(TimerKind::kSetup, 3)}}, Harness::janus_leave(3)));
  expect_actions(same(h, r, JanusCallGone{2, "hangup: ICE failed"}),
                 {SetTimer{call_timer_id(TimerKind::kHangupGrace, 2), 3000}});
  h.now += 3000;
  r.now = h.now;
  expect_actions(
      same(h, r, TimerFired{call_timer_id(TimerKind::kHangupGrace, 2)}),
      {SendEvent{kFocus, kDmBob, "m.call.hangup", hangup_json("c2", 0, "ice_timeout"), txn(6)},
       JanusDestroySession{2, session_of(2)}, LeaveRoom{kFocus, kGroup, ""},
       JanusDestroyRoom{kJanusRoom}});
  assert_string_equal(r.state.snapshot().c_str(), h.state.snapshot().c_str());
}

// (b) Killed after handling an input but before recording that it did: the input is handled
// again from the older snapshot and yields the same transaction IDs, which the outbox dedupes.
void test_reprocessed_input_same_txn_ids(void**) {
  Harness h;
  conference_with_two_calls(h);
  const std::string before = h.state.snapshot();
  const MemberEvent last = member(kGroup, kAlice, kAlice, Membership::kLeave);
  const std::vector<Action> first = h.feed(last);
  expect_actions(first, concat({CancelTimer{call_timer_id(TimerKind::kSetup, 1)},
                                CancelTimer{call_timer_id(TimerKind::kCandidateBatch, 1)},
                                SendEvent{kFocus, kDmAlice, "m.call.hangup",
                                          hangup_json("c1", 1, "user_hangup"), txn(3)}},
                               Harness::janus_leave(1)));

  GlueState restarted(restarted_config());
  restore_ok(restarted, before, h.now);
  assert_true(restarted.handle(last, h.now) == first);
  // Restoring over a live state replaces it just the same.
  restore_ok(h.state, before, h.now);
  assert_true(h.feed(last) == first);
}

void expect_refused(GlueState& state, const std::string& snapshot, const char* why) {
  std::vector<Action> resume = {JoinRoom{"@stale:example.org", "!stale:example.org"}};
  std::string error;
  if (state.restore(snapshot, 0, &resume, &error)) fail_msg("accepted: %s", why);
  if (error.empty()) fail_msg("no reason given: %s", why);
  if (!resume.empty()) fail_msg("resume actions left: %s", why);
  if (state.snapshot() != GlueState(test_config()).snapshot()) fail_msg("state left: %s", why);
}

std::string replaced(std::string s, const std::string& from, const std::string& to,
                     bool last = false) {
  const size_t at = last ? s.rfind(from) : s.find(from);
  if (at == std::string::npos) fail_msg("\"%s\" not in the snapshot", from.c_str());
  return s.replace(at, from.size(), to);
}

// (c) Malformed snapshots are refused with a reason and leave the state empty.
void test_malformed_refused(void**) {
  Harness h;
  conference_with_two_calls(h);
  const std::string good = h.state.snapshot();
  GlueState state(test_config());
  const std::pair<std::string, const char*> bad[] = {
      {"", "empty"},
      {"garbage{", "not JSON"},
      {good.substr(0, good.size() / 2), "truncated"},
      {"[1,2]", "not an object"},
      {"{}", "no version"},
      {replaced(good, R"("version":2})", R"("version":1})", true), "older version"},
      {replaced(good, R"("version":2})", R"("version":3})", true), "unknown version"},
      {replaced(good, R"("version":2})", R"("version":"2"})", true), "version not a number"},
      {replaced(good, R"("media_up":false,)", ""), "missing media_up"},
      {replaced(good, R"("session_id":101,)", ""), "missing session_id"},
      {replaced(good, R"("answered":true)", R"("answered":"yes")"), "answered not a boolean"},
      {replaced(good, R"("stage":"active")", R"("stage":"dancing")"), "unknown stage"},
      {replaced(good, R"("setup|1":)", R"("setup|x":)"), "bad timer ID"},
      {replaced(good, R"("next_call":3)", R"("next_call":2)"), "call ref not below next_call"},
      {replaced(good, R"("ref":2)", R"("ref":1)"), "call ref twice"},
      {replaced(good, R"("ref":2)", R"("ref":0)"), "call ref 0"},
      {replaced(good, R"("members":[)", R"("members":[7,)"), "member not a string"},
      {replaced(good, R"("direct_rooms":{)", R"("direct_rooms":null,"x":{)"),
       "rooms not an object"},
  };
  for (const auto& [snapshot, why] : bad) {
    restore_ok(state, good, h.now);
    expect_refused(state, snapshot, why);
  }
}

void expect_round_trip(const GlueState& state) {
  const std::string first = state.snapshot();
  GlueState restored(restarted_config());
  restore_ok(restored, first, 0);
  assert_string_equal(restored.snapshot().c_str(), first.c_str());
}

// (d) snapshot -> restore -> snapshot gives the same text, with every part of a call filled:
// renegotiation queued, candidates held both ways (with and without mid and index).
void test_round_trip_identical(void**) {
  Harness h;
  conference_with_two_calls(h);
  CallNegotiate offer = call_event<CallNegotiate>(kDmAlice, kAlice, "c1", 1);
  offer.description_type = "offer";
  offer.sdp = "v=0\r\nvideo \"quoted\" \xc3\xa9\r\n";
  expect_actions(h.feed(offer), {JanusConfigure{1, session_of(1), handle_of(1), offer.sdp}});
  offer.sdp = "v=0\r\nhold\r\n";
  expect_actions(h.feed(offer), {});
  expect_actions(h.feed(JoinResult{kDmCarol, kFocus, true}),
                 {ReadRecentEvents{kFocus, kDmCarol, 30}});
  expect_actions(h.feed(RecentEvents{kDmCarol, false, {}}), {});
  expect_actions(h.feed(invite(kDmCarol, kCarol, "c3", 1, h.now, 1234)),
                 h.admission(3, false, 60000 - 1234));
  CallCandidates early = call_event<CallCandidates>(kDmCarol, kCarol, "c3", 1);
  early.candidates = {cand("candidate:1 1 udp 1 10.0.0.3 5000 typ host", 1),
                      Candidate{"candidate:2 1 udp 1 10.0.0.3 5002 typ host", {}, {}}, Candidate{}};
  expect_actions(h.feed(early), {});
  expect_actions(h.feed(JanusAttached{3, session_of(3), handle_of(3)}),
                 {JanusJoin{3, session_of(3), handle_of(3), kJanusRoom, kCarol, kOffer}});
  expect_actions(h.feed(JanusLocalCandidates{3, {kJ1}, true}), {});
  expect_round_trip(h.state);
  expect_round_trip(GlueState(test_config()));
}

// Call events held while a focus joins its group room again (the 1:1 room stayed) survive a
// restart, of every type, and are handled as before once the members are known.
void test_held_events_survive(void**) {
  Harness h;
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  expect_actions(
      h.feed(call_event<CallHangup>(kDmAlice, kAlice, "c1", 1)),
      concat(concat({CancelTimer{call_timer_id(TimerKind::kSetup, 1)}}, Harness::janus_leave(1)),
             {LeaveRoom{kFocus, kGroup, ""}, JanusDestroyRoom{kJanusRoom}}));
  expect_actions(h.feed(member(kGroup, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, kGroup}});
  CallCandidates candidates = call_event<CallCandidates>(kDmAlice, kAlice, "c5", 1);
  candidates.candidates = {cand("candidate:1 1 udp 1 10.0.0.3 5000 typ host", 0)};
  CallSelectAnswer select = call_event<CallSelectAnswer>(kDmAlice, kAlice, "c5", 1);
  select.selected_party_id = kParty;
  CallNegotiate negotiate = call_event<CallNegotiate>(kDmAlice, kAlice, "c5", 1);
  negotiate.description_type = "offer";
  negotiate.sdp = "v=0\r\n";
  CallHangup hangup = call_event<CallHangup>(kDmAlice, kAlice, "c4", 1);
  hangup.reason = "replaced";
  const Event held[] = {call_event<CallReject>(kDmAlice, kAlice, "c3", 1),
                        hangup,
                        invite(kDmAlice, kAlice, "c5", 1, h.now),
                        candidates,
                        call_event<CallAnswer>(kDmAlice, kAlice, "c5", 1),
                        select,
                        negotiate};
  for (const Event& ev : held) expect_actions(h.feed(ev), {});
  expect_round_trip(h.state);

  Harness r(restarted_config());
  expect_actions(restore_ok(r.state, h.state.snapshot(), h.now), {JoinRoom{kFocus, kGroup}});
  same(h, r, JoinResult{kGroup, kFocus, true});
  expect_actions(same(h, r, MembersRead{kGroup, kFocus, {kAlice, kFocus}}),
                 concat({CancelTimer{no_call_timer_id(kFocus)}}, h.admission(2, true, 60000)));
}

}  // namespace

// Placement is durable: a restored conference resumes its calls on the Janus instance that
// holds them, and only the loss of that instance ends them. A snapshot from before instances had
// names loads, and its conferences go to the instance the I/O layer says (the first configured).
void test_placement_survives_restore(void**) {
  Harness h;
  h.instance = "b";
  conference_with_two_calls(h);
  const std::string snapshot = h.state.snapshot();

  Harness r(restarted_config());
  std::vector<Action> resumed = restore_ok(r.state, snapshot, h.now);
  assert_true((resumed.at(0) == Action{JanusResume{1, session_of(1), handle_of(1), "b"}}));
  expect_actions(r.feed(JanusLost{"gone", "a"}), {});
  assert_false(r.feed(JanusLost{"gone", "b"}).empty());

  std::string old = snapshot;
  for (const std::string key : {R"(,"janus_instance":"b")", R"("janus_instance":"b",)"}) {
    for (auto at = old.find(key); at != std::string::npos; at = old.find(key)) {
      old.erase(at, key.size());
    }
  }
  assert_true(old.find("janus_instance") == std::string::npos);
  Harness o(restarted_config());
  resumed = restore_ok(o.state, old, h.now);
  assert_true((resumed.at(0) == Action{JanusResume{1, session_of(1), handle_of(1), ""}}));
  o.state.adopt_instance("first");
  expect_actions(o.feed(JanusLost{"gone", "b"}), {});
  assert_false(o.feed(JanusLost{"gone", "first"}).empty());
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_restore_carries_on),
      cmocka_unit_test(test_reprocessed_input_same_txn_ids),
      cmocka_unit_test(test_malformed_refused),
      cmocka_unit_test(test_round_trip_identical),
      cmocka_unit_test(test_held_events_survive),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
