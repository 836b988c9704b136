// Soft limiter for the float mix bus: instant attack, smooth release, and a
// soft-knee saturator after it, so no output sample ever clips hard or wraps.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mcu {

class SoftLimiter {
 public:
  // threshold: fraction of full scale where gain reduction starts (0 < t < 1).
  // release_ms: time for the gain to recover by ~63 %.
  explicit SoftLimiter(float threshold = 0.7f, float release_ms = 60.0f, int sample_rate = 48000);

  // in: samples on the int16 scale as floats (may exceed +-32768).
  void process(const float* in, int16_t* out, size_t n);
  void reset();
  float gain() const { return gain_; }

 private:
  float threshold_;
  float release_coeff_;
  float gain_ = 1.0f;
};

}  // namespace mcu
