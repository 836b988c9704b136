#include "jsep.h"

#include "errors.h"
#include "json_fields.h"

namespace conf {

std::optional<ParseError> parse_jsep(const json_t* jsep, Jsep* out) {
  if (!json_is_object(jsep)) return invalid_element("jsep", "an object");
  if (json_object_get(jsep, "type") == nullptr || json_object_get(jsep, "sdp") == nullptr)
    return ParseError{kErrMissingElement, "Missing element (jsep type/sdp)"};
  std::string type;
  if (auto e = read_string(jsep, "type", &type)) return e;
  if (auto e = read_string(jsep, "sdp", &out->sdp)) return e;
  if (type == "offer") {
    out->type = Jsep::Type::kOffer;
  } else if (type == "answer") {
    out->type = Jsep::Type::kAnswer;
  } else {
    return ParseError{kErrInvalidSdp, "Unsupported SDP type '" + type + "' (offer or answer)"};
  }
  return std::nullopt;
}

}  // namespace conf
