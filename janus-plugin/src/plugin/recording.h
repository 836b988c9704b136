// Recording a room: its mix to an Ogg Opus file, or, in a room with video, the
// composite and the mix to a WebM file. Started by the `record` room option or
// by `enable_recording`, stopped by enable_recording or destroy.
#pragma once

#include <jansson.h>

#include <optional>

#include "parse_error.h"
#include "state.h"

namespace conf {

// Opens the file `options` name (making its folder) and starts recording the
// room's mix; a file that cannot be made is an error.
std::optional<ParseError> start_recording(Room& room, const RecordOptions& options);
// Finishes the file, if the room is recording.
void stop_recording(Room& room);

json_t* handle_enable_recording(const json_t* message);

}  // namespace conf
