#include "tick_histogram.h"

#include <algorithm>
#include <cmath>

namespace mcu {

void TickHistogram::record(int64_t us) {
  const auto it = std::lower_bound(kBoundsUs.begin(), kBoundsUs.end(), us);
  ++counts_[static_cast<size_t>(it - kBoundsUs.begin())];
}

void TickHistogram::merge(const TickHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

uint64_t TickHistogram::count() const {
  uint64_t n = 0;
  for (uint64_t c : counts_) n += c;
  return n;
}

int64_t TickHistogram::percentile_us(double q) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  const auto rank =
      static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(n)));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= std::max<uint64_t>(rank, 1)) return std::min(kBoundsUs[i], kBoundsUs[14]);
  }
  return kBoundsUs[14];
}

}  // namespace mcu
