#include "focus_id.h"

#include <array>
#include <cstdint>

namespace glue {
namespace {

constexpr std::string_view kBase32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr size_t kMaxRoomIdBytes = 255;

// Encodes `bits` bits per character, without padding.
std::string encode(std::string_view bytes, std::string_view alphabet, int bits) {
  std::string out;
  uint32_t acc = 0;
  int have = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    have += 8;
    while (have >= bits) {
      have -= bits;
      out += alphabet[(acc >> have) & ((1u << bits) - 1)];
    }
  }
  if (have > 0) out += alphabet[(acc << (bits - have)) & ((1u << bits) - 1)];
  return out;
}

// Strict inverse of encode(): rejects characters outside the alphabet, impossible lengths and
// non-zero leftover bits, so that each room has exactly one user ID per form.
std::optional<std::string> decode(std::string_view text, std::string_view alphabet, int bits) {
  std::array<int, 256> value;
  value.fill(-1);
  for (size_t i = 0; i < alphabet.size(); ++i)
    value[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  std::string out;
  uint32_t acc = 0;
  int have = 0;
  for (unsigned char c : text) {
    if (value[c] < 0) return std::nullopt;
    acc = (acc << bits) | static_cast<uint32_t>(value[c]);
    have += bits;
    if (have >= 8) {
      have -= 8;
      out += static_cast<char>((acc >> have) & 0xFF);
    }
  }
  if (have >= bits || (acc & ((1u << have) - 1)) != 0) return std::nullopt;
  return out;
}

bool is_server_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == ':' || c == '[' || c == ']';
}

bool is_url_safe_base64_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::string user_id(std::string_view prefix, const std::string& localpart_tail,
                    std::string_view server_name) {
  std::string id = "@";
  id.append(prefix).append(localpart_tail).append(":").append(server_name);
  return id;
}

}  // namespace

std::string make_focus_user_id(std::string_view room_id, std::string_view prefix,
                               std::string_view server_name) {
  return user_id(prefix, encode(room_id, kBase32, 5), server_name);
}

std::string make_legacy_focus_user_id(std::string_view room_id, std::string_view prefix,
                                      std::string_view server_name) {
  return user_id(prefix, encode(room_id, kBase64, 6), server_name);
}

std::optional<std::string> parse_focus_user_id(std::string_view user_id, std::string_view prefix,
                                               std::string_view server_name) {
  const size_t head = 1 + prefix.size();
  const size_t tail = 1 + server_name.size();
  if (user_id.size() <= head + tail || user_id[0] != '@' ||
      user_id.substr(1, prefix.size()) != prefix ||
      user_id.substr(user_id.size() - tail) != std::string(":").append(server_name)) {
    return std::nullopt;
  }
  const std::string_view encoded = user_id.substr(head, user_id.size() - head - tail);
  // Lowercase base32 is our own form. Base64 (uppercase letters, '+', '/') is what early
  // clients computed and invite: Synapse lets an Application Service own such IDs, so we
  // answer to them too. A string valid in both alphabets is read as base32 first.
  for (auto [alphabet, bits] : {std::pair{kBase32, 5}, std::pair{kBase64, 6}}) {
    std::optional<std::string> room = decode(encoded, alphabet, bits);
    if (room && is_plausible_room_id(*room)) return room;
  }
  return std::nullopt;
}

bool is_plausible_room_id(std::string_view room_id) {
  if (room_id.size() < 2 || room_id.size() > kMaxRoomIdBytes || room_id[0] != '!') return false;
  for (char c : room_id) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  const size_t colon = room_id.find(':');
  if (colon == std::string_view::npos) {
    if (room_id.size() != 44) return false;
    for (char c : room_id.substr(1)) {
      if (!is_url_safe_base64_char(c)) return false;
    }
    return true;
  }
  if (colon == 1 || colon + 1 == room_id.size()) return false;
  for (char c : room_id.substr(colon + 1)) {
    if (!is_server_char(c)) return false;
  }
  return true;
}

}  // namespace glue
