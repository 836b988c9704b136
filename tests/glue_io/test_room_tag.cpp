// The tag of the glue's Janus rooms: this deployment's rooms carry it, nobody else's do.
#include <string>

#include "room_tag.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

void test_tagged_description_has_the_tag(void** /*state*/) {
  const std::string tag = glue::deployment_tag("fs_", "example.org");
  const std::string d = glue::tagged_description(tag, "!room:example.org");
  assert_string_equal(d.c_str(), "[matrix-glue fs_:example.org] !room:example.org");
  assert_true(glue::has_tag(d, tag));
}

void test_others_rooms_are_not_tagged(void** /*state*/) {
  const std::string tag = glue::deployment_tag("fs_", "example.org");
  assert_false(glue::has_tag("!room:example.org", tag));
  assert_false(glue::has_tag("", tag));
  // Another deployment: another prefix or another homeserver.
  assert_false(glue::has_tag(
      glue::tagged_description(glue::deployment_tag("fs2_", "example.org"), "!room:example.org"),
      tag));
  assert_false(glue::has_tag(
      glue::tagged_description(glue::deployment_tag("fs_", "example.com"), "!r:x"), tag));
  // The tag alone somewhere else in a description is not the mark.
  assert_false(glue::has_tag("my [matrix-glue fs_:example.org] room", tag));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tagged_description_has_the_tag),
      cmocka_unit_test(test_others_rooms_are_not_tagged),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
