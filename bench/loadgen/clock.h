// Time helpers shared by the load generator's threads.
#pragma once

#include <cerrno>
#include <cstdint>
#include <ctime>

namespace loadgen {

// Pacing and deadlines use the monotonic clock.
inline int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Latency uses the realtime clock: the kernel stamps received datagrams with it
// (SO_TIMESTAMPNS), so send and arrival times come from the same clock.
inline int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

inline void sleep_until_monotonic_ns(int64_t deadline) {
  timespec ts{};
  ts.tv_sec = deadline / 1000000000;
  ts.tv_nsec = deadline % 1000000000;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace loadgen
