#include "soft_limiter.h"

#include <algorithm>
#include <cmath>

namespace mcu {
namespace {

constexpr float kFullScale = 32767.0f;
// Longest gain ramp on attack (2.5 ms at 48 kHz): long enough not to click,
// short enough that the saturator rarely has to catch the overshoot.
constexpr size_t kAttackRampSamples = 120;
// Below this distance from unity the gain is snapped to 1 so quiet signal is
// bit-exact again once the release is over (32767 * 1e-5 < half an LSB).
constexpr float kUnitySnap = 1e-5f;

int16_t to_int16(float x) {
  // Round half away from zero; integral inputs stay exactly as they are.
  x = std::clamp(x, -kFullScale, kFullScale);
  return static_cast<int16_t>(x >= 0.0f ? x + 0.5f : x - 0.5f);
}

}  // namespace

SoftLimiter::SoftLimiter(float threshold, float release_ms, int sample_rate)
    : threshold_(std::clamp(threshold, 0.05f, 0.99f)),
      release_coeff_(std::exp(-1.0f / (std::max(release_ms, 0.1f) * 1e-3f *
                                       static_cast<float>(std::max(sample_rate, 1000))))) {}

void SoftLimiter::process(const float* in, int16_t* out, size_t n) {
  if (in == nullptr || out == nullptr || n == 0) return;
  const float knee = threshold_ * kFullScale;

  float peak = 0.0f;
  size_t peak_at = 0;
  for (size_t i = 0; i < n; ++i) {
    const float a = std::fabs(in[i]);
    if (a > peak) {
      peak = a;
      peak_at = i;
    }
  }
  const float wanted = peak > knee ? knee / peak : 1.0f;

  const float start = gain_;
  float end;
  size_t ramp;
  if (wanted < start) {
    // Attack: the whole frame is known, so ramp down from its start and reach
    // the needed gain by the peak sample (or within 2.5 ms), then hold it.
    end = wanted;
    ramp = std::min(peak_at + 1, kAttackRampSamples);
  } else {
    // Release towards the gain this frame allows, never above it, so the
    // ramp cannot push the peak past the knee.
    end = wanted - (wanted - start) * std::pow(release_coeff_, static_cast<float>(n));
    if (1.0f - end < kUnitySnap) end = 1.0f;
    ramp = n;
  }
  gain_ = end;

  if (start == 1.0f && end == 1.0f) {
    // |in| <= knee here, so no saturation either: bit-exact pass-through.
    for (size_t i = 0; i < n; ++i) out[i] = to_int16(in[i]);
    return;
  }

  // Soft knee above `knee`: tanh towards full scale keeps the curve monotonic
  // and its slope continuous, and never reaches full scale.
  const float headroom = kFullScale - knee;
  const float step = (end - start) / static_cast<float>(ramp);
  for (size_t i = 0; i < n; ++i) {
    const float g = i < ramp ? start + step * static_cast<float>(i + 1) : end;
    float y = in[i] * g;
    const float a = std::fabs(y);
    if (a > knee) {
      const float s = knee + headroom * std::tanh((a - knee) / headroom);
      y = y < 0.0f ? -s : s;
    }
    out[i] = to_int16(y);
  }
}

void SoftLimiter::reset() {
  gain_ = 1.0f;
}

}  // namespace mcu
