// Names on tiles, checked on the pixels of the I420 canvas: the band along a
// picture's bottom (darkened, white text, nothing outside the tile touched),
// the name centred on a tile without video, and sizes that follow the tile.
#include <cmath>
#include <memory>
#include <string>

#include "caption_font.h"
#include "i420_compositor.h"
#include "tile_caption.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::AlphaMask;
using mcu::I420Image;
using mcu::Rect;
using mcu::YuvColor;

constexpr YuvColor kGrey{128, 128, 128};
constexpr YuvColor kRed{81, 90, 240};

std::unique_ptr<mcu::CaptionFont> dejavu() {
  std::string error;
  auto font = mcu::CaptionFont::open(mcu::kDefaultCaptionFont, &error);
  assert_non_null(font.get());
  return font;
}

uint8_t Y(const I420Image& img, int x, int y) {
  return img.y()[y * img.stride_y() + x];
}

struct Stats {
  double mean = 0;
  double stddev = 0;
  int max = 0;
};

Stats luma_stats(const I420Image& img, const Rect& r) {
  double sum = 0, sq = 0;
  int max = 0;
  for (int y = r.y; y < r.y + r.h; ++y) {
    for (int x = r.x; x < r.x + r.w; ++x) {
      sum += Y(img, x, y);
      sq += Y(img, x, y) * Y(img, x, y);
      max = Y(img, x, y) > max ? Y(img, x, y) : max;
    }
  }
  const double n = static_cast<double>(r.w) * r.h;
  return {sum / n, std::sqrt(sq / n - (sum / n) * (sum / n)), max};
}

// Luma samples outside `r` that are not `c`.
int changed_outside(const I420Image& img, const Rect& r, YuvColor c) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x)
      if ((x < r.x || x >= r.x + r.w || y < r.y || y >= r.y + r.h) && Y(img, x, y) != c.y) ++n;
  return n;
}

AlphaMask band_text(const mcu::CaptionFont& font, const std::string& name, const Rect& tile) {
  const mcu::CaptionSize size = mcu::band_caption_size(tile);
  return font.render(name, size.pixel_size, size.max_width);
}

void test_band_over_picture(void**) {
  auto font = dejavu();
  I420Image canvas(640, 480);
  mcu::fill_rect(&canvas, Rect{0, 0, 640, 480}, kGrey);
  const Rect tile{320, 240, 320, 240};
  const AlphaMask text = band_text(*font, "Ann Example", tile);
  mcu::draw_caption_band(&canvas, tile, text);
  assert_int_equal(changed_outside(canvas, tile, kGrey), 0);

  // The band: the bottom rows of the tile, darker; above it the picture is untouched.
  int band_top = tile.y + tile.h;
  while (band_top > tile.y && Y(canvas, tile.x + tile.w - 2, band_top - 1) != kGrey.y) --band_top;
  const int band_h = tile.y + tile.h - band_top;
  assert_in_range(band_h, text.height + 4, text.height + 20);
  assert_int_equal(Y(canvas, tile.x + tile.w - 2, tile.y + tile.h - 1),
                   58);  // 128 -> 16 at 160/255
  // The text in it: white strokes on the dark band, so high contrast.
  const Stats band = luma_stats(canvas, Rect{tile.x, band_top, tile.w, band_h});
  assert_true(band.max >= 220);
  assert_true(band.stddev > 20);
  // Left-aligned: the left third has ink, the right end none.
  assert_true(luma_stats(canvas, Rect{tile.x, band_top, tile.w / 3, band_h}).max >= 220);
  assert_int_equal(luma_stats(canvas, Rect{tile.x + tile.w - 40, band_top, 40, band_h}).max, 58);
  // Text is neutral: the band's chroma stays grey.
  const int cx = (tile.x + 20) / 2;
  const int cy = (tile.y + tile.h - band_h / 2) / 2;
  assert_in_range(canvas.u()[cy * canvas.stride_uv() + cx], 126, 130);
}

