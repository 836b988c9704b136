#include "room_request.h"

#include "errors.h"
#include "json_fields.h"

namespace conf {

std::optional<ParseError> parse_room_request(const json_t* message, bool string_ids,
                                             RoomRequest* out) {
  if (auto e = parse_room_id(message, string_ids, &out->room)) return e;
  return read_string(message, "secret", &out->secret);
}

std::optional<ParseError> parse_enable_recording_request(const json_t* message, bool string_ids,
                                                         EnableRecordingRequest* out) {
  if (auto e = parse_room_request(message, string_ids, &out->room)) return e;
  if (json_object_get(message, "record") == nullptr)
    return ParseError{kErrMissingElement, "Missing element (record)"};
  RecordOptions given;
  if (auto e = parse_record_options(message, &given)) return e;
  out->record = given.record;
  if (json_object_get(message, "record_file") != nullptr) out->record_file = given.file;
  if (json_object_get(message, "record_dir") != nullptr) out->record_dir = given.dir;
  return std::nullopt;
}

std::optional<ParseError> parse_create_request(const json_t* message, bool string_ids,
                                               const RoomOptions& defaults, CreateRequest* out) {
  if (auto e = read_string(message, "admin_key", &out->admin_key)) return e;
  out->options = defaults;
  out->options.id.clear();
  return parse_room_options(message, string_ids, false, &out->options);
}

}  // namespace conf
