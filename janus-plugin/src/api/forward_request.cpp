#include "forward_request.h"

#include <arpa/inet.h>
#include <strings.h>

#include "errors.h"
#include "json_fields.h"
#include "room_options.h"
#include "unicast_address.h"

namespace conf {

namespace {

ParseError missing(const char* field) {
  return {kErrMissingElement, std::string("Missing element (") + field + ")"};
}

std::optional<ParseError> read_u32(const json_t* obj, const char* name, uint32_t* out) {
  const json_t* v = json_object_get(obj, name);
  if (v == nullptr) return std::nullopt;
  if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0xffffffffLL)
    return invalid_element(name, "an integer from 0 to 4294967295");
  *out = static_cast<uint32_t>(json_integer_value(v));
  return std::nullopt;
}

std::optional<ParseError> parse_credentials(const json_t* message, ForwardCredentials* out) {
  if (auto e = read_string(message, "secret", &out->secret)) return e;
  return read_string(message, "admin_key", &out->admin_key);
}

std::optional<ParseError> check_host(const json_t* message, std::string* host) {
  if (json_object_get(message, "host") == nullptr) return missing("host");
  if (auto e = read_string(message, "host", host)) return e;
  if (!is_unicast_address(*host))
    return invalid_element("host",
                           "one numeric unicast IPv4 or IPv6 address (no host names, "
                           "multicast, broadcast or unspecified addresses)");
  std::string family;
  if (auto e = read_string(message, "host_family", &family)) return e;
  if (family.empty()) return std::nullopt;
  in_addr v4{};
  const bool is_v4 = inet_pton(AF_INET, host->c_str(), &v4) == 1;
  if (strcasecmp(family.c_str(), "ipv4") == 0) {
    if (!is_v4) return invalid_element("host", "an IPv4 address (host_family is ipv4)");
  } else if (strcasecmp(family.c_str(), "ipv6") == 0) {
    if (is_v4) return invalid_element("host", "an IPv6 address (host_family is ipv6)");
  } else {
    return invalid_element("host_family", "ipv4 or ipv6");
  }
  return std::nullopt;
}

}  // namespace

std::optional<ParseError> parse_rtp_forward_request(const json_t* message, bool string_ids,
                                                    RtpForwardRequest* out) {
  if (auto e = parse_room_id(message, string_ids, &out->room)) return e;
  if (auto e = parse_credentials(message, &out->credentials)) return e;
  if (auto e = check_host(message, &out->host)) return e;
  if (json_object_get(message, "port") == nullptr) return missing("port");
  int port = 0;
  if (auto e = read_int(message, "port", 1, 65535, &port)) return e;
  out->port = static_cast<uint16_t>(port);
  if (auto e = read_u32(message, "ssrc", &out->ssrc)) return e;
  int pt = out->payload_type;
  if (auto e = read_int(message, "ptype", 0, 127, &pt)) return e;
  out->payload_type = static_cast<uint8_t>(pt);
  if (auto e = read_bool(message, "always_on", &out->always_on)) return e;
  std::string codec = "opus";
  if (auto e = read_string(message, "codec", &codec)) return e;
  if (strcasecmp(codec.c_str(), "opus") != 0)
    return ParseError{kErrInvalidRequest,
                      "Unsupported codec (" + codec + "): the mix is forwarded as Opus only"};
  // Rooms have no groups, so like AudioBridge in such a room the mix forwarded is the full one.
  std::string group;
  if (auto e = read_string(message, "group", &group)) return e;
  if (json_object_get(message, "srtp_suite") != nullptr ||
      json_object_get(message, "srtp_crypto") != nullptr)
    return ParseError{kErrInvalidRequest,
                      "SRTP forwarding is not supported (srtp_suite, srtp_crypto): forward "
                      "over a trusted network or to a local relay"};
  return std::nullopt;
}

std::optional<ParseError> parse_stop_rtp_forward_request(const json_t* message, bool string_ids,
                                                         StopRtpForwardRequest* out) {
  if (auto e = parse_room_id(message, string_ids, &out->room)) return e;
  if (auto e = parse_credentials(message, &out->credentials)) return e;
  if (json_object_get(message, "stream_id") == nullptr) return missing("stream_id");
  if (auto e = read_u32(message, "stream_id", &out->stream_id)) return e;
  if (out->stream_id == 0) return invalid_element("stream_id", "a positive integer");
  return std::nullopt;
}

std::optional<ParseError> parse_listforwarders_request(const json_t* message, bool string_ids,
                                                       ListForwardersRequest* out) {
  if (auto e = parse_room_id(message, string_ids, &out->room)) return e;
  return parse_credentials(message, &out->credentials);
}

bool forward_allowed(const ForwardCredentials& given, const std::string& room_secret,
                     const std::string& admin_key) {
  if (!admin_key.empty() && given.admin_key == admin_key) return true;
  if (!room_secret.empty()) return given.secret == room_secret;
  return admin_key.empty();
}

}  // namespace conf
