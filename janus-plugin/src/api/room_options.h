// Room and plugin settings, read from a `create` request or from a room
// category of janus.plugin.conference.jcfg (converted to JSON first, so both
// go through the same checks). Jansson only, no Janus headers.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "parse_error.h"
#include "record_options.h"

namespace conf {

struct RoomOptions {
  std::string id;  // decimal digits unless string_ids
  std::string description;
  std::string secret;
  std::string pin;
  bool is_private = false;
  bool allow_rtp_participants = false;
  bool audiolevel_ext = true;    // negotiate RFC 6464 with WebRTC participants
  bool audiolevel_event = true;  // send talking / stopped-talking
  // Short tones the others hear when someone joins or leaves.
  bool join_tone = false;
  bool leave_tone = false;
  int max_participants = 0;  // 0 = unlimited
  int max_speakers = 3;
  int bitrate = 32000;
  int complexity = 5;
  int expected_loss = 5;
  // Video composite (one VP8 stream for every viewer).
  bool video = true;
  int video_width = 1280;
  int video_height = 720;
  int video_fps = 30;
  int video_bitrate = 1500000;        // bps
  bool video_speaker_layout = false;  // "speaker" instead of "grid"
  RecordOptions recording;
};

// "grid" / "speaker" -> video_speaker_layout; anything else is an error.
std::optional<ParseError> parse_video_layout(const json_t* value, bool* speaker);
const char* video_layout_name(bool speaker);

// Reads the fields of `object` over `defaults`. With string_ids, room IDs are
// strings; otherwise positive integers. require_id: the "room" field must be there.
std::optional<ParseError> parse_room_options(const json_t* object, bool string_ids, bool require_id,
                                             RoomOptions* out);

// Reads the "room" field (or `field`) of a request as a room ID.
std::optional<ParseError> parse_room_id(const json_t* request, bool string_ids, std::string* out,
                                        const char* field = "room");

// The room ID as it goes back to clients: a number unless string_ids.
json_t* room_id_json(const std::string& id, bool string_ids);

// A jcfg value is always a string; this gives it the JSON type it spells
// ("true"/"yes" -> true, digits -> integer, else the string).
json_t* jcfg_value_to_json(const char* value);

}  // namespace conf
