// I420 drawing: fills, scaled copies of solid and gradient images with odd
// sizes and positions, clipping at every canvas edge, the no-video marker and
// the border. Every test paints the canvas with a sentinel colour first and
// checks that nothing outside the (chroma-grid-shrunk) target changed.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "i420_compositor.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::I420Image;
using mcu::I420View;
using mcu::Rect;
using mcu::YuvColor;

constexpr YuvColor kSentinel{1, 2, 3};
constexpr YuvColor kRed{81, 90, 240};

// Luma/chroma extents in half-open form: the luma area [x0, x1) x [y0, y1)
// and its chroma footprint [x0/2, (x1+1)/2) x [y0/2, (y1+1)/2).
struct Area {
  int x0, y0, x1, y1;
  bool luma_in(int x, int y) const { return x >= x0 && x < x1 && y >= y0 && y < y1; }
  bool chroma_in(int cx, int cy) const {
    return cx >= x0 / 2 && cx < (x1 + 1) / 2 && cy >= y0 / 2 && cy < (y1 + 1) / 2;
  }
};

uint8_t Y(const I420Image& img, int x, int y) {
  return img.y()[y * img.stride_y() + x];
}
uint8_t U(const I420Image& img, int x, int y) {
  return img.u()[y * img.stride_uv() + x];
}
uint8_t V(const I420Image& img, int x, int y) {
  return img.v()[y * img.stride_uv() + x];
}

I420Image sentinel_canvas(int w, int h) {
  I420Image img(w, h);
  mcu::fill_rect(&img, Rect{0, 0, w, h}, kSentinel);
  return img;
}

// Samples outside `a` that are not the sentinel.
int changed_outside(const I420Image& img, const Area& a) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      if (!a.luma_in(x, y) && Y(img, x, y) != kSentinel.y) ++n;
    }
  }
  for (int y = 0; y < img.chroma_height(); ++y) {
    for (int x = 0; x < img.chroma_width(); ++x) {
      if (a.chroma_in(x, y)) continue;
      if (U(img, x, y) != kSentinel.u) ++n;
      if (V(img, x, y) != kSentinel.v) ++n;
    }
  }
  return n;
}

// Samples inside `a` that are not `c`.
int wrong_inside(const I420Image& img, const Area& a, YuvColor c) {
  int n = 0;
  for (int y = a.y0; y < a.y1; ++y) {
    for (int x = a.x0; x < a.x1; ++x) n += Y(img, x, y) != c.y;
  }
  for (int y = a.y0 / 2; y < (a.y1 + 1) / 2; ++y) {
    for (int x = a.x0 / 2; x < (a.x1 + 1) / 2; ++x) {
      n += U(img, x, y) != c.u;
      n += V(img, x, y) != c.v;
    }
  }
  return n;
}

void check_exact_area(const I420Image& img, const Area& a, YuvColor c) {
  assert_int_equal(changed_outside(img, a), 0);
  assert_int_equal(wrong_inside(img, a, c), 0);
}

I420Image solid(int w, int h, YuvColor c) {
  I420Image img(w, h);
  mcu::fill_rect(&img, Rect{0, 0, w, h}, c);
  return img;
}

// Luma rises left to right (x * step), U top to bottom, V is flat.
I420Image gradient(int w, int h, int step) {
  I420Image img(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) img.y()[y * img.stride_y() + x] = static_cast<uint8_t>(x * step);
  }
  for (int y = 0; y < img.chroma_height(); ++y) {
    for (int x = 0; x < img.chroma_width(); ++x) {
      img.u()[y * img.stride_uv() + x] = static_cast<uint8_t>(y * step);
      img.v()[y * img.stride_uv() + x] = 77;
    }
  }
  return img;
}

