// The JSEP of a join or configure: an SDP offer, nothing else.
#pragma once

#include <jansson.h>

#include <optional>
#include <string>

#include "parse_error.h"

namespace conf {

// 483 without type and sdp, 484 when they are not strings, 493 for anything
// but an offer. What the SDP says is for the SDP answerer to judge.
std::optional<ParseError> parse_jsep_offer(const json_t* jsep, std::string* sdp);

}  // namespace conf
