// play_file, is_playing and stop_file (AudioBridge's names and fields): a room,
// its secret, and the announcement's file_id; play_file adds the file.
#pragma once

#include <jansson.h>

#include <optional>
#include <string>

#include "parse_error.h"
#include "room_request.h"

namespace conf {

// Longest file_id taken, in bytes.
constexpr size_t kMaxFileId = 256;

struct PlayFileRequest {
  RoomRequest room;
  std::string file_id;   // empty: the plugin picks one
  std::string filename;  // an Ogg Opus file on the Janus host
  bool loop = false;
};

// filename is required, a path without ".." (check_file_path); file_id, when
// given, is a non-empty string of at most kMaxFileId bytes; loop a boolean.
std::optional<ParseError> parse_play_file_request(const json_t* message, bool string_ids,
                                                  PlayFileRequest* out);

// is_playing and stop_file: file_id is required.
struct FileRequest {
  RoomRequest room;
  std::string file_id;
};

std::optional<ParseError> parse_file_request(const json_t* message, bool string_ids,
                                             FileRequest* out);

}  // namespace conf
