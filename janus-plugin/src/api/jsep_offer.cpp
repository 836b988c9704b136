#include "jsep_offer.h"

#include "errors.h"
#include "json_fields.h"

namespace conf {

std::optional<ParseError> parse_jsep_offer(const json_t* jsep, std::string* sdp) {
  if (!json_is_object(jsep)) return invalid_element("jsep", "an object");
  if (json_object_get(jsep, "type") == nullptr || json_object_get(jsep, "sdp") == nullptr)
    return ParseError{kErrMissingElement, "Missing element (jsep type/sdp)"};
  std::string type;
  if (auto e = read_string(jsep, "type", &type)) return e;
  if (auto e = read_string(jsep, "sdp", sdp)) return e;
  if (type != "offer") return ParseError{kErrInvalidSdp, "Only SDP offers are accepted"};
  return std::nullopt;
}

}  // namespace conf
