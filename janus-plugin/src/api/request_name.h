// The "request" field of a message body, checked before anything else.
#pragma once

#include <jansson.h>

#include <optional>
#include <string>

#include "parse_error.h"

namespace conf {

// 481 when the body is not an object, 483 without "request", 484 when it is
// not a string.
std::optional<ParseError> parse_request_name(const json_t* message, std::string* out);

}  // namespace conf
