#include "room_request.h"

#include "json_fields.h"

namespace conf {

std::optional<ParseError> parse_room_request(const json_t* message, bool string_ids,
                                             RoomRequest* out) {
  if (auto e = parse_room_id(message, string_ids, &out->room)) return e;
  return read_string(message, "secret", &out->secret);
}

std::optional<ParseError> parse_create_request(const json_t* message, bool string_ids,
                                               const RoomOptions& defaults, CreateRequest* out) {
  if (auto e = read_string(message, "admin_key", &out->admin_key)) return e;
  out->options = defaults;
  out->options.id.clear();
  return parse_room_options(message, string_ids, false, &out->options);
}

}  // namespace conf
