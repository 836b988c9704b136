// Where a new conference goes: the live Janus instance with the most headroom.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace glue {

struct InstanceLoad {
  bool up = false;
  double weight = 1.0;    // capacity relative to the others
  long participants = 0;  // callers in its rooms
  long conferences = 0;   // its rooms
};

// The index of the live instance whose load per unit of weight is lowest (the first of equals,
// in configuration order); nullopt when none is up. A room counts as at least one participant,
// so that conferences created at once, before anyone joined, still spread.
std::optional<std::size_t> place_conference(const std::vector<InstanceLoad>& instances);

}  // namespace glue
