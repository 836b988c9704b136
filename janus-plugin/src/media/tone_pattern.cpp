#include "tone_pattern.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mcu {

namespace {

constexpr int kRate = 48000;
constexpr int kFadeSamples = kRate * 5 / 1000;
// About -16 dBFS: audible over talk, well below the limiter's threshold.
constexpr int kToneAmplitude = 5000;

}  // namespace

Pcm synthesize_beeps(std::span<const Beep> beeps, int amplitude) {
  Pcm pcm;
  for (const Beep& beep : beeps) {
    const int n = kRate * beep.ms / 1000;
    const size_t start = pcm.size();
    pcm.resize(start + static_cast<size_t>(n), 0);
    if (beep.hz <= 0) continue;
    const double step = 2 * std::numbers::pi * beep.hz / kRate;
    for (int i = 0; i < n; ++i) {
      const double fade = std::min({1.0, static_cast<double>(i) / kFadeSamples,
                                    static_cast<double>(n - 1 - i) / kFadeSamples});
      pcm[start + static_cast<size_t>(i)] =
          static_cast<int16_t>(std::lround(amplitude * fade * std::sin(step * i)));
    }
  }
  return pcm;
}

Pcm join_tone() {
  constexpr Beep kBeeps[] = {{660, 120}, {0, 30}, {990, 150}};
  return synthesize_beeps(kBeeps, kToneAmplitude);
}

Pcm leave_tone() {
  constexpr Beep kBeeps[] = {{990, 120}, {0, 30}, {660, 150}};
  return synthesize_beeps(kBeeps, kToneAmplitude);
}

Pcm recording_started_tone() {
  constexpr Beep kBeeps[] = {{784, 150}, {0, 50}, {988, 150}, {0, 50}, {1175, 200}, {0, 250},
                             {784, 150}, {0, 50}, {988, 150}, {0, 50}, {1175, 200}, {0, 200}};
  return synthesize_beeps(kBeeps, 8000);
}

}  // namespace mcu
