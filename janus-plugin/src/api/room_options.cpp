#include "room_options.h"

#include <cctype>
#include <cstring>
#include <string_view>

#include "errors.h"
#include "json_fields.h"

namespace conf {

namespace {

// AudioBridge features this plugin does not have: refusing them beats
// silently running a room without what the caller asked for.
std::optional<ParseError> refuse_unsupported(const json_t* obj) {
  for (const char* name : {"permanent", "spatial_audio", "mjrs", "denoise"}) {
    const json_t* v = json_object_get(obj, name);
    if (v != nullptr && json_is_true(v)) {
      return ParseError{kErrInvalidRequest, std::string(name) + " is not supported by this plugin"};
    }
  }
  const json_t* allowed = json_object_get(obj, "allowed");
  if (allowed != nullptr && json_array_size(allowed) > 0) {
    return ParseError{kErrInvalidRequest, "allowed (token ACLs) is not supported by this plugin"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<ParseError> parse_video_layout(const json_t* value, bool* speaker) {
  const char* name = json_is_string(value) ? json_string_value(value) : nullptr;
  if (name != nullptr && std::strcmp(name, "grid") == 0) {
    *speaker = false;
  } else if (name != nullptr && std::strcmp(name, "speaker") == 0) {
    *speaker = true;
  } else {
    return invalid_element("video_layout", "\"grid\" or \"speaker\"");
  }
  return std::nullopt;
}

const char* video_layout_name(bool speaker) {
  return speaker ? "speaker" : "grid";
}

std::optional<ParseError> parse_room_id(const json_t* request, bool string_ids, std::string* out,
                                        const char* field) {
  const json_t* v = json_object_get(request, field);
  if (v == nullptr)
    return ParseError{kErrMissingElement, std::string("Missing element (") + field + ")"};
  if (string_ids) {
    // A jcfg room section spells "1234" as a bare number.
    if (json_is_integer(v) && json_integer_value(v) > 0) {
      *out = std::to_string(static_cast<long long>(json_integer_value(v)));
      return std::nullopt;
    }
    if (json_is_string(v) && json_string_length(v) > 0) {
      *out = json_string_value(v);
      return std::nullopt;
    }
    return invalid_element(field, "a non-empty string");
  }
  if (!json_is_integer(v) || json_integer_value(v) <= 0)
    return invalid_element(field, "a positive integer");
  *out = std::to_string(static_cast<unsigned long long>(json_integer_value(v)));
  return std::nullopt;
}

json_t* room_id_json(const std::string& id, bool string_ids) {
  if (string_ids) return json_string(id.c_str());
  return json_integer(static_cast<json_int_t>(std::stoull(id)));
}

std::optional<ParseError> parse_room_options(const json_t* obj, bool string_ids, bool require_id,
                                             RoomOptions* out) {
  if (!json_is_object(obj)) return ParseError{kErrInvalidJson, "Room settings must be an object"};
  if (auto e = refuse_unsupported(obj)) return e;
  if (json_object_get(obj, "room") != nullptr || require_id) {
    if (auto e = parse_room_id(obj, string_ids, &out->id)) return e;
  }
  if (auto e = read_string(obj, "description", &out->description)) return e;
  if (auto e = read_string(obj, "secret", &out->secret)) return e;
  if (auto e = read_string(obj, "pin", &out->pin)) return e;
  if (auto e = read_bool(obj, "is_private", &out->is_private)) return e;
  if (auto e = read_bool(obj, "allow_rtp_participants", &out->allow_rtp_participants)) return e;
  if (auto e = read_bool(obj, "audiolevel_ext", &out->audiolevel_ext)) return e;
  if (auto e = read_bool(obj, "audiolevel_event", &out->audiolevel_event)) return e;
  if (auto e = read_bool(obj, "join_tone", &out->join_tone)) return e;
  if (auto e = read_bool(obj, "leave_tone", &out->leave_tone)) return e;
  if (auto e = read_int(obj, "max_participants", 0, 100000, &out->max_participants)) return e;
  if (auto e = read_int(obj, "max_speakers", 1, 16, &out->max_speakers)) return e;
  if (auto e = read_int(obj, "default_bitrate", 0, 510000, &out->bitrate)) return e;
  if (auto e = read_int(obj, "complexity", 0, 10, &out->complexity)) return e;
  if (auto e = read_int(obj, "default_expectedloss", 0, 20, &out->expected_loss)) return e;
  // Accepted for AudioBridge compatibility; the mix always runs at 48 kHz.
  int sampling_rate = 48000;
  if (auto e = read_int(obj, "sampling_rate", 8000, 48000, &sampling_rate)) return e;
  if (out->bitrate == 0) out->bitrate = 32000;
  if (auto e = read_bool(obj, "video", &out->video)) return e;
  // Even sizes: I420 chroma covers 2x2 pixels. The limits keep one room's
  // encoder within a core.
  if (auto e = read_int(obj, "video_width", 128, 1920, &out->video_width)) return e;
  if (auto e = read_int(obj, "video_height", 96, 1080, &out->video_height)) return e;
  if (out->video_width % 2 != 0 || out->video_height % 2 != 0)
    return invalid_element("video_width and video_height", "even");
  if (auto e = read_int(obj, "video_fps", 1, 30, &out->video_fps)) return e;
  if (auto e = read_int(obj, "video_bitrate", 100000, 8000000, &out->video_bitrate)) return e;
  if (const json_t* layout = json_object_get(obj, "video_layout")) {
    if (auto e = parse_video_layout(layout, &out->video_speaker_layout)) return e;
  }
  return parse_record_options(obj, &out->recording);
}

json_t* jcfg_value_to_json(const char* value) {
  std::string_view v = value != nullptr ? value : "";
  if (v == "true" || v == "yes") return json_true();
  if (v == "false" || v == "no") return json_false();
  bool digits = !v.empty() && v.size() < 19;
  for (char c : v) digits = digits && std::isdigit(static_cast<unsigned char>(c)) != 0;
  if (digits) return json_integer(static_cast<json_int_t>(std::stoll(std::string(v))));
  return json_string(std::string(v).c_str());
}

}  // namespace conf
