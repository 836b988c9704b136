#include "configure_request.h"

#include "errors.h"
#include "join_request.h"
#include "json_fields.h"
#include "room_options.h"

namespace conf {

namespace {

std::optional<ParseError> read_optional_bool(const json_t* obj, const char* name,
                                             std::optional<bool>* out) {
  bool value = false;
  if (json_object_get(obj, name) == nullptr) return std::nullopt;
  if (auto e = read_bool(obj, name, &value)) return e;
  *out = value;
  return std::nullopt;
}

}  // namespace

std::optional<ParseError> parse_configure_request(const json_t* message, ConfigureRequest* out) {
  if (auto e = read_optional_bool(message, "muted", &out->muted)) return e;
  if (auto e = read_string(message, "display", &out->display)) return e;
  if (auto e = read_optional_bool(message, "video", &out->video)) return e;
  if (const json_t* layout = json_object_get(message, "video_layout")) {
    bool speaker = false;
    if (auto e = parse_video_layout(layout, &speaker)) return e;
    out->video_speaker_layout = speaker;
  }
  if (auto e = read_string(message, "secret", &out->secret)) return e;
  if (const json_t* rtp = json_object_get(message, "rtp")) {
    RtpTarget target;
    if (auto e = parse_rtp_target(rtp, false, &target)) return e;
    out->rtp = target;
  }
  // AudioBridge renegotiates with an offer of its own here; ours only offers in a join.
  bool generate_offer = false;
  if (auto e = read_bool(message, "generate_offer", &generate_offer)) return e;
  if (generate_offer)
    return ParseError{kErrInvalidRequest,
                      "generate_offer is only for join (renegotiate with an offer of yours)"};
  return check_ignored_participant_fields(message);
}

}  // namespace conf