void test_image_sizes(void**) {
  I420Image img(7, 5);
  assert_int_equal(img.width(), 7);
  assert_int_equal(img.height(), 5);
  assert_int_equal(img.chroma_width(), 4);
  assert_int_equal(img.chroma_height(), 3);
  assert_true(img.u() == img.y() + 35);
  assert_true(img.v() == img.u() + 12);
  // Starts black.
  assert_int_equal(wrong_inside(img, Area{0, 0, 7, 5}, mcu::kYuvBlack), 0);
  I420Image one(1, 1);
  assert_int_equal(one.chroma_width(), 1);
  assert_int_equal(one.chroma_height(), 1);
  I420Image none(0, 5);
  assert_true(none.empty());
  I420Image neg(-3, 4);
  assert_true(neg.empty());
  assert_int_equal(neg.height(), 0);
  // resize keeps contents at the same size, blackens on a change.
  mcu::fill_rect(&img, Rect{0, 0, 7, 5}, kRed);
  img.resize(7, 5);
  assert_int_equal(Y(img, 6, 4), kRed.y);
  img.resize(9, 3);
  assert_int_equal(img.chroma_width(), 5);
  assert_int_equal(wrong_inside(img, Area{0, 0, 9, 3}, mcu::kYuvBlack), 0);
  const I420View v = img.view();
  assert_int_equal(v.width, 9);
  assert_int_equal(v.stride_u, 5);
  assert_true(v.v == img.v());
}

void test_fill_even_and_odd(void**) {
  I420Image img = sentinel_canvas(33, 21);
  mcu::fill_rect(&img, Rect{2, 4, 10, 6}, kRed);
  check_exact_area(img, Area{2, 4, 12, 10}, kRed);
  // Odd position and size: shrunk inwards to [4, 12) x [6, 12).
  img = sentinel_canvas(33, 21);
  mcu::fill_rect(&img, Rect{3, 5, 10, 7}, kRed);
  check_exact_area(img, Area{4, 6, 12, 12}, kRed);
  // Reaching the odd canvas edge keeps the last column and row.
  img = sentinel_canvas(33, 21);
  mcu::fill_rect(&img, Rect{30, 18, 3, 3}, kRed);
  check_exact_area(img, Area{30, 18, 33, 21}, kRed);
  // Whole odd canvas.
  img = sentinel_canvas(33, 21);
  mcu::fill_rect(&img, Rect{0, 0, 33, 21}, kRed);
  check_exact_area(img, Area{0, 0, 33, 21}, kRed);
  // Too thin to hold a chroma block: nothing.
  img = sentinel_canvas(33, 21);
  mcu::fill_rect(&img, Rect{3, 3, 1, 9}, kRed);
  mcu::fill_rect(&img, Rect{5, 5, 2, 2}, kRed);  // [6, 6): empty
  mcu::fill_rect(&img, Rect{4, 4, 0, 8}, kRed);
  mcu::fill_rect(&img, Rect{4, 4, -6, 8}, kRed);
  assert_int_equal(changed_outside(img, Area{0, 0, 0, 0}), 0);
}

void test_fill_clipping(void**) {
  I420Image img = sentinel_canvas(33, 21);
  mcu::fill_rect(&img, Rect{-5, -3, 10, 10}, kRed);  // [-4, 4) x [-2, 6)
  check_exact_area(img, Area{0, 0, 4, 6}, kRed);
  img = sentinel_canvas(33, 21);
  mcu::fill_rect(&img, Rect{28, 16, 100, 100}, kRed);
  check_exact_area(img, Area{28, 16, 33, 21}, kRed);
  img = sentinel_canvas(33, 21);
  mcu::fill_rect(&img, Rect{-1000000000, -1000000000, 2000000000, 2000000000}, kRed);
  check_exact_area(img, Area{0, 0, 33, 21}, kRed);
  // Entirely outside.
  img = sentinel_canvas(33, 21);
  mcu::fill_rect(&img, Rect{34, 0, 10, 10}, kRed);
  mcu::fill_rect(&img, Rect{-20, 0, 20, 10}, kRed);
  mcu::fill_rect(&img, Rect{0, 22, 10, 10}, kRed);
  mcu::fill_rect(&img, Rect{2147483000, 2147483000, 2000, 2000}, kRed);
  assert_int_equal(changed_outside(img, Area{0, 0, 0, 0}), 0);
  // Null and empty destinations are ignored.
  mcu::fill_rect(nullptr, Rect{0, 0, 4, 4}, kRed);
  I420Image empty;
  mcu::fill_rect(&empty, Rect{0, 0, 4, 4}, kRed);
}

