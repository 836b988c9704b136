#include "room_reconciler.h"

#include "room_tag.h"

namespace glue {

std::vector<ListedRoom> leftover_rooms(const std::vector<ListedRoom>& listed,
                                       const std::set<std::uint64_t>& tracked,
                                       const std::string& tag) {
  std::vector<ListedRoom> out;
  for (const ListedRoom& r : listed) {
    if (has_tag(r.description, tag) && !tracked.contains(r.room)) out.push_back(r);
  }
  return out;
}

}  // namespace glue
