// The JSEP of a join or configure: an SDP offer or answer, nothing else.
#pragma once

#include <jansson.h>

#include <optional>
#include <string>

#include "parse_error.h"

namespace conf {

struct Jsep {
  enum class Type { kOffer, kAnswer };
  Type type = Type::kOffer;
  std::string sdp;
};

// 483 without type and sdp, 484 when they are not strings, 493 for a type
// other than offer or answer. What the SDP says is for the SDP code to judge.
std::optional<ParseError> parse_jsep(const json_t* jsep, Jsep* out);

}  // namespace conf
