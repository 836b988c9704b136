#include "tracked_rooms.h"

#include <utility>

namespace glue {

void TrackedRooms::set(std::map<std::string, std::set<std::uint64_t>> rooms) {
  std::lock_guard lock(mutex_);
  rooms_ = std::move(rooms);
}

std::set<std::uint64_t> TrackedRooms::on(const std::string& instance) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(instance);
  return it != rooms_.end() ? it->second : std::set<std::uint64_t>{};
}

}  // namespace glue
