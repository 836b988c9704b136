// Where a new conference goes: the live Janus instance with the least load per unit of weight.
#include <vector>

#include "janus_placement.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

using glue::InstanceLoad;
using glue::place_conference;

void test_none_up(void** /*state*/) {
  assert_false(place_conference({}).has_value());
  assert_false(place_conference({{false, 1, 0, 0}, {false, 5, 0, 0}}).has_value());
}

void test_down_instance_takes_nothing(void** /*state*/) {
  // The idle one is down: the loaded live one gets it.
  assert_int_equal(*place_conference({{false, 1, 0, 0}, {true, 1, 40, 10}}), 1);
}

void test_least_loaded_first_of_equals(void** /*state*/) {
  assert_int_equal(*place_conference({{true, 1, 0, 0}, {true, 1, 0, 0}, {true, 1, 0, 0}}), 0);
  assert_int_equal(*place_conference({{true, 1, 3, 1}, {true, 1, 2, 1}, {true, 1, 5, 2}}), 1);
}

// A room with nobody in it yet still counts: conferences created at once spread.
void test_empty_rooms_count(void** /*state*/) {
  assert_int_equal(*place_conference({{true, 1, 0, 1}, {true, 1, 0, 0}}), 1);
}

// Weight is capacity: an instance of weight 2 takes twice the load before it is passed over.
void test_weight(void** /*state*/) {
  assert_int_equal(*place_conference({{true, 1, 0, 0}, {true, 2, 0, 0}}), 1);
  assert_int_equal(*place_conference({{true, 1, 2, 1}, {true, 2, 4, 2}}), 1);
  assert_int_equal(*place_conference({{true, 1, 2, 1}, {true, 2, 6, 2}}), 0);
  std::vector<InstanceLoad> pool = {{true, 1, 0, 0}, {true, 2, 0, 0}, {true, 1, 0, 0}};
  int placed[3] = {0, 0, 0};
  for (int n = 0; n < 8; ++n) {
    const std::size_t i = *place_conference(pool);
    ++placed[i];
    ++pool[i].conferences;
    pool[i].participants += 2;
  }
  assert_int_equal(placed[0], 2);
  assert_int_equal(placed[1], 4);
  assert_int_equal(placed[2], 2);
}

// Participants the plugin reports (in rooms other clients made too) take headroom: the
// instance with fewer conferences of ours but more people is passed over.
void test_reported_participants_count(void** /*state*/) {
  assert_int_equal(*place_conference({{true, 1, 12, 1}, {true, 1, 4, 3}}), 1);
  assert_int_equal(*place_conference({{true, 1, 12, 1}, {true, 2, 8, 3}}), 1);
}

// Above the high-water mark an instance takes nothing while another is below it, however
// few participants it has; when every live one is above, the least loaded still gets it.
void test_tick_load_high_water(void** /*state*/) {
  assert_int_equal(*place_conference({{true, 1, 0, 0, 0.9}, {true, 1, 30, 10, 0.5}}, 0.8), 1);
  assert_int_equal(*place_conference({{true, 1, 0, 0, 0.8}, {true, 1, 30, 10, 0.5}}, 0.8), 0);
  assert_int_equal(*place_conference({{true, 1, 0, 0, 0.95}, {true, 1, 30, 10, 0.9}}, 0.8), 0);
  // A down instance below the mark does not make the live ones above it ineligible.
  assert_int_equal(*place_conference({{false, 1, 0, 0, 0.1}, {true, 1, 30, 10, 0.9}}, 0.8), 1);
  // Without a mark (1.0) the tick load does not matter.
  assert_int_equal(*place_conference({{true, 1, 0, 0, 0.99}, {true, 1, 30, 10, 0.1}}), 0);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_none_up),
      cmocka_unit_test(test_down_instance_takes_nothing),
      cmocka_unit_test(test_least_loaded_first_of_equals),
      cmocka_unit_test(test_empty_rooms_count),
      cmocka_unit_test(test_weight),
      cmocka_unit_test(test_reported_participants_count),
      cmocka_unit_test(test_tick_load_high_water),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
