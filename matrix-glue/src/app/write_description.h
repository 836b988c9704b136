// How log lines name one of the glue's writes to the homeserver: what it is and in which room,
// the focus' group room or a caller's 1:1 room (told apart by the focus user ID, which names
// its group room).
#pragma once

#include <string>

#include "store.h"

namespace glue {

std::string describe_write(const OutboxRequest& write, const std::string& focus_prefix,
                           const std::string& server_name);

}  // namespace glue
