// A caption is rendered when its name or size changes, not on every frame.
#include <memory>
#include <string>

#include "caption_cache.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

void test_renders_once_per_name_and_size(void**) {
  std::string error;
  auto font = mcu::CaptionFont::open(mcu::kDefaultCaptionFont, &error);
  assert_non_null(font.get());
  mcu::CaptionCache cache;
  const int width = cache.get(*font, "Ann", 20, 300).width;
  for (int i = 0; i < 100; ++i) assert_int_equal(cache.get(*font, "Ann", 20, 300).width, width);
  assert_int_equal(cache.renders(), 1);
  assert_true(cache.get(*font, "Annabelle", 20, 300).width > width);  // new name
  assert_int_equal(cache.renders(), 2);
  cache.get(*font, "Annabelle", 24, 300);  // the tile grew
  cache.get(*font, "Annabelle", 24, 40);   // or narrowed
  cache.get(*font, "Annabelle", 24, 40);
  assert_int_equal(cache.renders(), 4);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_renders_once_per_name_and_size),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
