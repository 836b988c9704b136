#include "i420_compositor.h"

#include <libyuv/scale.h>

#include <algorithm>
#include <cstring>

namespace mcu {
namespace {

// Far beyond any canvas or source, yet small enough that tap_for()'s
// products stay inside int64; even, so clamping keeps the chroma grid.
constexpr int64_t kCoordLimit = int64_t{1} << 24;

int64_t even_floor64(int64_t v) {
  return v & ~int64_t{1};
}
int64_t even_ceil64(int64_t v) {
  return even_floor64(v + 1);
}

// One axis of a rectangle after shrinking to the chroma grid: `full` is the
// whole extent (the scale is computed on it), `vis` the part on the canvas.
struct Span {
  int full0 = 0;
  int full1 = 0;
  int vis0 = 0;
  int vis1 = 0;
  bool empty() const { return vis1 <= vis0 || full1 <= full0; }
  int chroma_full0() const { return full0 / 2; }  // full0 is even, so exact
  int chroma_full1() const { return (full1 + 1) / 2; }
  int chroma_vis0() const { return vis0 / 2; }
  int chroma_vis1() const { return (vis1 + 1) / 2; }
};

Span snap_span(int pos, int len, int canvas) {
  Span s;
  if (len <= 0 || canvas <= 0) return s;
  const int64_t end = int64_t{pos} + len;
  s.full0 = static_cast<int>(std::clamp(even_ceil64(pos), -kCoordLimit, kCoordLimit));
  // An end at or past an odd canvas edge keeps the last column/row: its
  // chroma block lies only half on the canvas and belongs to nothing else.
  const int64_t e = end >= canvas ? end : even_floor64(end);
  s.full1 = static_cast<int>(std::clamp(e, -kCoordLimit, kCoordLimit));
  s.vis0 = std::max(s.full0, 0);
  s.vis1 = std::min(s.full1, canvas);
  if (s.empty()) s = Span{};
  return s;
}

void fill_plane(uint8_t* plane, int stride, int x0, int x1, int y0, int y1, uint8_t value) {
  for (int y = y0; y < y1; ++y) {
    std::memset(plane + static_cast<size_t>(y) * stride + x0, value, x1 - x0);
  }
}

// Source coordinate of the centre of destination sample `local` (0..full-1)
// when `src` samples are stretched over `full`, in 1/256 units, clamped to
// the source; `lo`/`hi` are the neighbours to blend with weight `frac` on hi.
struct Tap {
  int lo = 0;
  int hi = 0;
  int frac = 0;  // 0..255
};

Tap tap_for(int64_t local, int64_t full, int src) {
  // Centres align: (local + 0.5) * src / full - 0.5.
  int64_t pos = ((2 * local + 1) * src - full) * 256 / (2 * full);
  Tap t;
  if (pos <= 0) return t;  // before the first centre: edge sample
  t.lo = static_cast<int>(pos >> 8);
  t.frac = static_cast<int>(pos & 255);
  if (t.lo >= src - 1) {
    t.lo = src - 1;
    t.frac = 0;
  }
  t.hi = std::min(t.lo + 1, src - 1);
  return t;
}

// Bilinear scaling of one plane: the source (sw x sh) is stretched over the
// destination extent [fx0, fx1) x [fy0, fy1) and only [vx0, vx1) x [vy0, vy1)
// is written.
void scale_plane(const uint8_t* src, int src_stride, int sw, int sh, uint8_t* dst, int dst_stride,
                 int fx0, int fx1, int fy0, int fy1, int vx0, int vx1, int vy0, int vy1,
                 std::vector<Tap>* xtaps) {
  if (vx1 <= vx0 || vy1 <= vy0) return;
  xtaps->resize(vx1 - vx0);
  for (int x = vx0; x < vx1; ++x) (*xtaps)[x - vx0] = tap_for(x - fx0, fx1 - fx0, sw);
  for (int y = vy0; y < vy1; ++y) {
    const Tap ty = tap_for(y - fy0, fy1 - fy0, sh);
    const uint8_t* r0 = src + static_cast<size_t>(ty.lo) * src_stride;
    const uint8_t* r1 = src + static_cast<size_t>(ty.hi) * src_stride;
    uint8_t* out = dst + static_cast<size_t>(y) * dst_stride;
    for (int x = vx0; x < vx1; ++x) {
      const Tap& tx = (*xtaps)[x - vx0];
      const int top = r0[tx.lo] * (256 - tx.frac) + r0[tx.hi] * tx.frac;
      const int bottom = r1[tx.lo] * (256 - tx.frac) + r1[tx.hi] * tx.frac;
      // Weights sum to 65536, so a flat source comes out exactly flat.
      out[x] = static_cast<uint8_t>((top * (256 - ty.frac) + bottom * ty.frac + 32768) >> 16);
    }
  }
}

// dst blended towards `value` with opacity a/255, rounded.
uint8_t blend(uint8_t dst, uint8_t value, int a) {
  return static_cast<uint8_t>((dst * (255 - a) + value * a + 127) / 255);
}

// Every sample blended with one colour at one opacity: through a table, as
// the band under a caption is shaded on every frame.
void shade_plane(uint8_t* plane, int stride, int x0, int x1, int y0, int y1, uint8_t value, int a) {
  uint8_t table[256];
  for (int v = 0; v < 256; ++v) table[v] = blend(static_cast<uint8_t>(v), value, a);
  for (int y = y0; y < y1; ++y) {
    uint8_t* row = plane + static_cast<size_t>(y) * stride;
    for (int x = x0; x < x1; ++x) row[x] = table[row[x]];
  }
}

bool valid_view(const I420View& s) {
  if (s.width <= 0 || s.height <= 0 || s.width > kCoordLimit || s.height > kCoordLimit) {
    return false;
  }
  if (s.y == nullptr || s.u == nullptr || s.v == nullptr) return false;
  const int cw = (s.width + 1) / 2;
  return s.stride_y >= s.width && s.stride_u >= cw && s.stride_v >= cw;
}

// The rectangle shrunk to even edges, ignoring the canvas.
Rect even_inner(const Rect& r) {
  const int64_t x0 = even_ceil64(r.x);
  const int64_t y0 = even_ceil64(r.y);
  const int64_t x1 = even_floor64(int64_t{r.x} + std::max(r.w, 0));
  const int64_t y1 = even_floor64(int64_t{r.y} + std::max(r.h, 0));
  if (x1 <= x0 || y1 <= y0) return Rect{};
  return Rect{static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0),
              static_cast<int>(y1 - y0)};
}

}  // namespace