void test_scale_solid_odd(void**) {
  const YuvColor c{200, 60, 190};
  const int src_sizes[][2] = {{13, 9}, {1, 1}, {3, 2}, {64, 47}, {641, 359}};
  for (const auto& s : src_sizes) {
    const I420Image src = solid(s[0], s[1], c);
    // Upscale and downscale into odd rectangles at odd positions: the flat
    // colour must come out exactly flat, with no edge leaking.
    I420Image img = sentinel_canvas(41, 29);
    mcu::scale_copy(src.view(), &img, Rect{5, 3, 17, 11});  // [6, 22) x [4, 14)
    check_exact_area(img, Area{6, 4, 22, 14}, c);
    img = sentinel_canvas(41, 29);
    mcu::scale_copy(src.view(), &img, Rect{35, 24, 6, 5});  // odd canvas edge
    check_exact_area(img, Area{36, 24, 41, 29}, c);
  }
}

void test_scale_gradient_identity(void**) {
  // 1:1 copy to an even position reproduces the source exactly, including the
  // odd last column whose chroma is half inside.
  const I420Image src = gradient(15, 9, 16);
  I420Image img = sentinel_canvas(41, 29);
  mcu::scale_copy(src.view(), &img, Rect{4, 2, 15, 9});
  // The rectangle's end (19, 11) is odd and inside the canvas: shrunk to 14x8.
  assert_int_equal(changed_outside(img, Area{4, 2, 18, 10}), 0);
  // Canvas with the same odd size: exact copy.
  img = sentinel_canvas(15, 9);
  mcu::scale_copy(src.view(), &img, Rect{0, 0, 15, 9});
  for (int y = 0; y < 9; ++y) {
    for (int x = 0; x < 15; ++x) assert_int_equal(Y(img, x, y), Y(src, x, y));
  }
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 8; ++x) {
      assert_int_equal(U(img, x, y), U(src, x, y));
      assert_int_equal(V(img, x, y), 77);
    }
  }
}

// In the area: luma constant down each column and non-decreasing left to
// right, spanning (nearly) the source range; U non-decreasing downwards and
// constant along rows; V flat.
void check_gradient_area(const I420Image& img, const Area& a, int y_first, int y_last, int u_last) {
  for (int y = a.y0; y < a.y1; ++y) {
    for (int x = a.x0; x < a.x1; ++x) {
      assert_int_equal(Y(img, x, y), Y(img, x, a.y0));
      if (x > a.x0) assert_true(Y(img, x, y) >= Y(img, x - 1, y));
    }
  }
  assert_true(std::abs(Y(img, a.x0, a.y0) - y_first) <= 8);
  assert_true(std::abs(Y(img, a.x1 - 1, a.y0) - y_last) <= 8);
  assert_true(Y(img, a.x1 - 1, a.y0) > Y(img, a.x0, a.y0));
  const int cx0 = a.x0 / 2;
  const int cx1 = (a.x1 + 1) / 2;
  const int cy0 = a.y0 / 2;
  const int cy1 = (a.y1 + 1) / 2;
  for (int y = cy0; y < cy1; ++y) {
    for (int x = cx0; x < cx1; ++x) {
      assert_int_equal(U(img, x, y), U(img, cx0, y));
      assert_int_equal(V(img, x, y), 77);
      if (y > cy0) assert_true(U(img, x, y) >= U(img, x, y - 1));
    }
  }
  assert_true(U(img, cx0, cy0) <= 8);
  assert_true(std::abs(U(img, cx0, cy1 - 1) - u_last) <= 8);
}

