// SDP answers both ways. The plugin answers a participant's offer: one
// sendrecv Opus audio m-line and, when the room has video, one VP8 video
// m-line in the direction the offer allows (the participant's camera in, the
// room's composite out); every other m-line is rejected. And a participant
// answers the plugin's offer (join with generate_offer): what it accepted is
// read from its answer the same way.
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

// Reads a participant's answer to the plugin's offer into `out` (its sdp
// stays empty): its own payload types, and the video directions when video
// was offered. Returns false with `error` set for an unparsable answer or one
// that accepts no Opus.
bool read_answer(const char* answer, bool video_offered, SdpAnswer* out, std::string* error);

}  // namespace conf
