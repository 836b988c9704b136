// Where a new conference goes: the live Janus instance with the most headroom.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace glue {

struct InstanceLoad {
  bool up = false;
  double weight = 1.0;    // capacity relative to the others
  long participants = 0;  // in its rooms: the plugin's count (rooms others made too), or ours
  long conferences = 0;   // its rooms
  double tick_load = 0;   // the plugin's tick threads' busy share, 0..1
};

// The index of the live instance whose load per unit of weight is lowest (the first of equals,
// in configuration order); nullopt when none is up. A room counts as at least one participant,
// so that conferences created at once, before anyone joined, still spread. An instance whose
// tick load is above `tick_load_high_water` is passed over while another live one is not: its
// ticks are about to run late, whatever its participant count says.
std::optional<std::size_t> place_conference(const std::vector<InstanceLoad>& instances,
                                            double tick_load_high_water = 1.0);

}  // namespace glue
