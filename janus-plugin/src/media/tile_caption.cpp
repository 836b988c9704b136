#include "tile_caption.h"

#include <algorithm>

namespace mcu {
namespace {

constexpr YuvColor kTextColor = kYuvWhite;
constexpr YuvColor kBandColor = kYuvBlack;
constexpr int kBandOpacity = 160;  // of 255: the picture still shows through
// Below this a tile shows no text: a few pixels of letters are noise.
constexpr int kMinTileSide = 40;

int even_up(int v) {
  return (v + 1) & ~1;
}

// The margin around the band's text, from the font size.
int band_margin(int pixel_size) {
  return std::max(2, even_up(pixel_size / 5));
}

}  // namespace

CaptionSize band_caption_size(const Rect& tile) {
  if (tile.w < kMinTileSide || tile.h < kMinTileSide) return {};
  const int px = std::clamp(tile.h / 12, 10, 48);
  return {px, tile.w - 4 * band_margin(px)};
}

CaptionSize name_tile_size(const Rect& tile) {
  if (tile.w < kMinTileSide || tile.h < kMinTileSide) return {};
  const int px = std::clamp(tile.h / 6, 12, 96);
  return {px, tile.w * 7 / 8};
}

void draw_caption_band(I420Image* dst, const Rect& tile, const AlphaMask& text) {
  const CaptionSize size = band_caption_size(tile);
  if (text.empty() || size.pixel_size == 0) return;
  const int margin = band_margin(size.pixel_size);
  const int band_h = std::min(even_up(text.height + 2 * margin), tile.h);
  const int band_y = tile.y + tile.h - band_h;
  shade_rect(dst, Rect{tile.x, band_y, tile.w, band_h}, kBandColor, kBandOpacity);
  blend_mask(dst, text, tile.x + 2 * margin, band_y + margin, kTextColor);
}

void draw_name_tile(I420Image* dst, const Rect& tile, YuvColor background, const AlphaMask& name) {
  fill_rect(dst, tile, background);
  if (name.empty()) return;
  blend_mask(dst, name, tile.x + (tile.w - name.width) / 2, tile.y + (tile.h - name.height) / 2,
             kTextColor);
}

}  // namespace mcu