I420Image::I420Image(int width, int height) {
  resize(width, height);
}

void I420Image::resize(int width, int height) {
  if (width <= 0 || height <= 0) width = height = 0;
  if (width == width_ && height == height_) return;
  width_ = width;
  height_ = height;
  buf_.assign(luma_size() + 2 * chroma_size(), 128);
  std::memset(buf_.data(), kYuvBlack.y, luma_size());
}

I420View I420Image::view() const {
  I420View out;
  out.y = y();
  out.u = u();
  out.v = v();
  out.stride_y = stride_y();
  out.stride_u = out.stride_v = stride_uv();
  out.width = width_;
  out.height = height_;
  return out;
}

void fill_rect(I420Image* dst, const Rect& rect, YuvColor color) {
  if (dst == nullptr || dst->empty()) return;
  const Span sx = snap_span(rect.x, rect.w, dst->width());
  const Span sy = snap_span(rect.y, rect.h, dst->height());
  if (sx.empty() || sy.empty()) return;
  fill_plane(dst->y(), dst->stride_y(), sx.vis0, sx.vis1, sy.vis0, sy.vis1, color.y);
  const int cx0 = sx.chroma_vis0();
  const int cx1 = sx.chroma_vis1();
  const int cy0 = sy.chroma_vis0();
  const int cy1 = sy.chroma_vis1();
  fill_plane(dst->u(), dst->stride_uv(), cx0, cx1, cy0, cy1, color.u);
  fill_plane(dst->v(), dst->stride_uv(), cx0, cx1, cy0, cy1, color.v);
}

