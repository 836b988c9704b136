// Answers a participant's SDP offer: one sendrecv Opus audio m-line, every
// other m-line rejected (video comes with the video MCU).
#pragma once

#include <string>

namespace conf {

struct SdpAnswer {
  std::string sdp;
  int opus_payload_type = -1;
};

// Returns false with `error` set for an unparsable offer or one without Opus.
bool answer_offer(const char* offer, bool audio_level_ext, SdpAnswer* out, std::string* error);

}  // namespace conf
