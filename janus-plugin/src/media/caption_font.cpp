#include "caption_font.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <vector>

namespace mcu {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kEllipsis = 0x2026;
// No tile is wide enough for more; the rest of a long name is never laid out.
constexpr size_t kMaxCodepoints = 256;

// Decodes UTF-8: a malformed or overlong sequence, a surrogate or a value past
// U+10FFFF becomes U+FFFD, a control character a space.
std::vector<char32_t> decode_utf8(std::string_view s) {
  std::vector<char32_t> out;
  size_t i = 0;
  while (i < s.size() && out.size() < kMaxCodepoints) {
    const auto lead = static_cast<unsigned char>(s[i]);
    int extra = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (lead < 0x80) {
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      cp = lead & 0x1F;
      min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      cp = lead & 0x0F;
      min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      cp = lead & 0x07;
      min = 0x10000;
    } else {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    size_t n = 1;  // bytes of the sequence read so far
    for (; n <= static_cast<size_t>(extra) && i + n < s.size(); ++n) {
      const auto c = static_cast<unsigned char>(s[i + n]);
      if ((c & 0xC0) != 0x80) break;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (n != static_cast<size_t>(extra) + 1 || cp < min || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      out.push_back(kReplacement);
    } else {
      out.push_back(cp < 0x20 || (cp >= 0x7F && cp < 0xA0) ? U' ' : cp);
    }
    i += n;
  }
  return out;
}

// 26.6 fixed point to whole pixels.
int ceil_px(FT_Pos v) {
  return static_cast<int>((v + 63) >> 6);
}
int floor_px(FT_Pos v) {
  return static_cast<int>(v >> 6);
}

}  // namespace

std::unique_ptr<CaptionFont> CaptionFont::open(const std::string& path, std::string* error) {
  std::unique_ptr<CaptionFont> font(new CaptionFont());
  if (FT_Init_FreeType(&font->library_) != 0) {
    *error = "FreeType failed to initialise";
    return nullptr;
  }
  const FT_Error e = FT_New_Face(font->library_, path.c_str(), 0, &font->face_);
  if (e != 0) {
    font->face_ = nullptr;
    *error = e == FT_Err_Cannot_Open_Resource ? "cannot open font file " + path
                                              : "not a font FreeType can read: " + path;
    return nullptr;
  }
  if ((font->face_->face_flags & FT_FACE_FLAG_SCALABLE) == 0) {
    *error = "not a scalable font: " + path;
    return nullptr;
  }
  return font;
}

CaptionFont::~CaptionFont() {
  if (face_ != nullptr) FT_Done_Face(face_);
  if (library_ != nullptr) FT_Done_FreeType(library_);
}

AlphaMask CaptionFont::render(std::string_view utf8, int pixel_size, int max_width) const {
  AlphaMask mask;
  std::vector<char32_t> text = decode_utf8(utf8);
  if (text.empty() || max_width <= 0) return mask;
  std::lock_guard lock(mutex_);
  if (FT_Set_Pixel_Sizes(face_, 0, static_cast<FT_UInt>(std::clamp(pixel_size, 4, 256))) != 0)
    return mask;

  const auto advance = [this](char32_t cp) -> FT_Pos {
    if (FT_Load_Char(face_, cp, FT_LOAD_DEFAULT) != 0) return 0;
    return face_->glyph->advance.x;
  };
  // Pen positions in 26.6; the text is cut where it and the ellipsis no longer fit.
  std::vector<FT_Pos> pen;
  FT_Pos total = 0;
  for (char32_t cp : text) {
    pen.push_back(total);
    total += advance(cp);
  }
  const FT_Pos limit = static_cast<FT_Pos>(max_width) << 6;
  if (total > limit) {
    const FT_Pos ellipsis = advance(kEllipsis);
    size_t keep = 0;
    while (keep < text.size() && pen[keep] + advance(text[keep]) + ellipsis <= limit) ++keep;
    if (ellipsis > limit) return mask;
    // No space before the ellipsis: "Ann …" reads worse than "Ann…".
    while (keep > 0 && text[keep - 1] == U' ') --keep;
    text.resize(keep);
    pen.resize(keep);
    total = keep == 0 ? 0 : pen.back() + advance(text.back());
    pen.push_back(total);
    text.push_back(kEllipsis);
    total += ellipsis;
  }

  const FT_Size_Metrics& m = face_->size->metrics;
  const int ascender = ceil_px(m.ascender);
  mask.width = std::min(ceil_px(total), max_width);
  mask.height = ascender - floor_px(m.descender);
  if (mask.width <= 0 || mask.height <= 0) return AlphaMask{};
  mask.alpha.assign(static_cast<size_t>(mask.width) * mask.height, 0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (FT_Load_Char(face_, text[i], FT_LOAD_RENDER) != 0) continue;
    const FT_GlyphSlot g = face_->glyph;
    const FT_Bitmap& b = g->bitmap;
    if (b.pixel_mode != FT_PIXEL_MODE_GRAY) continue;
    const int x0 = floor_px(pen[i]) + g->bitmap_left;
    const int y0 = ascender - g->bitmap_top;
    for (int r = 0; r < static_cast<int>(b.rows); ++r) {
      const int y = y0 + r;
      if (y < 0 || y >= mask.height) continue;
      const unsigned char* src = b.buffer + static_cast<ptrdiff_t>(r) * b.pitch;
      for (int c = 0; c < static_cast<int>(b.width); ++c) {
        const int x = x0 + c;
        if (x < 0 || x >= mask.width) continue;
        uint8_t& dst = mask.alpha[static_cast<size_t>(y) * mask.width + x];
        dst = std::max(dst, src[c]);  // overlapping glyphs: the more opaque wins
      }
    }
  }
  return mask;
}

}  // namespace mcu