void scale_copy(const I420View& src, I420Image* dst, const Rect& rect) {
  if (dst == nullptr || dst->empty() || !valid_view(src)) return;
  const Span sx = snap_span(rect.x, rect.w, dst->width());
  const Span sy = snap_span(rect.y, rect.h, dst->height());
  if (sx.empty() || sy.empty()) return;
  if (sx.vis0 == sx.full0 && sx.vis1 == sx.full1 && sy.vis0 == sy.full0 && sy.vis1 == sy.full1) {
    // Wholly on the canvas, as every layout tile is: libyuv's SIMD bilinear
    // scaler is several times faster than the generic loop below, which stays
    // for clipped rectangles.
    const size_t cx = static_cast<size_t>(sx.chroma_vis0());
    const size_t cy = static_cast<size_t>(sy.chroma_vis0()) * dst->stride_uv();
    libyuv::I420Scale(
        src.y, src.stride_y, src.u, src.stride_u, src.v, src.stride_v, src.width, src.height,
        dst->y() + static_cast<size_t>(sy.vis0) * dst->stride_y() + sx.vis0, dst->stride_y(),
        dst->u() + cy + cx, dst->stride_uv(), dst->v() + cy + cx, dst->stride_uv(),
        sx.vis1 - sx.vis0, sy.vis1 - sy.vis0, libyuv::kFilterBilinear);
    return;
  }
  // One small allocation per call (a row of taps), i.e. per tile and frame.
  std::vector<Tap> xtaps;
  scale_plane(src.y, src.stride_y, src.width, src.height, dst->y(), dst->stride_y(), sx.full0,
              sx.full1, sy.full0, sy.full1, sx.vis0, sx.vis1, sy.vis0, sy.vis1, &xtaps);
  const int scw = (src.width + 1) / 2;
  const int sch = (src.height + 1) / 2;
  const uint8_t* planes[2] = {src.u, src.v};
  const int strides[2] = {src.stride_u, src.stride_v};
  uint8_t* outs[2] = {dst->u(), dst->v()};
  for (int p = 0; p < 2; ++p) {
    scale_plane(planes[p], strides[p], scw, sch, outs[p], dst->stride_uv(), sx.chroma_full0(),
                sx.chroma_full1(), sy.chroma_full0(), sy.chroma_full1(), sx.chroma_vis0(),
                sx.chroma_vis1(), sy.chroma_vis0(), sy.chroma_vis1(), &xtaps);
  }
}

void draw_border(I420Image* dst, const Rect& rect, int thickness, YuvColor color) {
  const Rect r = even_inner(rect);
  if (r.w == 0 || thickness <= 0) return;
  const int t = static_cast<int>(even_ceil64(thickness));
  if (2 * t >= r.w || 2 * t >= r.h) {
    fill_rect(dst, r, color);
    return;
  }
  fill_rect(dst, Rect{r.x, r.y, r.w, t}, color);
  fill_rect(dst, Rect{r.x, r.y + r.h - t, r.w, t}, color);
  fill_rect(dst, Rect{r.x, r.y + t, t, r.h - 2 * t}, color);
  fill_rect(dst, Rect{r.x + r.w - t, r.y + t, t, r.h - 2 * t}, color);
}

