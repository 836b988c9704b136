#include "caption_cache.h"

namespace mcu {

const AlphaMask& CaptionCache::get(const CaptionFont& font, const std::string& text, int pixel_size,
                                   int max_width) {
  if (&font == font_ && text == text_ && pixel_size == pixel_size_ && max_width == max_width_)
    return mask_;
  font_ = &font;
  text_ = text;
  pixel_size_ = pixel_size;
  max_width_ = max_width;
  mask_ = font.render(text, pixel_size, max_width);
  ++renders_;
  return mask_;
}

}  // namespace mcu
