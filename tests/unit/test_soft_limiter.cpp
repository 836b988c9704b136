// Soft limiter: bounded output under heavy overload, bit-exact below the
// threshold, clean gain reduction of a steady loud signal.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "soft_limiter.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

constexpr size_t kN = 960;
constexpr double kPi = 3.14159265358979323846;
constexpr float kFull = 32767.0f;

using FloatFrame = std::array<float, kN>;
using PcmFrame = std::array<int16_t, kN>;

struct Lcg {
  uint32_t state;
  // Uniform in [-1, 1).
  float next() {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
  }
};

void sine(FloatFrame& f, size_t frame, double freq, double amp) {
  for (size_t i = 0; i < kN; ++i) {
    const double t = static_cast<double>(frame * kN + i) / 48000.0;
    f[i] = static_cast<float>(amp * std::sin(2.0 * kPi * freq * t));
  }
}

// No wrap-around: every output sample has the sign of its input (or is 0).
void assert_sign_kept(const FloatFrame& in, const PcmFrame& out) {
  for (size_t i = 0; i < kN; ++i) {
    if (in[i] > 0.5f) assert_true(out[i] >= 0);
    if (in[i] < -0.5f) assert_true(out[i] <= 0);
    assert_true(out[i] >= -32767);
  }
}

void test_heavy_overload_stays_in_range(void**) {
  mcu::SoftLimiter lim;
  FloatFrame in;
  PcmFrame out;
  Lcg rng{2024};
  int loud_samples = 0;
  for (size_t frame = 0; frame < 200; ++frame) {
    const double scale = 1.0 + static_cast<double>(frame % 20);  // 1x..20x full scale
    if (frame % 2 == 0) {
      sine(in, frame, 220.0 + 10.0 * static_cast<double>(frame % 7), scale * kFull);
    } else {
      for (float& s : in) s = rng.next() * static_cast<float>(scale) * kFull;
    }
    lim.process(in.data(), out.data(), kN);
    assert_sign_kept(in, out);
    for (int16_t s : out) loud_samples += std::abs(s) > 16000 ? 1 : 0;
  }
  // Limited, not muted.
  assert_true(loud_samples > 200 * 100);

  // A sudden step from silence to 20x full scale, hitting the first sample.
  mcu::SoftLimiter fresh;
  for (float& s : in) s = -20.0f * kFull;
  fresh.process(in.data(), out.data(), kN);
  assert_sign_kept(in, out);
  assert_true(out[0] < -16000);
}

void test_static_curve_is_monotonic(void**) {
  mcu::SoftLimiter lim;
  FloatFrame in;
  PcmFrame out;
  // The peak is the first sample, so the gain is constant over the frame.
  for (size_t i = 0; i < kN; ++i) {
    in[i] = -20.0f * kFull + 40.0f * kFull * static_cast<float>(i) / static_cast<float>(kN - 1);
  }
  lim.process(in.data(), out.data(), kN);
  for (size_t i = 1; i < kN; ++i) assert_true(out[i] >= out[i - 1]);
  assert_true(out[0] < 0);
  assert_true(out[kN - 1] > 0);
}

void test_onset_is_saturated_softly(void**) {
  mcu::SoftLimiter lim;
  FloatFrame in;
  PcmFrame out;
  // 2x full scale from the first sample, first crest at sample 100: the gain
  // ramp reaches its target only there, so the saturator holds the samples
  // before it.
  for (size_t i = 0; i < kN; ++i) {
    const double t = (static_cast<double>(i) - 100.0) / 48000.0;
    in[i] = static_cast<float>(2.0 * kFull * std::cos(2.0 * kPi * 100.0 * t));
  }
  lim.process(in.data(), out.data(), kN);
  assert_sign_kept(in, out);
  int saturated = 0;
  for (size_t i = 0; i < kN; ++i) {
    assert_true(std::abs(out[i]) < 32767);  // a hard clipper would sit at full scale
    if (std::abs(out[i]) > 0.7f * kFull) ++saturated;
  }
  assert_true(saturated > 20);
}

