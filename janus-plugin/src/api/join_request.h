// A `join` request as typed fields: the one place its JSON is read and
// checked. Authorization (pin) and room state are the caller's business.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "forward_request.h"
#include "parse_error.h"

namespace conf {

// The `rtp` object of a plain-RTP join (AudioBridge's shape).
struct RtpTarget {
  std::string ip;     // numeric unicast
  uint16_t port = 0;  // 0 (a link's join only): not known yet, set by configure
  int payload_type = 111;
  int audio_level_ext = 0;  // 0: the remote sends no RFC 6464 levels
};

// A link to a linked room on another instance (cascading): a plain-RTP
// participant that carries the far room's mix in and this room's mix out.
// It may join before it knows the far port (each side learns the other's
// from its join reply), so rtp.port may be left out and set by configure.
struct LinkOptions {
  // Links are mixed beside the speaker cap: the room's secret or the admin_key, as rtp_forward.
  ForwardCredentials credentials;
  int timeout_s = 5;  // nothing from the far side this long: the link is lost; 0 = never
};

struct JoinRequest {
  std::string room;
  uint64_t id = 0;  // 0: the plugin picks one
  std::optional<std::string> display;
  std::optional<std::string> pin;
  bool muted = false;
  std::optional<RtpTarget> rtp;
  std::optional<LinkOptions> link;  // with rtp
  // The plugin makes the SDP offer (a call back to the peer), the peer
  // answers with `configure`; offer_video adds a VP8 m-line to it.
  bool generate_offer = false;
  bool offer_video = false;
};

std::optional<ParseError> parse_join_request(const json_t* message, bool string_ids,
                                             JoinRequest* out);

// The `rtp` object; `port_optional` lets a link leave its far port out.
std::optional<ParseError> parse_rtp_target(const json_t* rtp, bool port_optional, RtpTarget* out);

// Fields AudioBridge takes per participant that the shared mix ignores
// (bitrate, quality, volume, expected_loss): still checked, so that a broken
// client hears about it.
std::optional<ParseError> check_ignored_participant_fields(const json_t* message);

}  // namespace conf
