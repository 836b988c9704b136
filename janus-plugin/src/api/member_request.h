// `kick`, `mute` and `unmute`: a moderator's request about one participant.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "parse_error.h"

namespace conf {

struct MemberRequest {
  std::string room;
  uint64_t id = 0;
  std::optional<std::string> secret;
};

std::optional<ParseError> parse_member_request(const json_t* message, bool string_ids,
                                               MemberRequest* out);

}  // namespace conf
