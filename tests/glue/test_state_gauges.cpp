// The state machine's figures for /metrics: focus users per stage, calls per state.
#include "glue_harness.h"
#include "state_gauges.h"

namespace {

using namespace gt;

using Calls = std::array<std::int64_t, kCallStateNames.size()>;

Calls calls(std::int64_t attaching, std::int64_t joining, std::int64_t answered,
            std::int64_t connected, std::int64_t peer_gone) {
  return {attaching, joining, answered, connected, peer_gone};
}

void expect(const Harness& h, std::array<std::int64_t, 3> focuses, Calls by_state,
            std::int64_t participants) {
  const StateGauges g = h.state.gauges();
  assert_true(g.focuses == focuses);
  for (size_t i = 0; i < by_state.size(); ++i) {
    if (g.calls[i] != by_state[i]) {
      fail_msg("calls{state=%s}: %lld, want %lld", std::string(kCallStateNames[i]).c_str(),
               static_cast<long long>(g.calls[i]), static_cast<long long>(by_state[i]));
    }
  }
  assert_int_equal(g.participants, participants);
}

void test_a_call_through_its_states(void**) {
  Harness h;
  expect(h, {0, 0, 0}, calls(0, 0, 0, 0, 0), 0);
  h.feed(member(kGroup, kFocus, kAlice, Membership::kInvite));
  expect(h, {1, 0, 0}, calls(0, 0, 0, 0, 0), 0);
  h.feed(JoinResult{kGroup, kFocus, true});
  expect(h, {0, 1, 0}, calls(0, 0, 0, 0, 0), 0);
  h.feed(MembersRead{kGroup, kFocus, {kAlice, kBob, kFocus}});
  h.join_direct(kFocus, kDmAlice, kAlice);
  h.join_direct(kFocus, kDmBob, kBob);
  expect(h, {0, 0, 1}, calls(0, 0, 0, 0, 0), 0);
  h.feed(invite(kDmAlice, kAlice, "c1", 1, h.now));
  h.feed(invite(kDmBob, kBob, "c2", 1, h.now));
  expect(h, {0, 0, 1}, calls(2, 0, 0, 0, 0), 0);
  h.feed(JanusRoomCreated{kFocus, kJanusRoom});
  h.feed(JanusAttached{1, session_of(1), handle_of(1)});
  expect(h, {0, 0, 1}, calls(1, 1, 0, 0, 0), 0);
  h.feed(JanusJoined{1, kAnswer});
  expect(h, {0, 0, 1}, calls(1, 0, 1, 0, 0), 1);
  h.feed(JanusMediaUp{1});
  expect(h, {0, 0, 1}, calls(1, 0, 0, 1, 0), 1);
  h.feed(JanusCallGone{1, "hangup: DTLS alert"});
  expect(h, {0, 0, 1}, calls(1, 0, 0, 0, 1), 0);
  h.feed(TimerFired{call_timer_id(TimerKind::kHangupGrace, 1)});
  expect(h, {0, 0, 1}, calls(1, 0, 0, 0, 0), 0);
  // The last call ends: the focus leaves (S7) and is counted no more.
  h.feed(call_event<CallHangup>(kDmBob, kBob, "c2", 1));
  expect(h, {0, 0, 0}, calls(0, 0, 0, 0, 0), 0);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_call_through_its_states),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