void test_scale_gradient_odd(void**) {
  // Upscale 17x11 (luma 0..240, chroma rows 0..5 -> U 0..100) into an odd
  // rectangle at an odd position.
  const I420Image src = gradient(17, 11, 15);
  I420Image img = sentinel_canvas(45, 31);
  mcu::scale_copy(src.view(), &img, Rect{3, 1, 31, 21});  // [4, 34) x [2, 22)
  const Area a{4, 2, 34, 22};
  assert_int_equal(changed_outside(img, a), 0);
  check_gradient_area(img, a, 0, 240, 75);
  // Linear source, bilinear: interior samples are the linear interpolation.
  // With centres aligned, destination column x maps to source
  // (x - 4 + 0.5) * 17 / 30 - 0.5; libyuv (used for rectangles wholly on the
  // canvas) aligns the end samples instead, which moves a sample by up to a
  // fifth of a source step (15 levels here).
  for (int x = 4; x < 34; ++x) {
    double sx = (x - 4 + 0.5) * 17.0 / 30.0 - 0.5;
    if (sx < 0) sx = 0;
    if (sx > 16) sx = 16;
    assert_true(std::abs(Y(img, x, 10) - sx * 15.0) <= 3.5);
  }
  // Downscale 63x47 into 15x11 at an odd position: [8, 22) x [6, 16).
  const I420Image big = gradient(63, 47, 4);
  img = sentinel_canvas(45, 31);
  mcu::scale_copy(big.view(), &img, Rect{7, 5, 15, 11});
  const Area b{8, 6, 22, 16};
  assert_int_equal(changed_outside(img, b), 0);
  check_gradient_area(img, b, 0, 248, 92);
}

void test_scale_clipping(void**) {
  // 1:1 scale of a 20x20 gradient hanging off each side: the visible part is
  // the matching part of the source, not a squeezed copy.
  const I420Image src = gradient(20, 20, 10);
  I420Image img = sentinel_canvas(30, 30);
  mcu::scale_copy(src.view(), &img, Rect{-10, -4, 20, 20});
  assert_int_equal(changed_outside(img, Area{0, 0, 10, 16}), 0);
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 10; ++x) assert_int_equal(Y(img, x, y), Y(src, x + 10, y + 4));
  }
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 5; ++x) assert_int_equal(U(img, x, y), U(src, x + 5, y + 2));
  }
  // Off the right and bottom edges of an odd canvas.
  img = sentinel_canvas(25, 23);
  mcu::scale_copy(src.view(), &img, Rect{14, 8, 20, 20});
  assert_int_equal(changed_outside(img, Area{14, 8, 25, 23}), 0);
  for (int y = 8; y < 23; ++y) {
    for (int x = 14; x < 25; ++x) assert_int_equal(Y(img, x, y), Y(src, x - 14, y - 8));
  }
  for (int y = 4; y < 12; ++y) {
    for (int x = 7; x < 13; ++x) assert_int_equal(U(img, x, y), U(src, x - 7, y - 4));
  }
  // Entirely outside, or with a bad source: nothing.
  img = sentinel_canvas(25, 23);
  mcu::scale_copy(src.view(), &img, Rect{26, 0, 20, 20});
  mcu::scale_copy(src.view(), &img, Rect{-20, 0, 20, 20});
  I420View bad = src.view();
  bad.u = nullptr;
  mcu::scale_copy(bad, &img, Rect{0, 0, 20, 20});
  bad = src.view();
  bad.stride_y = 5;
  mcu::scale_copy(bad, &img, Rect{0, 0, 20, 20});
  bad = src.view();
  bad.width = 0;
  mcu::scale_copy(bad, &img, Rect{0, 0, 20, 20});
  mcu::scale_copy(I420View{}, &img, Rect{0, 0, 20, 20});
  assert_int_equal(changed_outside(img, Area{0, 0, 0, 0}), 0);
  mcu::scale_copy(src.view(), nullptr, Rect{0, 0, 20, 20});
}

