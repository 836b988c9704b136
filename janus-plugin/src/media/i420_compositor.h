// Drawing into an I420 canvas: solid fills, scaled copies of decoded
// participant video, and a placeholder for participants without video. No
// Janus headers: used by the plugin and by unit tests alike.
//
// I420 stores a full-size luma (Y) plane and two chroma planes (U, V) of
// (w+1)/2 x (h+1)/2: each chroma sample covers a 2x2 block of luma pixels. A
// rectangle edge on an odd coordinate would split such a block, so every
// drawing function first shrinks its rectangle inwards to the chroma grid
// (even left/top, even right/bottom unless that edge is the odd edge of the
// canvas itself, whose last block is only half inside). Luma and chroma then
// cover the same area and nothing outside the rectangle the caller passed is
// written, at the cost of at most one pixel on each side of an odd rectangle.
// The layouts from video_layout.h are even already, so nothing is lost there.
// Rectangles are clipped to the canvas: the part outside is simply not drawn.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "alpha_mask.h"
#include "video_layout.h"

namespace mcu {

struct YuvColor {
  uint8_t y = 16;
  uint8_t u = 128;
  uint8_t v = 128;
};

// BT.601 limited range, the range VP8 decoders hand out.
constexpr YuvColor kYuvBlack{16, 128, 128};
constexpr YuvColor kYuvDarkGrey{40, 128, 128};
constexpr YuvColor kYuvWhite{235, 128, 128};

// Read-only planes with arbitrary strides, so that a decoder's output image
// can be scaled from without a copy. The planes must hold width x height luma
// and (width+1)/2 x (height+1)/2 chroma samples.
struct I420View {
  const uint8_t* y = nullptr;
  const uint8_t* u = nullptr;
  const uint8_t* v = nullptr;
  int stride_y = 0;
  int stride_u = 0;
  int stride_v = 0;
  int width = 0;
  int height = 0;
};

// An I420 image in one owned buffer with tightly packed planes (the strides
// are the plane widths). Any positive size, odd ones included; 0x0 is empty.
class I420Image {
 public:
  I420Image() = default;
  // Non-positive sizes give an empty image. Contents start black.
  I420Image(int width, int height);

  // Reallocates only when the size changes; contents are then black, else kept.
  void resize(int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }
  int chroma_width() const { return (width_ + 1) / 2; }
  int chroma_height() const { return (height_ + 1) / 2; }
  bool empty() const { return width_ == 0; }

  uint8_t* y() { return buf_.data(); }
  uint8_t* u() { return buf_.data() + luma_size(); }
  uint8_t* v() { return buf_.data() + luma_size() + chroma_size(); }
  const uint8_t* y() const { return buf_.data(); }
  const uint8_t* u() const { return buf_.data() + luma_size(); }
  const uint8_t* v() const { return buf_.data() + luma_size() + chroma_size(); }
  int stride_y() const { return width_; }
  int stride_uv() const { return chroma_width(); }

  I420View view() const;

 private:
  size_t luma_size() const { return static_cast<size_t>(width_) * height_; }
  size_t chroma_size() const { return static_cast<size_t>(chroma_width()) * chroma_height(); }

  int width_ = 0;
  int height_ = 0;
  std::vector<uint8_t> buf_;
};

// Fills the rectangle (shrunk to the chroma grid, clipped) with one colour.
void fill_rect(I420Image* dst, const Rect& rect, YuvColor color);

// Scales the whole source into the rectangle and draws the part inside the
// canvas. The scale is computed on the whole (chroma-grid-shrunk) rectangle, so
// clipping cuts the picture rather than squeezing it. Bilinear interpolation
// with pixel centres aligned (as in most scalers): exact for upscaling and
// mild downscaling; beyond 2:1 it samples rather than averages and may alias,
// so callers should prefer a lower simulcast layer than a large reduction.
// Aspect ratio is not preserved: pass fit_aspect()'s rectangle for that. Does
// nothing for an empty or malformed source.
void scale_copy(const I420View& src, I420Image* dst, const Rect& rect);

// Draws a frame of `thickness` pixels (rounded up to even) just inside the
// rectangle, e.g. to highlight the active speaker.
void draw_border(I420Image* dst, const Rect& rect, int thickness, YuvColor color);

// Blends `color` over the rectangle (shrunk to the chroma grid, clipped) with
// opacity alpha/255 (clamped to 0..255): a semi-transparent band.
void shade_rect(I420Image* dst, const Rect& rect, YuvColor color, int alpha);

// Blends `color` through the mask, whose top-left goes to (x, y) rounded down
// to even, clipped to the canvas: text drawn once into a mask and onto every
// frame. A chroma sample takes the mean coverage of its 2x2 luma block, so
// antialiased edges stay neutral rather than bleeding colour.
void blend_mask(I420Image* dst, const AlphaMask& mask, int x, int y, YuvColor color);

// A tile for a participant without video: the tile filled with `background`
// and a centred square of `marker` whose side is a third of the shorter tile
// side (even, at least 2), so the participant still visibly has a place.
void draw_no_video_marker(I420Image* dst, const Rect& tile, YuvColor background, YuvColor marker);

}  // namespace mcu
