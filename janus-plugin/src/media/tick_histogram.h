// How long ticks took, in fixed buckets: cheap to record on every tick, mergeable across
// rooms, and enough for percentiles in the stats (a percentile is its bucket's upper bound).
#pragma once

#include <array>
#include <cstdint>

namespace mcu {

class TickHistogram {
 public:
  // Upper bounds in microseconds; the last bucket holds everything above the one before.
  static constexpr std::array<int64_t, 16> kBoundsUs = {50,    100,   200,   300,      500,  750,
                                                        1000,  1500,  2000,  3000,     5000, 7500,
                                                        10000, 15000, 20000, INT64_MAX};

  void record(int64_t us);
  void merge(const TickHistogram& other);
  uint64_t count() const;
  // The upper bound of the bucket that holds quantile q (0..1); 0 when empty, and
  // kBoundsUs[14] (20 ms) for the open last bucket, whose bound says nothing.
  int64_t percentile_us(double q) const;

 private:
  std::array<uint64_t, kBoundsUs.size()> counts_{};
};

}  // namespace mcu
