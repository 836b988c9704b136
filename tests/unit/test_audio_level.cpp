// RFC 6464 level of a frame relative to a full-scale square wave.
#include <cmath>
#include <cstdint>
#include <vector>

#include "audio_level.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

constexpr size_t kN = 960;
constexpr double kPi = 3.14159265358979323846;

std::vector<int16_t> square(int amp) {
  std::vector<int16_t> f(kN);
  for (size_t i = 0; i < kN; ++i) f[i] = static_cast<int16_t>((i / 24) % 2 == 0 ? amp : -amp);
  return f;
}

std::vector<int16_t> sine(double amp) {
  std::vector<int16_t> f(kN);
  for (size_t i = 0; i < kN; ++i) {
    f[i] = static_cast<int16_t>(std::lround(amp * std::sin(2 * kPi * 1000.0 * i / 48000.0)));
  }
  return f;
}

void test_reference_levels(void**) {
  assert_int_equal(mcu::rfc6464_level(square(32767).data(), kN), 0);
  assert_int_equal(mcu::rfc6464_level(square(16384).data(), kN), 6);
  assert_int_equal(mcu::rfc6464_level(sine(32767).data(), kN), 3);     // -3.01 dBov
  assert_int_equal(mcu::rfc6464_level(sine(3277).data(), kN), 23);     // -20 dB below that
  assert_int_equal(mcu::rfc6464_level(square(1).data(), kN), 90);      // one LSB: -90.3 dBov
  assert_int_equal(mcu::rfc6464_level(square(-32768).data(), kN), 0);  // clamped, not negative
}

void test_silence_and_near_silence(void**) {
  std::vector<int16_t> f(kN, 0);
  assert_int_equal(mcu::rfc6464_level(f.data(), kN), mcu::kSilentLevel);
  f[17] = 1;  // RMS 1/sqrt(960): -120 dBov
  assert_int_equal(mcu::rfc6464_level(f.data(), kN), 120);
  assert_int_equal(mcu::rfc6464_level(f.data(), 0), mcu::kSilentLevel);
  assert_int_equal(mcu::rfc6464_level(nullptr, kN), mcu::kSilentLevel);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_levels),
      cmocka_unit_test(test_silence_and_near_silence),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
