// Where the mixer thread hands the room's mix when the room is recorded. The
// calls copy and return; encoding and writing happen on the recorder's own thread.
#pragma once

#include <cstdint>

namespace mcu {

struct RecorderStats {
  uint64_t frames = 0;        // audio frames handed to the encoder
  uint64_t dropped = 0;       // audio frames lost because the writer fell more than its ring behind
  uint64_t video_frames = 0;  // composite frames written
  uint64_t video_dropped = 0;  // composite frames lost the same way
};

class MixRecorder {
 public:
  virtual ~MixRecorder() = default;
  // One kFrameSamples frame of the common mix.
  virtual void push(const int16_t* pcm) = 0;
  // `frames` frames of silence (ticks the mixer skipped), so the file keeps time.
  virtual void push_silence(uint64_t frames) = 0;
  virtual RecorderStats stats() const = 0;
};

}  // namespace mcu
