// Cascaded rooms: callers beyond the primary instance's conference_share go to a room on another
// instance, linked to the primary (README "Scaling past one Janus"); the linked room goes when
// its last caller does, and with the conference.
#include <algorithm>
#include <string>

#include "glue_harness.h"

namespace {

using namespace gt;

const std::string kCarol = "@carol:example.org";
const std::string kDave = "@dave:example.org";
const std::string kDmCarol = "!dmCarol:example.org";
const std::string kDmDave = "!dmDave:example.org";
constexpr std::uint64_t kLinkedRoom = 20;
const std::string kLinkFailedNotice =
    "This conference is full on its server, and a room on another server could not be linked "
    "to it, so your call was not connected. Try again later.";

Config cascade_config() {
  Config c = test_config();
  c.conference_share = {{"a", 2}, {"b", 2}};
  return c;
}

std::string lifetime_timer(CallRef ref) {
  return call_timer_id(TimerKind::kInviteLifetime, ref);
}
std::string setup_timer(CallRef ref) {
  return call_timer_id(TimerKind::kSetup, ref);
}

// The primary's link end on "a" and the linked room's on "b".
const JanusLinkJoined kPrimaryEnd{kFocus, 1, "a", {500, 501, 900, "10.0.0.1", 4000}};
const JanusLinkJoined kHereEnd{kFocus, 1, "b", {510, 511, 901, "10.0.0.2", 5000}};

// Alice and Bob answered on "a" (its share: 2); Carol's and Dave's 1:1 rooms joined.
void primary_full(Harness& h) {
  h.instance = "a";
  h.join_group(kFocus, kGroup, {kAlice, kBob, kCarol, kDave, kFocus});
  for (const auto& [dm, who] : {std::pair{kDmAlice, kAlice}, std::pair{kDmBob, kBob},
                                std::pair{kDmCarol, kCarol}, std::pair{kDmDave, kDave}}) {
    h.join_direct(kFocus, dm, who);
  }
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  h.answered_call(2, kDmBob, kBob, "c2", 1, false, 2);
}

// Carol spills: a linked room on another instance than "a", linked in cascade.py's order, then
// her call attaches there and joins it.
void carol_spills(Harness& h) {
  expect_actions(h.feed(invite(kDmCarol, kCarol, "c3", 1, h.now)),
                 {JanusCreateRoom{kFocus, kGroup, 1, {"a"}}, SetTimer{lifetime_timer(3), 60000},
                  SetTimer{setup_timer(3), 20000}});
  expect_actions(h.feed(JanusRoomCreated{kFocus, kLinkedRoom, "b", 1}),
                 {JanusLinkJoin{kFocus, 1, "a", kJanusRoom, "", 0}});
  expect_actions(h.feed(kPrimaryEnd),
                 {JanusLinkJoin{kFocus, 1, "b", kLinkedRoom, "10.0.0.1", 4000}});
  expect_actions(h.feed(kHereEnd),
                 {JanusLinkConfigure{kFocus, 1, "a", 500, 501, "10.0.0.2", 5000}});
  expect_actions(h.feed(JanusLinkConfigured{kFocus, 1}), {JanusAttach{3, kFocus, "b"}});
  expect_actions(h.feed(JanusAttached{3, session_of(3), handle_of(3), "b"}),
                 {JanusJoin{3, session_of(3), handle_of(3), kLinkedRoom, kCarol, kOffer}});
  h.feed(JanusJoined{3, kAnswer, participant_of(3)});
}

// Leaving both ends and destroying the linked room: what its teardown sends.
const std::vector<Action> kLinkedTeardown = {JanusLinkLeave{"a", 500, 501},
                                             JanusLinkLeave{"b", 510, 511},
                                             JanusDestroyRoom{kLinkedRoom, "b"}};

// Carol's call waits while the primary's link end is joined, the linked room's not yet.
void half_linked(Harness& h) {
  primary_full(h);
  h.feed(invite(kDmCarol, kCarol, "c3", 1, h.now));
  h.feed(JanusRoomCreated{kFocus, kLinkedRoom, "b", 1});
  h.feed(kPrimaryEnd);
}

// A restarted glue's state from `h`'s snapshot; returns what it resumes.
std::vector<Action> restart(const Harness& h, GlueState& restored) {
  std::vector<Action> resume;
  std::string error;
  if (!restored.restore(h.state.snapshot(), h.now, &resume, &error)) fail_msg("%s", error.c_str());
  return resume;
}

bool contains(const std::vector<Action>& actions, const Action& a) {
  return std::find(actions.begin(), actions.end(), a) != actions.end();
}

void test_spill_at_share(void**) {
  Harness h(cascade_config());
  primary_full(h);
  carol_spills(h);
  const StateGauges g = h.state.gauges();
  assert_int_equal(g.cascade_rooms, 1);
  assert_int_equal(g.link_setups[0], 1);
  assert_int_equal(g.link_setups[1], 0);
  const auto tracked = h.state.tracked_rooms();
  assert_true(tracked.at("a").contains(kJanusRoom));
  assert_true(tracked.at("b").contains(kLinkedRoom));
}

// Without a share the conference stays on one instance (today's behaviour).
void test_no_share_no_spill(void**) {
  Harness h;
  primary_full(h);
  h.instance = "a";
  expect_actions(h.feed(invite(kDmCarol, kCarol, "c3", 1, h.now)), h.admission(3, false, 60000));
}

// Dave: the primary is still full, the linked room has space: no new room.
void test_second_spill_takes_room_with_space(void**) {
  Harness h(cascade_config());
  primary_full(h);
  carol_spills(h);
  expect_actions(h.feed(invite(kDmDave, kDave, "c4", 1, h.now)),
                 {JanusAttach{4, kFocus, "b"}, SetTimer{lifetime_timer(4), 60000},
                  SetTimer{setup_timer(4), 20000}});
}

// The linked room full too: a third room, on neither "a" nor "b".
void test_full_linked_room_spills_further(void**) {
  Config c = cascade_config();
  c.conference_share["b"] = 1;
  Harness h(c);
  primary_full(h);
  carol_spills(h);
  const std::vector<Action> got = h.feed(invite(kDmDave, kDave, "c4", 1, h.now));
  assert_true(contains(got, JanusCreateRoom{kFocus, kGroup, 2, {"a", "b"}}));
}

// Carol, the linked room's only caller, hangs up: its link ends are left and it is destroyed;
// the conference goes on.
void test_emptied_linked_room_torn_down(void**) {
  Harness h(cascade_config());
  primary_full(h);
  carol_spills(h);
  std::vector<Action> expected = {CancelTimer{setup_timer(3)}, JanusLeave{3, 103, 203},
                                  JanusDestroySession{3, 103}};
  expected.insert(expected.end(), kLinkedTeardown.begin(), kLinkedTeardown.end());
  expect_actions(h.feed(call_event<CallHangup>(kDmCarol, kCarol, "c3", 1)), expected);
  assert_int_equal(h.state.gauges().cascade_rooms, 0);
  assert_false(h.state.tracked_rooms().contains("b"));
  // The next caller beyond the share gets a new linked room.
  const std::vector<Action> got = h.feed(invite(kDmDave, kDave, "c4", 1, h.now));
  assert_true(contains(got, JanusCreateRoom{kFocus, kGroup, 2, {"a"}}));
}

// The focus removed from the group room: every room of the conference goes, links first.
void test_conference_end_tears_everything_down(void**) {
  Harness h(cascade_config());
  primary_full(h);
  carol_spills(h);
  const std::vector<Action> got =
      without_logs(h.feed(member(kGroup, kFocus, kAlice, Membership::kLeave)));
  std::vector<Action> tail(got.end() - 4, got.end());
  std::vector<Action> expected = kLinkedTeardown;
  expected.push_back(JanusDestroyRoom{kJanusRoom, "a"});
  if (tail != expected) {
    print_actions("got", got);
    fail_msg("not torn down");
  }
  assert_true(h.state.tracked_rooms().empty());
}

// A snapshot with a linked room restores to the same state; the restart keeps both link ends'
// sessions alive and resumes the calls on their instances.
void test_state_round_trip(void**) {
  Harness h(cascade_config());
  primary_full(h);
  carol_spills(h);
  GlueState restored(cascade_config());
  const std::vector<Action> resume = restart(h, restored);
  assert_string_equal(restored.snapshot().c_str(), h.state.snapshot().c_str());
  assert_true(contains(resume, JanusLinkResume{"a", 500}));
  assert_true(contains(resume, JanusLinkResume{"b", 510}));
  assert_true(contains(resume, JanusResume{3, session_of(3), handle_of(3), "b"}));
  assert_true(restored.tracked_rooms().at("b").contains(kLinkedRoom));
  // It carries on: Carol's hangup tears the linked room down.
  const std::vector<Action> got =
      restored.handle(call_event<CallHangup>(kDmCarol, kCarol, "c3", 1), h.now);
  for (const Action& a : kLinkedTeardown) assert_true(contains(got, a));
}

// A restart mid-set-up sends the step whose answer was lost again.
void test_restart_mid_link_resends_step(void**) {
  Harness h(cascade_config());
  half_linked(h);
  GlueState restored(cascade_config());
  const std::vector<Action> resume = restart(h, restored);
  assert_true(contains(resume, JanusLinkResume{"a", 500}));
  assert_true(contains(resume, JanusLinkJoin{kFocus, 1, "b", kLinkedRoom, "10.0.0.1", 4000}));
  for (const Action& a : resume) {
    if (const auto* at = std::get_if<JanusAttach>(&a)) assert_true(at->call != 3);
  }
}

// The link join on the linked room fails: Carol is refused (reject: her call was never
// answered) with a notice saying why, the primary's end is left and the room destroyed.
void test_link_failure_refuses_caller(void**) {
  Harness h(cascade_config());
  half_linked(h);
  expect_actions(
      h.feed(JanusLinkError{kFocus, 1, 456, "No such room"}),
      {CancelTimer{lifetime_timer(3)}, CancelTimer{setup_timer(3)},
       SendEvent{kFocus, kDmCarol, "m.call.reject", hangup_json("c3", 1, "unknown_error"), txn(3)},
       SendEvent{kFocus, kDmCarol, "m.room.message", notice_json(kLinkFailedNotice), txn(4)},
       JanusLinkLeave{"a", 500, 501}, JanusDestroyRoom{kLinkedRoom, "b"}});
  const StateGauges g = h.state.gauges();
  assert_int_equal(g.link_setups[1], 1);
  assert_int_equal(g.cascade_rooms, 0);
  assert_false(h.state.tracked_rooms().contains("b"));
  // A late answer to a dropped set-up is undone.
  expect_actions(h.feed(JanusLinkJoined{kFocus, 1, "b", {600, 601, 902, "10.0.0.2", 5000}}),
                 {JanusLinkLeave{"b", 600, 601}});
}

// No other instance for the linked room: the same refusal.
void test_linked_room_not_created_refuses_caller(void**) {
  Harness h(cascade_config());
  primary_full(h);
  h.feed(invite(kDmCarol, kCarol, "c3", 1, h.now));
  const std::vector<Action> got =
      h.feed(JanusRoomError{kFocus, 0, "no other live Janus instance for a linked room", 1});
  assert_true(contains(got, SendEvent{kFocus, kDmCarol, "m.call.reject",
                                      hangup_json("c3", 1, "unknown_error"), txn(3)}));
  assert_int_equal(h.state.gauges().link_setups[1], 1);
}

// The linked room's instance dies: Carol is called back, to a new linked room (the primary is
// still full); the primary's end of the dead link is left, nothing goes to "b".
void test_linked_instance_lost_calls_back(void**) {
  Harness h(cascade_config());
  primary_full(h);
  carol_spills(h);
  const std::vector<Action> got = without_logs(h.feed(JanusLost{"gone", "b", true}));
  assert_true(contains(got, JanusLinkLeave{"a", 500, 501}));
  assert_true(contains(got, JanusCreateRoom{kFocus, kGroup, 2, {"a"}}));
  for (const Action& a : got) {
    if (const auto* l = std::get_if<JanusLinkLeave>(&a)) assert_true(l->instance != "b");
    assert_false(std::holds_alternative<JanusDestroyRoom>(a));
    assert_false(std::holds_alternative<JanusLeave>(a));
  }
  // Alice and Bob on "a" are untouched.
  assert_int_equal(h.state.gauges().calls[static_cast<int>(CallState::kAnswered)], 2);
  assert_int_equal(h.state.gauges().calls[static_cast<int>(CallState::kCallingBack)], 1);
}

// The primary's instance dies: everyone is called back, the linked room on "b" goes.
void test_primary_instance_lost_moves_all(void**) {
  Harness h(cascade_config());
  primary_full(h);
  carol_spills(h);
  const std::vector<Action> got = without_logs(h.feed(JanusLost{"gone", "a", true}));
  assert_true(contains(got, JanusLinkLeave{"b", 510, 511}));
  assert_true(contains(got, JanusDestroyRoom{kLinkedRoom, "b"}));
  assert_true(contains(got, JanusCreateRoom{kFocus, kGroup}));
  assert_false(contains(got, JanusLinkLeave{"a", 500, 501}));
  assert_int_equal(h.state.gauges().calls[static_cast<int>(CallState::kCallingBack)], 3);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spill_at_share),
      cmocka_unit_test(test_no_share_no_spill),
      cmocka_unit_test(test_second_spill_takes_room_with_space),
      cmocka_unit_test(test_full_linked_room_spills_further),
      cmocka_unit_test(test_emptied_linked_room_torn_down),
      cmocka_unit_test(test_conference_end_tears_everything_down),
      cmocka_unit_test(test_state_round_trip),
      cmocka_unit_test(test_restart_mid_link_resends_step),
      cmocka_unit_test(test_link_failure_refuses_caller),
      cmocka_unit_test(test_linked_room_not_created_refuses_caller),
      cmocka_unit_test(test_linked_instance_lost_calls_back),
      cmocka_unit_test(test_primary_instance_lost_moves_all),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
