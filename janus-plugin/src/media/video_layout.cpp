#include "video_layout.h"

#include <algorithm>
#include <cstdint>

namespace mcu {
namespace {

int even_floor(int v) {
  return v & ~1;
}  // also right for negatives (two's complement)
int even_ceil(int v) {
  return even_floor(v + 1);
}

bool all_at_least_2x2(const std::vector<Rect>& tiles) {
  return std::all_of(tiles.begin(), tiles.end(),
                     [](const Rect& r) { return r.w >= 2 && r.h >= 2; });
}

void grid_layout(int width, int height, int n, std::vector<Rect>* out) {
  int cols = 0;
  int rows = 0;
  grid_dimensions(n, &cols, &rows);
  for (int i = 0; i < n; ++i) {
    const int c = i % cols;
    const int r = i / cols;
    // Edges from the cell index rather than accumulated widths, so rounding
    // never drifts: neighbours share an edge exactly and the last one is
    // the (even) canvas edge.
    const int x0 = even_floor(c * width / cols);
    const int x1 = even_floor((c + 1) * width / cols);
    const int y0 = even_floor(r * height / rows);
    const int y1 = even_floor((r + 1) * height / rows);
    out->push_back({x0, y0, x1 - x0, y1 - y0});
  }
}

void speaker_layout(int width, int height, int n, int speaker, std::vector<Rect>* out) {
  if (n == 1) {
    out->push_back({0, 0, width, height});
    return;
  }
  if (speaker < 0 || speaker >= n) speaker = 0;
  const int others = n - 1;
  const int rows = (others + kSpeakerStripColumns - 1) / kSpeakerStripColumns;
  const int small_w = even_floor(width / kSpeakerStripColumns);
  const int small_h = even_floor(height / kSpeakerStripColumns);
  const int strip_top = height - rows * small_h;
  out->assign(n, Rect{});
  (*out)[speaker] = {0, 0, width, strip_top};
  int k = 0;  // position among the others
  for (int i = 0; i < n; ++i) {
    if (i == speaker) continue;
    const int row = k / kSpeakerStripColumns;
    const int col = k % kSpeakerStripColumns;
    const int in_row = std::min(kSpeakerStripColumns, others - row * kSpeakerStripColumns);
    // small_w is even, so the remainder is even too; its half is floored to
    // even to keep x aligned.
    const int left = even_floor((width - in_row * small_w) / 2);
    (*out)[i] = {left + col * small_w, strip_top + row * small_h, small_w, small_h};
    ++k;
  }
}

}  // namespace

void grid_dimensions(int n, int* columns, int* rows) {
  int c = 0;
  int r = 0;
  if (n == 1) {
    c = r = 1;
  } else if (n == 2) {
    c = 2;
    r = 1;
  } else if (n >= 3 && n <= 4) {
    c = r = 2;
  } else if (n >= 5 && n <= 9) {
    c = r = 3;
  } else if (n >= 10 && n <= kMaxLayoutTiles) {
    c = r = 4;
  }
  *columns = c;
  *rows = r;
}

std::vector<Rect> compute_layout(LayoutKind kind, int canvas_w, int canvas_h, int n, int speaker) {
  std::vector<Rect> tiles;
  if (n < 1 || n > kMaxLayoutTiles || canvas_w < 2 || canvas_h < 2) return tiles;
  const int width = even_floor(canvas_w);
  const int height = even_floor(canvas_h);
  tiles.reserve(n);
  if (kind == LayoutKind::kGrid) {
    grid_layout(width, height, n, &tiles);
  } else {
    speaker_layout(width, height, n, speaker, &tiles);
  }
  if (!all_at_least_2x2(tiles)) tiles.clear();
  return tiles;
}

Rect fit_aspect(int src_w, int src_h, const Rect& tile) {
  // Shrink the tile to even edges first so the result cannot leave it.
  const int x0 = even_ceil(tile.x);
  const int y0 = even_ceil(tile.y);
  const int x1 = even_floor(tile.x + std::max(tile.w, 0));
  const int y1 = even_floor(tile.y + std::max(tile.h, 0));
  if (x1 - x0 < 2 || y1 - y0 < 2) return Rect{x0, y0, 0, 0};
  const int64_t tw = x1 - x0;
  const int64_t th = y1 - y0;
  if (src_w <= 0 || src_h <= 0) return Rect{x0, y0, static_cast<int>(tw), static_cast<int>(th)};
  int64_t w = tw;
  int64_t h = th;
  // Compare src_w / src_h with tw / th by cross-multiplying (64-bit: sizes
  // come from the network).
  if (int64_t{src_w} * th > int64_t{src_h} * tw) {
    // Wider than the tile: full width; height rounded to the nearest even.
    h = 2 * ((tw * src_h + src_w) / (2 * int64_t{src_w}));
  } else {
    w = 2 * ((th * src_w + src_h) / (2 * int64_t{src_h}));
  }
  w = std::clamp<int64_t>(w, 2, tw);
  h = std::clamp<int64_t>(h, 2, th);
  const int x = x0 + even_floor(static_cast<int>((tw - w) / 2));
  const int y = y0 + even_floor(static_cast<int>((th - h) / 2));
  return Rect{x, y, static_cast<int>(w), static_cast<int>(h)};
}

}  // namespace mcu