void test_below_threshold_is_bit_exact(void**) {
  mcu::SoftLimiter lim(0.7f);
  FloatFrame in;
  PcmFrame out;
  Lcg rng{99};
  const float limit = std::floor(0.7f * kFull);
  for (int frame = 0; frame < 100; ++frame) {
    for (float& s : in) s = std::round(rng.next() * limit);
    in[static_cast<size_t>(frame) % kN] = frame % 2 == 0 ? limit : -limit;  // right at the knee
    lim.process(in.data(), out.data(), kN);
    for (size_t i = 0; i < kN; ++i) assert_int_equal(out[i], static_cast<int16_t>(in[i]));
  }
  assert_true(lim.gain() == 1.0f);
}

void test_recovers_to_bit_exact_after_release(void**) {
  mcu::SoftLimiter lim(0.7f, 60.0f);
  FloatFrame in;
  PcmFrame out;
  sine(in, 0, 440.0, 3.0 * kFull);
  lim.process(in.data(), out.data(), kN);
  assert_true(lim.gain() < 0.3f);

  sine(in, 1, 440.0, 8000.0);
  for (float& s : in) s = std::round(s);
  lim.process(in.data(), out.data(), kN);
  assert_true(lim.gain() < 1.0f);  // still releasing: quieter than the input
  int differing = 0;
  for (size_t i = 0; i < kN; ++i) differing += out[i] != static_cast<int16_t>(in[i]) ? 1 : 0;
  assert_true(differing > 0);

  for (int frame = 0; frame < 50; ++frame) lim.process(in.data(), out.data(), kN);
  assert_true(lim.gain() == 1.0f);
  for (size_t i = 0; i < kN; ++i) assert_int_equal(out[i], static_cast<int16_t>(in[i]));
}

void test_loud_sine_is_a_clean_scaled_sine(void**) {
  mcu::SoftLimiter lim;
  FloatFrame in;
  PcmFrame out;
  for (size_t frame = 0; frame < 50; ++frame) {
    sine(in, frame, 440.0, 3.0 * kFull);
    lim.process(in.data(), out.data(), kN);
    if (frame == 0) continue;
    double dot = 0;
    double ref = 0;
    for (size_t i = 0; i < kN; ++i) {
      dot += static_cast<double>(out[i]) * in[i];
      ref += static_cast<double>(in[i]) * in[i];
    }
    const double scale = dot / ref;
    double residual = 0;
    double energy = 0;
    for (size_t i = 0; i < kN; ++i) {
      const double e = out[i] - scale * in[i];
      residual += e * e;
      energy += static_cast<double>(out[i]) * out[i];
    }
    assert_true(residual < 0.01 * energy);
    // Brought down to about the threshold, not far below it.
    assert_true(scale * 3.0 * kFull > 0.6 * kFull);
    assert_true(scale * 3.0 * kFull < 0.75 * kFull);
  }
}

void test_reset_restores_unity_gain(void**) {
  mcu::SoftLimiter lim;
  FloatFrame in;
  PcmFrame out;
  sine(in, 0, 440.0, 2.0 * kFull);
  lim.process(in.data(), out.data(), kN);
  assert_true(lim.gain() < 0.5f);
  lim.reset();
  assert_true(lim.gain() == 1.0f);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_heavy_overload_stays_in_range),
      cmocka_unit_test(test_static_curve_is_monotonic),
      cmocka_unit_test(test_onset_is_saturated_softly),
      cmocka_unit_test(test_below_threshold_is_bit_exact),
      cmocka_unit_test(test_recovers_to_bit_exact_after_release),
      cmocka_unit_test(test_loud_sine_is_a_clean_scaled_sine),
      cmocka_unit_test(test_reset_restores_unity_gain),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
