// A `configure` request as typed fields; absent fields stay unset (no change).
#pragma once

#include <jansson.h>

#include <optional>
#include <string>

#include "join_request.h"
#include "parse_error.h"

namespace conf {

struct ConfigureRequest {
  std::optional<bool> muted;
  std::optional<std::string> display;
  std::optional<bool> video;                 // false: the own tile shows the no-video marker
  std::optional<bool> video_speaker_layout;  // the room's layout
  std::optional<std::string> secret;
  // A link's far end (ip and port; the join's payload type and levels stay).
  std::optional<RtpTarget> rtp;
};

std::optional<ParseError> parse_configure_request(const json_t* message, ConfigureRequest* out);

}  // namespace conf
