// Renders one line of text (a participant's name) with FreeType into an
// AlphaMask. Rendering is slow next to blending, so callers render a name
// once and keep the mask (CaptionCache). No Janus headers.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "alpha_mask.h"

struct FT_LibraryRec_;
struct FT_FaceRec_;

namespace mcu {

// Debian's fonts-dejavu-core: Latin, Greek, Cyrillic, Hebrew, Arabic and more.
inline constexpr const char* kDefaultCaptionFont =
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

class CaptionFont {
 public:
  // Null with `error` set when the file is missing or not a font FreeType reads.
  static std::unique_ptr<CaptionFont> open(const std::string& path, std::string* error);
  ~CaptionFont();
  CaptionFont(const CaptionFont&) = delete;
  CaptionFont& operator=(const CaptionFont&) = delete;

  // One line of UTF-8 text at `pixel_size` (the font's em in pixels, clamped
  // to 4..256): the mask is as wide as the text and as high as the font's
  // ascender to descender. Text wider than `max_width` is cut and ends with
  // an ellipsis (U+2026) so that the mask fits; malformed UTF-8 shows U+FFFD,
  // control characters a space, characters the font lacks its missing-glyph
  // box. Empty when the text is empty or not even the ellipsis fits.
  // Thread-safe (a FreeType face is not: calls take turns).
  AlphaMask render(std::string_view utf8, int pixel_size, int max_width) const;

 private:
  CaptionFont() = default;

  mutable std::mutex mutex_;
  FT_LibraryRec_* library_ = nullptr;
  FT_FaceRec_* face_ = nullptr;
};

}  // namespace mcu
