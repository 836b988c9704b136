// One participant's rendered name, kept until the name or its size changes,
// so that FreeType runs when a name or a tile changes, never per frame.
// Not thread-safe: one compositor thread owns it.
#pragma once

#include <cstdint>
#include <string>

#include "alpha_mask.h"
#include "caption_font.h"

namespace mcu {

class CaptionCache {
 public:
  // The mask of `text` as font.render() makes it, rendered again only when
  // an argument differs from the last call's.
  const AlphaMask& get(const CaptionFont& font, const std::string& text, int pixel_size,
                       int max_width);
  // How often get() rendered.
  uint64_t renders() const { return renders_; }

 private:
  const CaptionFont* font_ = nullptr;
  std::string text_;
  int pixel_size_ = -1;
  int max_width_ = -1;
  AlphaMask mask_;
  uint64_t renders_ = 0;
};

}  // namespace mcu
