// The rooms the state tracks per Janus instance, which reconciliation keeps: a conference's
// room once created, no longer once its instance was lost.
#include "glue_harness.h"

namespace {

using namespace gt;

void test_tracked_until_the_instance_is_lost(void**) {
  Harness h;
  h.instance = "a";
  assert_true(h.state.tracked_rooms().empty());
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  const auto tracked = h.state.tracked_rooms();
  assert_int_equal(tracked.size(), 1);
  assert_true(tracked.at("a") == std::set<std::uint64_t>{kJanusRoom});
  h.feed(JanusLost{"frozen", "b"});  // another instance: nothing changes
  assert_true(h.state.tracked_rooms() == tracked);
  h.feed(JanusLost{"frozen", "a"});
  assert_true(h.state.tracked_rooms().empty());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tracked_until_the_instance_is_lost),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
