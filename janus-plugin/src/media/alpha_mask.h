// An 8-bit coverage image (0 = transparent, 255 = opaque), e.g. a line of
// text rendered once and blended onto video frames many times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mcu {

struct AlphaMask {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> alpha;  // width * height, rows top to bottom

  bool empty() const { return width == 0 || height == 0; }
  uint8_t at(int x, int y) const { return alpha[static_cast<size_t>(y) * width + x]; }
};

}  // namespace mcu
