// The rooms the core's committed state tracks on each Janus instance, handed from the engine's
// thread (after each commit) to the Janus workers' (reconciliation).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace glue {

class TrackedRooms {
 public:
  void set(std::map<std::string, std::set<std::uint64_t>> rooms);
  std::set<std::uint64_t> on(const std::string& instance) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::set<std::uint64_t>> rooms_;
};

}  // namespace glue
