#pragma once

#include <cstdint>

namespace mcu {

// Microseconds on the monotonic clock: packet arrival times and tick times.
int64_t monotonic_us();

}  // namespace mcu
