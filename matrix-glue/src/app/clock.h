#pragma once

#include <chrono>
#include <cstdint>

namespace glue {

// The monotonic clock the core's now_ms and received_ms use.
inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace glue
