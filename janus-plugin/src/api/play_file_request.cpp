#include "play_file_request.h"

#include "errors.h"
#include "json_fields.h"
#include "record_options.h"

namespace conf {

namespace {

std::optional<ParseError> read_file_id(const json_t* message, std::string* out) {
  if (auto e = read_string(message, "file_id", out)) return e;
  if (out->empty()) return invalid_element("file_id", "a non-empty string");
  if (out->size() > kMaxFileId)
    return ParseError{kErrInvalidElement, "Invalid element (file_id is longer than " +
                                              std::to_string(kMaxFileId) + " bytes)"};
  return std::nullopt;
}

}  // namespace

std::optional<ParseError> parse_play_file_request(const json_t* message, bool string_ids,
                                                  PlayFileRequest* out) {
  if (auto e = parse_room_request(message, string_ids, &out->room)) return e;
  if (json_object_get(message, "filename") == nullptr)
    return ParseError{kErrMissingElement, "Missing element (filename)"};
  if (auto e = read_string(message, "filename", &out->filename)) return e;
  if (auto e = check_file_path(out->filename, "filename")) return e;
  if (json_object_get(message, "file_id") != nullptr) {
    if (auto e = read_file_id(message, &out->file_id)) return e;
  }
  return read_bool(message, "loop", &out->loop);
}

std::optional<ParseError> parse_file_request(const json_t* message, bool string_ids,
                                             FileRequest* out) {
  if (auto e = parse_room_request(message, string_ids, &out->room)) return e;
  if (json_object_get(message, "file_id") == nullptr)
    return ParseError{kErrMissingElement, "Missing element (file_id)"};
  return read_file_id(message, &out->file_id);
}

}  // namespace conf
