#include "member_request.h"

#include "errors.h"
#include "json_fields.h"
#include "room_options.h"

namespace conf {

std::optional<ParseError> parse_member_request(const json_t* message, bool string_ids,
                                               MemberRequest* out) {
  if (auto e = parse_room_id(message, string_ids, &out->room)) return e;
  if (json_object_get(message, "id") == nullptr)
    return ParseError{kErrMissingElement, "Missing element (id)"};
  if (auto e = read_participant_id(message, "id", &out->id)) return e;
  return read_string(message, "secret", &out->secret);
}

}  // namespace conf
