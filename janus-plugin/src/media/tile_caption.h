// A participant's name on its tile of the composite: along the bottom of a
// picture, white text on a semi-transparent dark band; on a tile without
// video, large in the middle instead of the bare marker. Text sizes follow the
// tile, so a caption is rendered per name and tile size (CaptionCache) and only
// blended per frame. No Janus headers.
#pragma once

#include "alpha_mask.h"
#include "i420_compositor.h"
#include "video_layout.h"

namespace mcu {

// What to render for a tile: the font's pixel size (0: the tile is too small
// for legible text, draw none) and the widest the text may be.
struct CaptionSize {
  int pixel_size = 0;
  int max_width = 0;
};

// The name on a picture: about a twelfth of the tile height (10..48 px).
CaptionSize band_caption_size(const Rect& tile);
// The name on a tile without video: about a sixth of its height (12..96 px).
CaptionSize name_tile_size(const Rect& tile);

// The band across the bottom of the tile, as high as the text plus margins,
// with `text` (from band_caption_size()) on it, left-aligned. Nothing for an
// empty mask.
void draw_caption_band(I420Image* dst, const Rect& tile, const AlphaMask& text);

// The tile filled with `background` and `name` (from name_tile_size())
// centred on it.
void draw_name_tile(I420Image* dst, const Rect& tile, YuvColor background, const AlphaMask& name);

}  // namespace mcu
