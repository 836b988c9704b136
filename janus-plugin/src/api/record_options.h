// A room's recording settings, AudioBridge's names: `record`, and where the
// file goes: `record_dir` (a folder, absolute or relative to Janus' working
// directory) and `record_file` (a path inside it). Neither may climb out with
// "..", and record_file may not be absolute, so a recording never lands
// outside the folder its room names.
#pragma once

#include <jansson.h>

#include <optional>
#include <string>

#include "parse_error.h"

namespace conf {

struct RecordOptions {
  bool record = false;
  std::string file;  // empty: a name with the room ID and the start time
  std::string dir;   // empty: Janus' working directory
};

// A file path from a request (`field` names it in the error): not empty, at
// most 1024 bytes, no ".." component.
std::optional<ParseError> check_file_path(const std::string& path, const char* field);

// Reads record, record_file and record_dir of `obj` over `out`.
std::optional<ParseError> parse_record_options(const json_t* obj, RecordOptions* out);

// The file a recording starting at `now_us` (µs since the epoch) writes: dir/file,
// or, without record_file, AudioBridge's name with our extension:
// janus-audioroom-<room>-<now_us>.opus.
std::string record_path(const RecordOptions& options, const std::string& room, long long now_us);

}  // namespace conf