void shade_rect(I420Image* dst, const Rect& rect, YuvColor color, int alpha) {
  if (dst == nullptr || dst->empty()) return;
  const int a = std::clamp(alpha, 0, 255);
  const Span sx = snap_span(rect.x, rect.w, dst->width());
  const Span sy = snap_span(rect.y, rect.h, dst->height());
  if (sx.empty() || sy.empty() || a == 0) return;
  shade_plane(dst->y(), dst->stride_y(), sx.vis0, sx.vis1, sy.vis0, sy.vis1, color.y, a);
  const int cx0 = sx.chroma_vis0();
  const int cx1 = sx.chroma_vis1();
  const int cy0 = sy.chroma_vis0();
  const int cy1 = sy.chroma_vis1();
  shade_plane(dst->u(), dst->stride_uv(), cx0, cx1, cy0, cy1, color.u, a);
  shade_plane(dst->v(), dst->stride_uv(), cx0, cx1, cy0, cy1, color.v, a);
}

void blend_mask(I420Image* dst, const AlphaMask& mask, int x, int y, YuvColor color) {
  if (dst == nullptr || dst->empty() || mask.empty()) return;
  if (mask.alpha.size() != static_cast<size_t>(mask.width) * mask.height) return;
  const int64_t left = even_floor64(x);
  const int64_t top = even_floor64(y);
  // The canvas part the mask covers, in canvas coordinates; x0 and y0 are
  // even (the mask's origin is, and so is 0).
  const int x0 = static_cast<int>(std::max<int64_t>(left, 0));
  const int y0 = static_cast<int>(std::max<int64_t>(top, 0));
  const int x1 = static_cast<int>(std::min<int64_t>(left + mask.width, dst->width()));
  const int y1 = static_cast<int>(std::min<int64_t>(top + mask.height, dst->height()));
  if (x1 <= x0 || y1 <= y0) return;
  const int mx0 = static_cast<int>(x0 - left);  // the mask column at canvas x0
  const int my0 = static_cast<int>(y0 - top);
  for (int cy = y0; cy < y1; ++cy) {
    uint8_t* row = dst->y() + static_cast<size_t>(cy) * dst->stride_y();
    const uint8_t* alpha = &mask.alpha[static_cast<size_t>(my0 + cy - y0) * mask.width + mx0];
    for (int cx = x0; cx < x1; ++cx) {
      const int a = alpha[cx - x0];
      if (a != 0) row[cx] = blend(row[cx], color.y, a);
    }
  }
  // A chroma block takes the mean coverage of its (up to) four mask samples;
  // samples beyond the mask count as 0.
  const int mask_rows = mask.height;
  const int mask_cols = mask.width;
  for (int cy = y0 / 2; cy < (y1 + 1) / 2; ++cy) {
    const int my = my0 + 2 * cy - y0;
    const uint8_t* r0 = &mask.alpha[static_cast<size_t>(my) * mask_cols];
    const uint8_t* r1 = my + 1 < mask_rows ? r0 + mask_cols : nullptr;
    uint8_t* u = dst->u() + static_cast<size_t>(cy) * dst->stride_uv();
    uint8_t* v = dst->v() + static_cast<size_t>(cy) * dst->stride_uv();
    for (int cx = x0 / 2; cx < (x1 + 1) / 2; ++cx) {
      const int mx = mx0 + 2 * cx - x0;
      const bool second = mx + 1 < mask_cols;
      int sum = r0[mx] + (second ? r0[mx + 1] : 0);
      if (r1 != nullptr) sum += r1[mx] + (second ? r1[mx + 1] : 0);
      if (sum == 0) continue;
      const int a = (sum + 2) / 4;
      u[cx] = blend(u[cx], color.u, a);
      v[cx] = blend(v[cx], color.v, a);
    }
  }
}

void draw_no_video_marker(I420Image* dst, const Rect& tile, YuvColor background, YuvColor marker) {
  const Rect r = even_inner(tile);
  if (r.w == 0) return;
  fill_rect(dst, r, background);
  const int side = std::max(2, static_cast<int>(even_floor64(std::min(r.w, r.h) / 3)));
  const int x = r.x + static_cast<int>(even_floor64((r.w - side) / 2));
  const int y = r.y + static_cast<int>(even_floor64((r.h - side) / 2));
  fill_rect(dst, Rect{x, y, side, side}, marker);
}

}  // namespace mcu
