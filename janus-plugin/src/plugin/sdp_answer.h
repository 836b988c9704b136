// Answers a participant's SDP offer: one sendrecv Opus audio m-line and, when
// the room has video, one VP8 video m-line in the direction the offer allows
// (the participant's camera in, the room's composite out). Every other m-line
// is rejected.
#pragma once

#include <string>

namespace conf {

struct SdpAnswer {
  std::string sdp;
  int opus_payload_type = -1;
  int vp8_payload_type = -1;  // -1: no video accepted
  bool video_in = false;      // the participant sends its camera
  bool video_out = false;     // the participant receives the composite
};

// Returns false with `error` set for an unparsable offer or one without Opus.
// A video m-line without VP8, or any video in a room without video, is
// rejected in the answer (port 0) and the call goes on audio-only.
bool answer_offer(const char* offer, bool audio_level_ext, bool video, SdpAnswer* out,
                  std::string* error);

}  // namespace conf
