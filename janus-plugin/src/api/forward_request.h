// `rtp_forward`, `stop_rtp_forward` and `listforwarders`: forwarding a room's
// mix to a plain RTP destination, with AudioBridge's field names. Only Opus
// over plain RTP to one numeric unicast address: no G.711, no SRTP, no
// multicast, and no host names (resolving one would block Janus' request
// thread on DNS).
#pragma once

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "parse_error.h"

namespace conf {

// Who may forward: the room's secret or the plugin's admin_key.
struct ForwardCredentials {
  std::optional<std::string> secret;
  std::optional<std::string> admin_key;
};

struct RtpForwardRequest {
  std::string room;
  ForwardCredentials credentials;
  std::string host;  // numeric unicast IPv4 or IPv6
  uint16_t port = 0;
  uint32_t ssrc = 0;  // 0: the stream_id, as AudioBridge
  uint8_t payload_type = 100;
  bool always_on = false;  // also send (silence) while nobody is in the room
};

std::optional<ParseError> parse_rtp_forward_request(const json_t* message, bool string_ids,
                                                    RtpForwardRequest* out);

struct StopRtpForwardRequest {
  std::string room;
  ForwardCredentials credentials;
  uint32_t stream_id = 0;
};

std::optional<ParseError> parse_stop_rtp_forward_request(const json_t* message, bool string_ids,
                                                         StopRtpForwardRequest* out);

struct ListForwardersRequest {
  std::string room;
  ForwardCredentials credentials;
};

std::optional<ParseError> parse_listforwarders_request(const json_t* message, bool string_ids,
                                                       ListForwardersRequest* out);

// Whether the credentials may touch a room's forwarders: the room's secret or
// the admin_key, either one. A room without a secret is open only while the
// plugin has no admin_key.
bool forward_allowed(const ForwardCredentials& given, const std::string& room_secret,
                     const std::string& admin_key);

}  // namespace conf
