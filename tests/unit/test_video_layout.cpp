// Tile geometry: every tile count in both layouts on even and odd canvases
// (inside, disjoint, even-aligned, documented sizes) and aspect fitting of
// wide, tall and square sources.
#include <vector>

#include "video_layout.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::LayoutKind;
using mcu::Rect;

struct Canvas {
  int w;
  int h;
};

// Even, odd and small canvases; all large enough for 16 tiles.
constexpr Canvas kCanvases[] = {{1280, 720}, {640, 480}, {1281, 721}, {333, 187}, {40, 40}};

int even_floor(int v) {
  return v & ~1;
}

bool overlap(const Rect& a, const Rect& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

// Inside the canvas, even-aligned, non-empty, pairwise disjoint.
void check_common(const std::vector<Rect>& tiles, int n, const Canvas& c) {
  assert_int_equal(tiles.size(), n);
  for (size_t i = 0; i < tiles.size(); ++i) {
    const Rect& r = tiles[i];
    assert_true(r.w >= 2 && r.h >= 2);
    assert_true(r.x >= 0 && r.y >= 0);
    assert_true(r.x + r.w <= c.w && r.y + r.h <= c.h);
    assert_int_equal(r.x % 2, 0);
    assert_int_equal(r.y % 2, 0);
    assert_int_equal(r.w % 2, 0);
    assert_int_equal(r.h % 2, 0);
    for (size_t j = i + 1; j < tiles.size(); ++j) assert_false(overlap(r, tiles[j]));
  }
}

void test_grid_dimensions(void**) {
  const int expect_cols[17] = {0, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4};
  const int expect_rows[17] = {0, 1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4};
  for (int n = 0; n <= 16; ++n) {
    int cols = -1;
    int rows = -1;
    mcu::grid_dimensions(n, &cols, &rows);
    assert_int_equal(cols, expect_cols[n]);
    assert_int_equal(rows, expect_rows[n]);
  }
  int cols = -1;
  int rows = -1;
  mcu::grid_dimensions(17, &cols, &rows);
  assert_int_equal(cols, 0);
  assert_int_equal(rows, 0);
}

void test_grid_every_count(void**) {
  for (const Canvas& c : kCanvases) {
    const int we = even_floor(c.w);
    const int he = even_floor(c.h);
    for (int n = 1; n <= 16; ++n) {
      const std::vector<Rect> tiles = mcu::compute_layout(LayoutKind::kGrid, c.w, c.h, n, 3);
      check_common(tiles, n, c);
      int cols = 0;
      int rows = 0;
      mcu::grid_dimensions(n, &cols, &rows);
      int area = 0;
      for (int i = 0; i < n; ++i) {
        // Reading order, cell edges as documented.
        const int col = i % cols;
        const int row = i / cols;
        assert_int_equal(tiles[i].x, even_floor(col * we / cols));
        assert_int_equal(tiles[i].y, even_floor(row * he / rows));
        assert_int_equal(tiles[i].x + tiles[i].w, even_floor((col + 1) * we / cols));
        assert_int_equal(tiles[i].y + tiles[i].h, even_floor((row + 1) * he / rows));
        // Cells are equal up to the 2-pixel rounding.
        assert_true(tiles[i].w >= we / cols - 2 && tiles[i].w <= we / cols + 2);
        assert_true(tiles[i].h >= he / rows - 2 && tiles[i].h <= he / rows + 2);
        area += tiles[i].w * tiles[i].h;
      }
      // A full grid covers the even canvas exactly.
      if (n == cols * rows) assert_int_equal(area, we * he);
    }
  }
}

void test_grid_examples(void**) {
  std::vector<Rect> t = mcu::compute_layout(LayoutKind::kGrid, 1280, 720, 1);
  assert_int_equal(t.size(), 1);
  assert_int_equal(t[0].w, 1280);
  assert_int_equal(t[0].h, 720);
  t = mcu::compute_layout(LayoutKind::kGrid, 1280, 720, 2);
  assert_int_equal(t[0].x, 0);
  assert_int_equal(t[0].w, 640);
  assert_int_equal(t[0].h, 720);
  assert_int_equal(t[1].x, 640);
  assert_int_equal(t[1].y, 0);
  assert_int_equal(t[1].h, 720);
  t = mcu::compute_layout(LayoutKind::kGrid, 1280, 720, 3);
  assert_int_equal(t[2].x, 0);  // third tile starts the second row
  assert_int_equal(t[2].y, 360);
  assert_int_equal(t[2].w, 640);
  t = mcu::compute_layout(LayoutKind::kGrid, 1280, 720, 9);
  // 1280 / 3: edges 0, 426, 852, 1280.
  assert_int_equal(t[1].x, 426);
  assert_int_equal(t[2].x, 852);
  assert_int_equal(t[2].w, 428);
  assert_int_equal(t[8].y, 480);
  t = mcu::compute_layout(LayoutKind::kGrid, 1281, 721, 16);
  assert_int_equal(t[15].x + t[15].w, 1280);  // odd column and row stay unused
  assert_int_equal(t[15].y + t[15].h, 720);
}

void test_active_speaker_every_count(void**) {
  for (const Canvas& c : kCanvases) {
    const int we = even_floor(c.w);
    const int he = even_floor(c.h);
    const int small_w = even_floor(we / 5);
    const int small_h = even_floor(he / 5);
    for (int n = 1; n <= 16; ++n) {
      for (int speaker = 0; speaker < n; ++speaker) {
        const std::vector<Rect> tiles =
            mcu::compute_layout(LayoutKind::kActiveSpeaker, c.w, c.h, n, speaker);
        check_common(tiles, n, c);
        const Rect& big = tiles[speaker];
        if (n == 1) {
          assert_int_equal(big.w, we);
          assert_int_equal(big.h, he);
          continue;
        }
        const int others = n - 1;
        const int rows = (others + 4) / 5;
        assert_int_equal(big.x, 0);
        assert_int_equal(big.y, 0);
        assert_int_equal(big.w, we);
        assert_int_equal(big.h, he - rows * small_h);
        int k = 0;
        for (int i = 0; i < n; ++i) {
          if (i == speaker) continue;
          const Rect& r = tiles[i];
          assert_int_equal(r.w, small_w);
          assert_int_equal(r.h, small_h);
          // Order: rows of 5 from the top of the strip, left to right.
          assert_int_equal(r.y, big.h + (k / 5) * small_h);
          const int in_row = others - (k / 5) * 5 < 5 ? others - (k / 5) * 5 : 5;
          const int left = even_floor((we - in_row * small_w) / 2);
          assert_int_equal(r.x, left + (k % 5) * small_w);
          // Centred: the margins differ by at most 2.
          const int right = we - (left + in_row * small_w);
          assert_true(right - left >= 0 && right - left <= 2);
          ++k;
        }
        assert_int_equal(k, others);
      }
    }
  }
}

void test_active_speaker_examples(void**) {
  // 1280x720, 3 others: small 256x144, row centred at (1280 - 768) / 2 = 256.
  std::vector<Rect> t = mcu::compute_layout(LayoutKind::kActiveSpeaker, 1280, 720, 4, 2);
  assert_int_equal(t[2].w, 1280);
  assert_int_equal(t[2].h, 576);
  assert_int_equal(t[0].x, 256);
  assert_int_equal(t[0].y, 576);
  assert_int_equal(t[1].x, 512);
  assert_int_equal(t[3].x, 768);
  assert_int_equal(t[3].w, 256);
  assert_int_equal(t[3].h, 144);
  // 16: three rows of five, the speaker keeps 2/5 of the height.
  t = mcu::compute_layout(LayoutKind::kActiveSpeaker, 1280, 720, 16, 0);
  assert_int_equal(t[0].h, 720 - 3 * 144);
  assert_int_equal(t[15].x, 1024);
  assert_int_equal(t[15].y, 720 - 144);
  // Out-of-range speaker: participant 0 gets the big tile.
  const std::vector<Rect> none = mcu::compute_layout(LayoutKind::kActiveSpeaker, 1280, 720, 4, -1);
  const std::vector<Rect> big = mcu::compute_layout(LayoutKind::kActiveSpeaker, 1280, 720, 4, 9);
  const std::vector<Rect> zero = mcu::compute_layout(LayoutKind::kActiveSpeaker, 1280, 720, 4, 0);
  for (int i = 0; i < 4; ++i) {
    assert_int_equal(none[i].x, zero[i].x);
    assert_int_equal(none[i].y, zero[i].y);
    assert_int_equal(big[i].w, zero[i].w);
    assert_int_equal(big[i].h, zero[i].h);
  }
  assert_int_equal(zero[0].w, 1280);
}

void test_invalid_arguments(void**) {
  for (LayoutKind kind : {LayoutKind::kGrid, LayoutKind::kActiveSpeaker}) {
    assert_true(mcu::compute_layout(kind, 1280, 720, 0).empty());
    assert_true(mcu::compute_layout(kind, 1280, 720, 17).empty());
    assert_true(mcu::compute_layout(kind, 1280, 720, -1).empty());
    assert_true(mcu::compute_layout(kind, 0, 720, 1).empty());
    assert_true(mcu::compute_layout(kind, 1, 1, 1).empty());
    // Too small for 2x2 tiles.
    assert_true(mcu::compute_layout(kind, 6, 6, 16).empty());
  }
  assert_int_equal(mcu::compute_layout(LayoutKind::kGrid, 2, 3, 1).size(), 1);
  assert_int_equal(mcu::compute_layout(LayoutKind::kGrid, 8, 8, 16).size(), 16);
  // Active speaker: strip needs W, H >= 10 so small tiles are 2x2.
  assert_true(mcu::compute_layout(LayoutKind::kActiveSpeaker, 9, 40, 2).empty());
  assert_int_equal(mcu::compute_layout(LayoutKind::kActiveSpeaker, 10, 10, 2).size(), 2);
}

void check_fit(const Rect& f, const Rect& tile) {
  assert_true(f.w >= 2 && f.h >= 2);
  assert_int_equal(f.x % 2, 0);
  assert_int_equal(f.y % 2, 0);
  assert_int_equal(f.w % 2, 0);
  assert_int_equal(f.h % 2, 0);
  assert_true(f.x >= tile.x && f.y >= tile.y);
  assert_true(f.x + f.w <= tile.x + tile.w && f.y + f.h <= tile.y + tile.h);
  // Centred within the even rounding.
  const int dl = f.x - tile.x;
  const int dr = tile.x + tile.w - (f.x + f.w);
  const int dt = f.y - tile.y;
  const int db = tile.y + tile.h - (f.y + f.h);
  assert_true(dr - dl >= 0 && dr - dl <= 2);
  assert_true(db - dt >= 0 && db - dt <= 2);
}

void test_fit_examples(void**) {
  // Wide source in a tall tile: letterbox.
  const Rect tall_tile{640, 0, 640, 720};
  Rect f = mcu::fit_aspect(1920, 1080, tall_tile);
  assert_int_equal(f.x, 640);
  assert_int_equal(f.w, 640);
  assert_int_equal(f.h, 360);
  assert_int_equal(f.y, 180);
  check_fit(f, tall_tile);
  // Tall source in a wide tile: pillarbox, 360 * 480 / 640 = 270.
  const Rect wide_tile{0, 360, 640, 360};
  f = mcu::fit_aspect(480, 640, wide_tile);
  assert_int_equal(f.h, 360);
  assert_int_equal(f.y, 360);
  assert_int_equal(f.w, 270);
  assert_int_equal(f.x, 184);  // (640 - 270) / 2 = 185, floored to even
  check_fit(f, wide_tile);
  // Square source.
  f = mcu::fit_aspect(100, 100, wide_tile);
  assert_int_equal(f.w, 360);
  assert_int_equal(f.h, 360);
  assert_int_equal(f.x, 140);
  // Same aspect: the whole tile.
  f = mcu::fit_aspect(1280, 720, wide_tile);
  assert_int_equal(f.x, 0);
  assert_int_equal(f.w, 640);
  assert_int_equal(f.h, 360);
  // Rounding to the nearest even: 256 * 9 / 16 = 144; 250 * 9 / 16 = 140.6 -> 140;
  // 254 * 9 / 16 = 142.9 -> 142 (143 is odd: 142.9 / 2 = 71.4 -> 71 * 2).
  assert_int_equal(mcu::fit_aspect(16, 9, Rect{0, 0, 250, 250}).h, 140);
  assert_int_equal(mcu::fit_aspect(16, 9, Rect{0, 0, 254, 254}).h, 142);
  // Extreme aspect never collapses below 2 pixels.
  f = mcu::fit_aspect(10000, 1, Rect{0, 0, 100, 100});
  assert_int_equal(f.h, 2);
  assert_int_equal(f.w, 100);
  f = mcu::fit_aspect(1, 10000, Rect{0, 0, 100, 100});
  assert_int_equal(f.w, 2);
  assert_int_equal(f.x, 48);
}

void test_fit_properties(void**) {
  const Rect tiles[] = {
      {0, 0, 1280, 720}, {426, 240, 428, 240}, {2, 4, 256, 144}, {0, 0, 2, 2}, {100, 50, 62, 300}};
  const int sizes[][2] = {{1920, 1080}, {1080, 1920}, {640, 640}, {641, 479},
                          {1, 1},       {176, 144},   {3, 2},     {4096, 2160}};
  for (const Rect& tile : tiles) {
    for (const auto& s : sizes) {
      const Rect f = mcu::fit_aspect(s[0], s[1], tile);
      check_fit(f, tile);
      // One side fills the tile.
      assert_true(f.w == tile.w || f.h == tile.h);
      // Aspect error: the other side is within 2 pixels (rounding to even,
      // plus the 2-pixel minimum) of the exact value.
      if (f.w == tile.w) {
        const double exact = static_cast<double>(tile.w) * s[1] / s[0];
        if (exact <= tile.h) assert_true(f.h >= exact - 1.0001 && f.h <= exact + 2.0001);
      } else {
        const double exact = static_cast<double>(tile.h) * s[0] / s[1];
        assert_true(f.w >= exact - 1.0001 && f.w <= exact + 2.0001);
      }
    }
  }
}

void test_fit_odd_and_invalid(void**) {
  // Odd tile: shrunk to even edges [4, 34) x [2, 20) first.
  const Rect odd{3, 1, 31, 20};
  Rect f = mcu::fit_aspect(4, 3, odd);
  assert_true(f.x >= 4 && f.y >= 2 && f.x + f.w <= 34 && f.y + f.h <= 20);
  assert_int_equal(f.x % 2, 0);
  assert_int_equal(f.w % 2, 0);
  assert_int_equal(f.h, 18);
  assert_int_equal(f.w, 24);
  // Invalid source: the even-shrunk tile.
  f = mcu::fit_aspect(0, 480, odd);
  assert_int_equal(f.x, 4);
  assert_int_equal(f.y, 2);
  assert_int_equal(f.w, 30);
  assert_int_equal(f.h, 18);
  f = mcu::fit_aspect(640, -1, odd);
  assert_int_equal(f.w, 30);
  // No even 2x2 area inside.
  f = mcu::fit_aspect(640, 480, Rect{1, 1, 2, 2});
  assert_int_equal(f.w, 0);
  assert_int_equal(f.h, 0);
  f = mcu::fit_aspect(640, 480, Rect{0, 0, -4, 10});
  assert_int_equal(f.w, 0);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grid_dimensions),
      cmocka_unit_test(test_grid_every_count),
      cmocka_unit_test(test_grid_examples),
      cmocka_unit_test(test_active_speaker_every_count),
      cmocka_unit_test(test_active_speaker_examples),
      cmocka_unit_test(test_invalid_arguments),
      cmocka_unit_test(test_fit_examples),
      cmocka_unit_test(test_fit_properties),
      cmocka_unit_test(test_fit_odd_and_invalid),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
