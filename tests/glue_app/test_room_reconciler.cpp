// Reconciliation destroys this deployment's untracked rooms and nothing else.
#include <set>
#include <string>
#include <vector>

#include "room_reconciler.h"
#include "room_tag.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

void test_only_tagged_untracked_rooms(void** /*state*/) {
  const std::string tag = glue::deployment_tag("fs_", "example.org");
  const std::string other = glue::deployment_tag("fs_", "example.com");
  const std::vector<glue::ListedRoom> listed = {
      {1, glue::tagged_description(tag, "!a:example.org")},    // tracked: kept
      {2, glue::tagged_description(tag, "!b:example.org")},    // leftover
      {3, "!c:example.org"},                                   // someone else's: kept
      {4, glue::tagged_description(other, "!d:example.com")},  // another glue's: kept
      {5, glue::tagged_description(tag, "!e:example.org")},    // leftover
  };
  const auto leftovers = glue::leftover_rooms(listed, {1, 9}, tag);
  assert_int_equal(leftovers.size(), 2);
  assert_int_equal(leftovers[0].room, 2);
  assert_int_equal(leftovers[1].room, 5);
  assert_true(glue::leftover_rooms(listed, {1, 2, 5}, tag).empty());
  assert_true(glue::leftover_rooms({}, {}, tag).empty());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_only_tagged_untracked_rooms),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
