#include "request_name.h"

#include "errors.h"
#include "json_fields.h"

namespace conf {

std::optional<ParseError> parse_request_name(const json_t* message, std::string* out) {
  if (!json_is_object(message))
    return ParseError{kErrInvalidJson, "Invalid JSON: the body must be an object"};
  if (json_object_get(message, "request") == nullptr)
    return ParseError{kErrMissingElement, "Missing element (request)"};
  return read_string(message, "request", out);
}

}  // namespace conf
