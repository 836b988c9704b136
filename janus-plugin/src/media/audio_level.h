// Audio level in RFC 6464 terms: 0 is 0 dBov (loudest), 127 is -127 dBov or
// quieter (silence).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mcu {

constexpr int kSilentLevel = 127;

// RMS level of the frame in -dBov, 0..127, relative to a full-scale square wave
// as RFC 6464 says.
int rfc6464_level(const int16_t* pcm, size_t n);

}  // namespace mcu
