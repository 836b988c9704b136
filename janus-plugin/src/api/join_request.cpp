#include "join_request.h"

#include <climits>
#include <cstring>

#include "errors.h"
#include "json_fields.h"
#include "room_options.h"
#include "unicast_address.h"

namespace conf {

std::optional<ParseError> parse_rtp_target(const json_t* rtp, bool port_optional, RtpTarget* out) {
  if (!json_is_object(rtp)) return invalid_element("rtp", "an object");
  const json_t* offer = json_object_get(rtp, "generate_offer");
  if (offer != nullptr && !json_is_boolean(offer))
    return invalid_element("rtp.generate_offer", "a boolean");
  if (json_is_true(offer))
    return ParseError{kErrInvalidRequest, "rtp.generate_offer is not supported by this plugin"};
  const json_t* ip = json_object_get(rtp, "ip");
  const json_t* port = json_object_get(rtp, "port");
  if (ip == nullptr || (port == nullptr && !port_optional))
    return ParseError{kErrMissingElement, "Missing element (rtp.ip and rtp.port)"};
  if (!json_is_string(ip) || !is_unicast_address(json_string_value(ip)))
    return invalid_element("rtp.ip", "a numeric unicast IP address");
  int port_value = 0;
  if (read_int(rtp, "port", 1, 65535, &port_value))
    return invalid_element("rtp.port", "an integer from 1 to 65535");
  out->ip = json_string_value(ip);
  out->port = static_cast<uint16_t>(port_value);
  if (read_int(rtp, "payload_type", 0, 127, &out->payload_type))
    return invalid_element("rtp.payload_type", "an integer from 0 to 127");
  if (read_int(rtp, "audiolevel_ext", 1, 14, &out->audio_level_ext))
    return invalid_element("rtp.audiolevel_ext", "an integer from 1 to 14");
  return std::nullopt;
}

std::optional<ParseError> check_ignored_participant_fields(const json_t* message) {
  int ignored = 0;
  if (auto e = read_int(message, "bitrate", 0, 510000, &ignored)) return e;
  if (auto e = read_int(message, "quality", 1, 10, &ignored)) return e;
  if (auto e = read_int(message, "volume", 0, INT_MAX, &ignored)) return e;
  return read_int(message, "expected_loss", 0, 20, &ignored);
}

std::optional<ParseError> parse_join_request(const json_t* message, bool string_ids,
                                             JoinRequest* out) {
  if (auto e = parse_room_id(message, string_ids, &out->room)) return e;
  if (auto e = read_participant_id(message, "id", &out->id)) return e;
  if (auto e = read_string(message, "display", &out->display)) return e;
  if (auto e = read_string(message, "pin", &out->pin)) return e;
  if (auto e = read_bool(message, "muted", &out->muted)) return e;
  std::string codec = "opus";
  if (auto e = read_string(message, "codec", &codec)) return e;
  if (codec != "opus") return invalid_element("codec", "\"opus\" (the only codec supported)");
  if (auto e = check_ignored_participant_fields(message)) return e;
  bool link = false;
  if (auto e = read_bool(message, "link", &link)) return e;
  if (link) {
    LinkOptions options;
    if (auto e = read_string(message, "secret", &options.credentials.secret)) return e;
    if (auto e = read_string(message, "admin_key", &options.credentials.admin_key)) return e;
    if (read_int(message, "link_timeout", 0, 3600, &options.timeout_s))
      return invalid_element("link_timeout", "an integer from 0 to 3600 (seconds)");
    out->link = options;
  } else if (json_object_get(message, "link_timeout") != nullptr) {
    return ParseError{kErrInvalidRequest, "link_timeout is for a join with link: true"};
  }
  if (auto e = read_bool(message, "generate_offer", &out->generate_offer)) return e;
  if (auto e = read_bool(message, "offer_video", &out->offer_video)) return e;
  if (out->offer_video && !out->generate_offer)
    return ParseError{kErrInvalidRequest, "offer_video needs generate_offer"};
  if (const json_t* rtp = json_object_get(message, "rtp")) {
    if (out->generate_offer)
      return ParseError{kErrInvalidRequest,
                        "generate_offer is for WebRTC participants, not with rtp"};
    RtpTarget target;
    if (auto e = parse_rtp_target(rtp, link, &target)) return e;
    out->rtp = target;
  } else if (link) {
    return ParseError{kErrMissingElement, "Missing element (rtp: a link is plain RTP)"};
  }
  return std::nullopt;
}

}  // namespace conf