void test_band_keeps_colour_under_it(void**) {
  auto font = dejavu();
  I420Image canvas(320, 240);
  mcu::fill_rect(&canvas, Rect{0, 0, 320, 240}, kRed);
  const Rect tile{0, 0, 320, 240};
  mcu::draw_caption_band(&canvas, tile, band_text(*font, "Bob", tile));
  // Semi-transparent: red is darker and paler under the band, but still red.
  const uint8_t v = canvas.v()[119 * canvas.stride_uv() + 159];
  assert_in_range(v, 129, 239);
  assert_true(v > 160);
}

void test_no_text_no_band(void**) {
  I420Image canvas(320, 240);
  mcu::fill_rect(&canvas, Rect{0, 0, 320, 240}, kGrey);
  mcu::draw_caption_band(&canvas, Rect{0, 0, 320, 240}, AlphaMask{});
  assert_int_equal(changed_outside(canvas, Rect{}, kGrey), 0);
}

void test_sizes_follow_tile(void**) {
  const mcu::CaptionSize big = mcu::band_caption_size(Rect{0, 0, 1280, 720});
  const mcu::CaptionSize mid = mcu::band_caption_size(Rect{0, 0, 320, 240});
  const mcu::CaptionSize small = mcu::band_caption_size(Rect{0, 0, 128, 96});
  assert_int_equal(big.pixel_size, 48);
  assert_int_equal(mid.pixel_size, 20);
  assert_int_equal(small.pixel_size, 10);
  assert_true(mid.max_width < 320 && mid.max_width > 280);
  assert_int_equal(mcu::band_caption_size(Rect{0, 0, 30, 30}).pixel_size, 0);
  assert_int_equal(mcu::name_tile_size(Rect{0, 0, 320, 240}).pixel_size, 40);
  assert_int_equal(mcu::name_tile_size(Rect{0, 0, 38, 240}).pixel_size, 0);
}

void test_name_tile(void**) {
  auto font = dejavu();
  I420Image canvas(640, 480);
  mcu::fill_rect(&canvas, Rect{0, 0, 640, 480}, kGrey);
  const Rect tile{0, 0, 320, 240};
  const mcu::CaptionSize size = mcu::name_tile_size(tile);
  const AlphaMask name = font->render("Zoë", size.pixel_size, size.max_width);
  mcu::draw_name_tile(&canvas, tile, mcu::kYuvDarkGrey, name);
  assert_int_equal(changed_outside(canvas, tile, kGrey), 0);
  // Background in the corners, the name's ink around the middle, centred.
  assert_int_equal(Y(canvas, 2, 2), mcu::kYuvDarkGrey.y);
  assert_int_equal(Y(canvas, 317, 237), mcu::kYuvDarkGrey.y);
  int x0 = 320, x1 = 0, y0 = 240, y1 = 0;
  for (int y = 0; y < 240; ++y) {
    for (int x = 0; x < 320; ++x) {
      if (Y(canvas, x, y) < 200) continue;
      x0 = x < x0 ? x : x0;
      x1 = x > x1 ? x : x1;
      y0 = y < y0 ? y : y0;
      y1 = y > y1 ? y : y1;
    }
  }
  assert_true(x1 > x0 && y1 > y0);
  assert_in_range((x0 + x1) / 2, 150, 170);
  assert_in_range((y0 + y1) / 2, 105, 135);
  // No name: the plain background.
  mcu::draw_name_tile(&canvas, tile, mcu::kYuvDarkGrey, AlphaMask{});
  assert_int_equal(luma_stats(canvas, tile).max, mcu::kYuvDarkGrey.y);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_band_over_picture), cmocka_unit_test(test_band_keeps_colour_under_it),
      cmocka_unit_test(test_no_text_no_band),   cmocka_unit_test(test_sizes_follow_tile),
      cmocka_unit_test(test_name_tile),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
