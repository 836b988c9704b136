#include "audio_level.h"

#include <cmath>

namespace mcu {

int rfc6464_level(const int16_t* pcm, size_t n) {
  if (pcm == nullptr || n == 0) return kSilentLevel;
  // Independent float lanes let the compiler vectorise the sum (this runs for
  // every participant every tick); float is ample for a 1 dB result, and an
  // all-zero frame still sums to exactly 0.
  constexpr size_t kLanes = 8;
  float lanes[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) {
      const float v = pcm[i + j];
      lanes[j] += v * v;
    }
  }
  double energy = 0.0;
  for (; i < n; ++i) energy += static_cast<double>(pcm[i]) * pcm[i];
  for (float lane : lanes) energy += lane;
  if (energy == 0.0) return kSilentLevel;
  const double rms = std::sqrt(energy / static_cast<double>(n));
  const double dbov = 20.0 * std::log10(rms / 32767.0);
  const long level = std::lround(-dbov);
  if (level < 0) return 0;
  if (level > kSilentLevel) return kSilentLevel;
  return static_cast<int>(level);
}

}  // namespace mcu
