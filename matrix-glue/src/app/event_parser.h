// Matrix events as the homeserver sends them (JSON) -> the core's inputs.
// Anything malformed or of no interest yields nothing; `why` says what was
// wrong with a malformed event of a known type, for the log.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "events.h"

namespace glue {

std::optional<Event> parse_matrix_event(const json_t* event, int64_t received_ms, std::string* why);

// The call events only (for a room's recent history).
std::optional<CallEvent> parse_call_event(const json_t* event, int64_t received_ms,
                                          std::string* why);

// The content of an m.room.power_levels event of `room_id` (as read from the room's state).
// Levels that are not integers count as absent (the spec's defaults apply).
PowerLevels parse_power_levels(const std::string& room_id, const json_t* content);

}  // namespace glue
