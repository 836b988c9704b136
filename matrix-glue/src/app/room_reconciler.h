// Which of a Janus instance's rooms the glue destroys when it reconciles: the ones tagged as
// this deployment's (room_tag.h) that its state does not track. A crash between creating a
// room and committing the state leaves such a room; so does an instance that was seen lost
// while its rooms lived on (frozen, or cut off), since the state then dropped them.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "conference_replies.h"

namespace glue {

std::vector<ListedRoom> leftover_rooms(const std::vector<ListedRoom>& listed,
                                       const std::set<std::uint64_t>& tracked,
                                       const std::string& tag);

}  // namespace glue
