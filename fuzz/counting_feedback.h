// The sender's side of ParticipantVideo's feedback for a fuzz target: counts key frame requests
// (a fuzz run has no sender to send them to).
#pragma once

#include <cstdint>

#include "participant_video.h"

namespace fuzz {

class CountingFeedback : public mcu::VideoFeedback {
 public:
  void request_keyframe(bool full_intra_request) override { ++(full_intra_request ? firs : plis); }
  void cap_bitrate(uint32_t) override {}

  uint64_t plis = 0;
  uint64_t firs = 0;
};

}  // namespace fuzz
