#include "janus_placement.h"

#include <algorithm>

namespace glue {

std::optional<std::size_t> place_conference(const std::vector<InstanceLoad>& instances) {
  std::optional<std::size_t> best;
  double best_load = 0;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const InstanceLoad& in = instances[i];
    if (!in.up || in.weight <= 0) continue;
    const double load =
        static_cast<double>(std::max(in.participants, in.conferences) + 1) / in.weight;
    if (!best || load < best_load) {
      best = i;
      best_load = load;
    }
  }
  return best;
}

}  // namespace glue