void test_scale_padded_strides(void**) {
  // A decoder-style view with padded rows: the padding must not be read into
  // the picture.
  const int w = 5;
  const int h = 3;
  std::vector<uint8_t> ybuf(16 * h, 255);
  std::vector<uint8_t> ubuf(8 * 2, 255);
  std::vector<uint8_t> vbuf(8 * 2, 255);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) ybuf[y * 16 + x] = 50;
  }
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x) ubuf[y * 8 + x] = vbuf[y * 8 + x] = 100;
  }
  const I420View view{ybuf.data(), ubuf.data(), vbuf.data(), 16, 8, 8, w, h};
  I420Image img = sentinel_canvas(40, 30);
  mcu::scale_copy(view, &img, Rect{2, 2, 34, 24});
  check_exact_area(img, Area{2, 2, 36, 26}, YuvColor{50, 100, 100});
}

void test_no_video_marker(void**) {
  const YuvColor bg = mcu::kYuvDarkGrey;
  I420Image img = sentinel_canvas(64, 48);
  mcu::draw_no_video_marker(&img, Rect{8, 6, 30, 24}, bg, kRed);
  assert_int_equal(changed_outside(img, Area{8, 6, 38, 30}), 0);
  // Square side 24 / 3 = 8, at x 8 + 10, y 6 + 8.
  const Area marker{18, 14, 26, 22};
  assert_int_equal(wrong_inside(img, marker, kRed), 0);
  // Everything else in the tile is background.
  for (int y = 6; y < 30; ++y) {
    for (int x = 8; x < 38; ++x) {
      if (!marker.luma_in(x, y)) assert_int_equal(Y(img, x, y), bg.y);
    }
  }
  for (int y = 3; y < 15; ++y) {
    for (int x = 4; x < 19; ++x) {
      if (!marker.chroma_in(x, y)) assert_int_equal(V(img, x, y), bg.v);
    }
  }
  // The tile centre shows the marker.
  assert_int_equal(Y(img, 8 + 15, 6 + 12), kRed.y);
  // Odd tile: drawn inside [8, 38) x [6, 30) only.
  img = sentinel_canvas(64, 48);
  mcu::draw_no_video_marker(&img, Rect{7, 5, 32, 26}, bg, kRed);
  assert_int_equal(changed_outside(img, Area{8, 6, 38, 30}), 0);
  assert_int_equal(Y(img, 8, 6), bg.y);
  assert_int_equal(Y(img, 8 + 15, 6 + 12), kRed.y);
  // Tiny tile: a 2x2 marker still shows.
  img = sentinel_canvas(64, 48);
  mcu::draw_no_video_marker(&img, Rect{10, 10, 4, 4}, bg, kRed);
  assert_int_equal(changed_outside(img, Area{10, 10, 14, 14}), 0);
  assert_int_equal(wrong_inside(img, Area{10, 10, 12, 12}, kRed), 0);
  // Partly off the canvas: clipped.
  img = sentinel_canvas(64, 48);
  mcu::draw_no_video_marker(&img, Rect{50, 40, 30, 24}, bg, kRed);
  assert_int_equal(changed_outside(img, Area{50, 40, 64, 48}), 0);
  assert_int_equal(Y(img, 50, 40), bg.y);
}

void test_border(void**) {
  I420Image img = sentinel_canvas(40, 30);
  mcu::draw_border(&img, Rect{4, 4, 20, 16}, 3, kRed);  // thickness rounded to 4
  int ring = 0;
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 40; ++x) {
      const bool outer = x >= 4 && x < 24 && y >= 4 && y < 20;
      const bool inner = x >= 8 && x < 20 && y >= 8 && y < 16;
      const uint8_t expect = outer && !inner ? kRed.y : kSentinel.y;
      assert_int_equal(Y(img, x, y), expect);
      ring += outer && !inner;
    }
  }
  assert_int_equal(ring, 20 * 16 - 12 * 8);
  assert_int_equal(U(img, 2, 2), kRed.u);
  assert_int_equal(U(img, 5, 5), kSentinel.u);
  // Thicker than half the rectangle: filled.
  img = sentinel_canvas(40, 30);
  mcu::draw_border(&img, Rect{4, 4, 8, 8}, 4, kRed);
  check_exact_area(img, Area{4, 4, 12, 12}, kRed);
  img = sentinel_canvas(40, 30);
  mcu::draw_border(&img, Rect{4, 4, 8, 8}, 0, kRed);
  assert_int_equal(changed_outside(img, Area{0, 0, 0, 0}), 0);
}

