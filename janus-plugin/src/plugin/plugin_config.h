// Reads janus.plugin.conference.jcfg: the `general` category and one
// category per pre-declared room (any other name).
#pragma once

#include <string>
#include <vector>

#include "state.h"

namespace conf {

// Returns false with `error` set on an invalid file; a missing file means defaults.
bool load_config(const std::string& path, PluginSettings* settings, std::vector<RoomOptions>* rooms,
                 std::string* error);

}  // namespace conf
