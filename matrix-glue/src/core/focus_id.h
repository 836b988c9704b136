// Conference focus user IDs: which group room a focus user stands for.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace glue {

// `@<prefix><base32(room_id)>:<server_name>`: unpadded RFC 4648 base32 in lowercase, because
// room IDs are case-sensitive and new user IDs must be lowercase.
std::string make_focus_user_id(std::string_view room_id, std::string_view prefix,
                               std::string_view server_name);

// The historic form (`@<prefix><unpadded standard base64(room_id)>:<server_name>`) that early
// Matrix web clients computed, for tools that print both.
std::string make_legacy_focus_user_id(std::string_view room_id, std::string_view prefix,
                                      std::string_view server_name);

// The group room a focus user ID stands for, in either form; nothing for any other user ID
// (other server or prefix, bytes outside the alphabet, non-canonical encodings, or decoded
// bytes that are not a plausible room ID).
std::optional<std::string> parse_focus_user_id(std::string_view user_id, std::string_view prefix,
                                               std::string_view server_name);

// `!opaque:server` with printable ASCII, or the server-less form of room version 12
// (`!` and 43 unpadded URL-safe base64 characters).
bool is_plausible_room_id(std::string_view room_id);

}  // namespace glue
