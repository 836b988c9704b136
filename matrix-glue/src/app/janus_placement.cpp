#include "janus_placement.h"

#include <algorithm>

namespace glue {

std::optional<std::size_t> place_conference(const std::vector<InstanceLoad>& instances,
                                            double tick_load_high_water) {
  auto live = [](const InstanceLoad& in) { return in.up && in.weight > 0; };
  const bool any_below = std::any_of(instances.begin(), instances.end(), [&](const auto& in) {
    return live(in) && in.tick_load <= tick_load_high_water;
  });
  std::optional<std::size_t> best;
  double best_load = 0;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const InstanceLoad& in = instances[i];
    if (!live(in) || (any_below && in.tick_load > tick_load_high_water)) continue;
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
