// FreeType captions: opening fonts (missing and non-font files fail with the
// path in the error), UTF-8 (non-Latin scripts, malformed bytes, control
// characters), ellipsizing to a width, and size scaling.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "caption_font.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::AlphaMask;
using mcu::CaptionFont;

std::unique_ptr<CaptionFont> dejavu() {
  std::string error;
  auto font = CaptionFont::open(mcu::kDefaultCaptionFont, &error);
  assert_non_null(font.get());
  return font;
}

int max_alpha(const AlphaMask& m) {
  int best = 0;
  for (uint8_t a : m.alpha) best = a > best ? a : best;
  return best;
}

bool same(const AlphaMask& a, const AlphaMask& b) {
  return a.width == b.width && a.height == b.height && a.alpha == b.alpha;
}

void test_open_errors(void**) {
  std::string error;
  assert_null(CaptionFont::open("/nonexistent/font.ttf", &error).get());
  assert_non_null(strstr(error.c_str(), "/nonexistent/font.ttf"));
  char path[] = "/tmp/caption_font_testXXXXXX";
  const int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "not a font", 10), 10);
  close(fd);
  error.clear();
  assert_null(CaptionFont::open(path, &error).get());
  assert_non_null(strstr(error.c_str(), path));
  unlink(path);
}

void test_latin_name(void**) {
  auto font = dejavu();
  const AlphaMask m = font->render("Ann", 20, 1000);
  // DejaVu's ascender to descender is about 1.16 em.
  assert_in_range(m.height, 21, 26);
  assert_in_range(m.width, 25, 50);
  assert_int_equal(m.alpha.size(), static_cast<size_t>(m.width * m.height));
  assert_int_equal(max_alpha(m), 255);
  // Wider text, wider mask; the same text, the same mask.
  assert_true(font->render("Annabelle", 20, 1000).width > m.width);
  assert_true(same(font->render("Ann", 20, 1000), m));
}

void test_non_latin_names(void**) {
  auto font = dejavu();
  // A code point DejaVu lacks renders its missing-glyph box; these must not.
  const AlphaMask missing = font->render("\xEE\x80\x80", 20, 1000);  // U+E000
  for (const char* name : {"\xD0\x96", "\xCE\xA9", "\xD7\x90"}) {    // Ж, Ω, א
    const AlphaMask m = font->render(name, 20, 1000);
    assert_int_equal(max_alpha(m), 255);
    assert_false(same(m, missing));
  }
  const AlphaMask cyrillic = font->render("Анна Каренина", 20, 1000);
  assert_true(cyrillic.width > font->render("Анна", 20, 1000).width);
}

void test_long_name_ellipsized(void**) {
  auto font = dejavu();
  const AlphaMask want = font->render("Maximilian\xE2\x80\xA6", 20, 1000);
  // Exactly as wide as "Maximilian…": cut after the word, no space before the dots.
  const AlphaMask cut = font->render("Maximilian Mustermann-Schmidt", 20, want.width);
  assert_true(same(cut, want));
  const AlphaMask narrow = font->render("Maximilian Mustermann-Schmidt", 20, 60);
  assert_in_range(narrow.width, 1, 60);
  // Not even the ellipsis fits: nothing.
  assert_true(font->render("Maximilian", 20, 3).empty());
  // A name of thousands of characters costs no more than a tile's worth.
  const AlphaMask huge = font->render(std::string(100000, 'W'), 20, 300);
  assert_in_range(huge.width, 250, 300);
}

void test_scales_with_size(void**) {
  auto font = dejavu();
  const AlphaMask small = font->render("Bob", 12, 1000);
  const AlphaMask large = font->render("Bob", 48, 1000);
  assert_in_range(large.height, 4 * small.height - 6, 4 * small.height + 6);
  assert_in_range(large.width, 4 * small.width - 8, 4 * small.width + 8);
  // Sizes are clamped, not trusted.
  assert_true(font->render("Bob", 100000, 100000).height < 400);
  assert_false(font->render("Bob", -5, 1000).empty());
}

void test_bad_text(void**) {
  auto font = dejavu();
  assert_true(font->render("", 20, 1000).empty());
  assert_true(font->render("Ann", 20, 0).empty());
  const AlphaMask fffd2 = font->render("\xEF\xBF\xBD\xEF\xBF\xBD", 20, 1000);
  assert_true(same(font->render("\xFF\xFE", 20, 1000), fffd2));           // invalid bytes
  assert_true(same(font->render("\xC0\xAF\xED\xA0\x80", 20, 1000),        // overlong, surrogate
                   font->render("\xEF\xBF\xBD\xEF\xBF\xBD", 20, 1000)));  //
  assert_true(same(font->render("A\xE2\x80", 20, 1000),                   // cut short
                   font->render("A\xEF\xBF\xBD", 20, 1000)));
  assert_true(same(font->render("A\nB\tC", 20, 1000), font->render("A B C", 20, 1000)));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_errors),      cmocka_unit_test(test_latin_name),
      cmocka_unit_test(test_non_latin_names),  cmocka_unit_test(test_long_name_ellipsized),
      cmocka_unit_test(test_scales_with_size), cmocka_unit_test(test_bad_text),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
