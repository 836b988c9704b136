// Where the compositor thread hands its encoded VP8 frames when the room is
// recorded: the frames every viewer gets, not encoded again. The call copies
// and returns; writing happens on the recorder's own thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mcu {

class CompositeRecorder {
 public:
  virtual ~CompositeRecorder() = default;
  // One encoded frame composited at now_us (monotonic_us()).
  virtual void push_video(const uint8_t* data, size_t len, bool key, int64_t now_us) = 0;
};

}  // namespace mcu
