// Requests about a whole room: `create`, and `destroy` / `exists` /
// `listparticipants`, which name a room and (destroy) carry its secret.
#pragma once

#include <jansson.h>

#include <optional>
#include <string>

#include "parse_error.h"
#include "room_options.h"

namespace conf {

struct RoomRequest {
  std::string room;
  std::optional<std::string> secret;
};

std::optional<ParseError> parse_room_request(const json_t* message, bool string_ids,
                                             RoomRequest* out);

// enable_recording: `record` is required; record_file and record_dir replace
// the room's for this and later recordings.
struct EnableRecordingRequest {
  RoomRequest room;
  bool record = false;
  std::optional<std::string> record_file;
  std::optional<std::string> record_dir;
};

std::optional<ParseError> parse_enable_recording_request(const json_t* message, bool string_ids,
                                                         EnableRecordingRequest* out);

struct CreateRequest {
  RoomOptions options;  // id empty: the plugin picks one
  std::optional<std::string> admin_key;
};

// The request's room keys over `defaults` (the .jcfg's general category).
std::optional<ParseError> parse_create_request(const json_t* message, bool string_ids,
                                               const RoomOptions& defaults, CreateRequest* out);

}  // namespace conf
