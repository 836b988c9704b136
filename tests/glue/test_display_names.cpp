// The name on a caller's video tile: their display name in the group room (else the user ID),
// passed in `join` and changed with `configure` while they are in the conference.
#include "glue_harness.h"

namespace {

using namespace gt;

MemberEvent named(const std::string& user, const std::string& displayname) {
  MemberEvent e = member(kGroup, user, user, Membership::kJoin);
  e.displayname = displayname;
  return e;
}

// kGroup joined by the focus; Alice is "Alice A." there, Bob has no display name.
void setup(Harness& h) {
  expect_actions(h.feed(member(kGroup, kFocus, kAlice, Membership::kInvite)),
                 {JoinRoom{kFocus, kGroup}});
  h.feed(JoinResult{kGroup, kFocus, true});
  expect_actions(
      h.feed(MembersRead{kGroup, kFocus, {kAlice, kBob, kFocus}, {{kAlice, "Alice A."}}}), {});
  h.join_direct(kFocus, kDmAlice, kAlice);
  h.join_direct(kFocus, kDmBob, kBob);
}

// Invite, room, attach: returns the actions of the attach (the join).
std::vector<Action> attach(Harness& h, CallRef ref, const std::string& dm,
                           const std::string& caller, bool first) {
  h.feed(invite(dm, caller, "c" + std::to_string(ref), 1, h.now));
  if (first) h.feed(JanusRoomCreated{kFocus, kJanusRoom});
  return h.feed(JanusAttached{ref, session_of(ref), handle_of(ref)});
}

void test_join_carries_the_display_name(void**) {
  Harness h;
  setup(h);
  expect_actions(attach(h, 1, kDmAlice, kAlice, true),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, "Alice A.", kOffer}});
  // No display name: the user ID.
  expect_actions(attach(h, 2, kDmBob, kBob, false),
                 {JanusJoin{2, session_of(2), handle_of(2), kJanusRoom, kBob, kOffer}});
}

void test_a_changed_name_reaches_janus(void**) {
  Harness h;
  setup(h);
  attach(h, 1, kDmAlice, kAlice, true);
  expect_actions(h.feed(named(kAlice, "Alice \"The Boss\" Ä")),
                 {JanusRename{1, session_of(1), handle_of(1), "Alice \"The Boss\" Ä"}});
  // Another profile change (an avatar) keeps the name: nothing to do.
  expect_actions(h.feed(named(kAlice, "Alice \"The Boss\" Ä")), {});
  // The name removed: back to the user ID.
  expect_actions(h.feed(named(kAlice, "")), {JanusRename{1, session_of(1), handle_of(1), kAlice}});
  // Someone without a call: remembered for their join.
  expect_actions(h.feed(named(kBob, "Bob B.")), {});
  expect_actions(attach(h, 2, kDmBob, kBob, false),
                 {JanusJoin{2, session_of(2), handle_of(2), kJanusRoom, "Bob B.", kOffer}});
}

void test_a_name_before_the_join_goes_into_the_join(void**) {
  Harness h;
  setup(h);
  h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now));
  expect_actions(h.feed(named(kAlice, "Alicia")), {});  // no handle yet
  h.feed(JanusRoomCreated{kFocus, kJanusRoom});
  expect_actions(h.feed(JanusAttached{1, session_of(1), handle_of(1)}),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, "Alicia", kOffer}});
}

// A member who leaves and comes back without a name is shown by user ID.
void test_a_leaver_forgets_the_name(void**) {
  Harness h;
  setup(h);
  h.feed(member(kGroup, kAlice, kAlice, Membership::kLeave));
  h.feed(member(kGroup, kAlice, kAlice, Membership::kJoin));
  expect_actions(attach(h, 1, kDmAlice, kAlice, true),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, kAlice, kOffer}});
}

// The names are part of the saved state: a restarted glue still knows them.
void test_names_survive_a_restart(void**) {
  Harness h;
  setup(h);
  Harness restarted;
  std::vector<Action> resume;
  std::string error;
  assert_true(restarted.state.restore(h.state.snapshot(), h.now, &resume, &error));
  expect_actions(attach(restarted, 1, kDmAlice, kAlice, true),
                 {JanusJoin{1, session_of(1), handle_of(1), kJanusRoom, "Alice A.", kOffer}});
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_join_carries_the_display_name),
      cmocka_unit_test(test_a_changed_name_reaches_janus),
      cmocka_unit_test(test_a_name_before_the_join_goes_into_the_join),
      cmocka_unit_test(test_a_leaver_forgets_the_name),
      cmocka_unit_test(test_names_survive_a_restart),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
