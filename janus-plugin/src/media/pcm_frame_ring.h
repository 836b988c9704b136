// The 20 ms mix frames on their way from the mixer thread to a recorder's
// writer thread: a fixed ring, so pushing never allocates or waits. It has no
// lock of its own; the recorder's mutex guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mcu {

class PcmFrameRing {
 public:
  explicit PcmFrameRing(size_t frames);

  // Copies one kFrameSamples frame in (null: silence) with a tag of the
  // caller's (a time, say). False, and counted as dropped, when the ring is full.
  bool push(const int16_t* pcm, int64_t tag = 0);
  // Appends every queued frame to `pcm` and its tag to `tags` (unless null),
  // oldest first, and empties the ring. Returns how many frames it took.
  size_t take_all(std::vector<int16_t>* pcm, std::vector<int64_t>* tags);

  size_t capacity() const { return tags_.size(); }
  uint64_t dropped() const { return dropped_; }

 private:
  std::vector<int16_t> samples_;
  std::vector<int64_t> tags_;
  size_t head_ = 0;  // oldest queued frame
  size_t queued_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace mcu