void test_shade(void**) {
  // Sentinel Y=1 towards white at 128/255: (1*127 + 235*128 + 127) / 255 = 118.
  I420Image img = sentinel_canvas(41, 31);
  mcu::shade_rect(&img, Rect{3, 5, 20, 10}, mcu::kYuvWhite, 128);
  const Area a{4, 6, 22, 14};  // shrunk to the chroma grid
  assert_int_equal(changed_outside(img, a), 0);
  assert_int_equal(wrong_inside(img, a, YuvColor{118, 65, 66}), 0);
  // Opacity 0 changes nothing, 255 (and beyond) is a fill, clipping as fill_rect.
  img = sentinel_canvas(41, 31);
  mcu::shade_rect(&img, Rect{0, 0, 41, 31}, kRed, 0);
  assert_int_equal(changed_outside(img, Area{0, 0, 0, 0}), 0);
  mcu::shade_rect(&img, Rect{-10, 20, 100, 100}, kRed, 900);
  assert_int_equal(changed_outside(img, Area{0, 20, 41, 31}), 0);
  assert_int_equal(wrong_inside(img, Area{0, 20, 41, 31}, kRed), 0);
}

void test_blend_mask(void**) {
  // A 4x2 mask: opaque, transparent, half, opaque / opaque, transparent, half, opaque.
  mcu::AlphaMask mask{4, 2, {255, 0, 128, 255, 255, 0, 128, 255}};
  I420Image img = sentinel_canvas(20, 10);
  mcu::blend_mask(&img, mask, 7, 3, kRed);  // origin rounded down to (6, 2)
  assert_int_equal(changed_outside(img, Area{6, 2, 10, 4}), 0);
  assert_int_equal(Y(img, 6, 2), kRed.y);
  assert_int_equal(Y(img, 7, 3), kSentinel.y);
  assert_int_equal(Y(img, 8, 2), (1 * 127 + 81 * 128 + 127) / 255);
  // Chroma: the left block is half covered, the right one 3/4.
  assert_int_equal(U(img, 3, 1), (2 * 127 + 90 * 128 + 127) / 255);
  assert_int_equal(U(img, 4, 1), (2 * 64 + 90 * 192 + 127) / 255);
  assert_int_equal(V(img, 4, 1), (3 * 64 + 240 * 192 + 127) / 255);
  // Clipped at every edge; a mask whose buffer does not match its size is ignored.
  img = sentinel_canvas(5, 3);
  mcu::blend_mask(&img, mask, -2, 0, kRed);                     // its right half on the canvas
  mcu::blend_mask(&img, mask, 4, 2, kRed);                      // its top-left sample on the canvas
  assert_int_equal(changed_outside(img, Area{0, 0, 2, 2}), 3);  // Y(4, 2), U and V (2, 1)
  assert_int_equal(Y(img, 0, 1), (1 * 127 + 81 * 128 + 127) / 255);
  assert_int_equal(Y(img, 1, 0), kRed.y);
  assert_int_equal(Y(img, 4, 2), kRed.y);
  img = sentinel_canvas(8, 8);
  mcu::blend_mask(&img, mcu::AlphaMask{4, 4, {255}}, 0, 0, kRed);
  assert_int_equal(changed_outside(img, Area{0, 0, 0, 0}), 0);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_image_sizes),
      cmocka_unit_test(test_fill_even_and_odd),
      cmocka_unit_test(test_fill_clipping),
      cmocka_unit_test(test_scale_solid_odd),
      cmocka_unit_test(test_scale_gradient_identity),
      cmocka_unit_test(test_scale_gradient_odd),
      cmocka_unit_test(test_scale_clipping),
      cmocka_unit_test(test_scale_padded_strides),
      cmocka_unit_test(test_no_video_marker),
      cmocka_unit_test(test_border),
      cmocka_unit_test(test_shade),
      cmocka_unit_test(test_blend_mask),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
