#include "pcm_frame_ring.h"

#include <algorithm>
#include <cstring>

#include "opus_codec.h"

namespace mcu {

PcmFrameRing::PcmFrameRing(size_t frames) : samples_(frames * kFrameSamples), tags_(frames) {}

bool PcmFrameRing::push(const int16_t* pcm, int64_t tag) {
  if (queued_ == capacity()) {
    ++dropped_;
    return false;
  }
  const size_t slot = (head_ + queued_) % capacity();
  int16_t* frame = &samples_[slot * kFrameSamples];
  if (pcm != nullptr)
    std::memcpy(frame, pcm, kFrameSamples * sizeof(int16_t));
  else
    std::fill_n(frame, kFrameSamples, int16_t{0});
  tags_[slot] = tag;
  ++queued_;
  return true;
}

size_t PcmFrameRing::take_all(std::vector<int16_t>* pcm, std::vector<int64_t>* tags) {
  const size_t frames = queued_;
  for (size_t i = 0; i < frames; ++i) {
    const size_t slot = (head_ + i) % capacity();
    const int16_t* frame = &samples_[slot * kFrameSamples];
    pcm->insert(pcm->end(), frame, frame + kFrameSamples);
    if (tags != nullptr) tags->push_back(tags_[slot]);
  }
  head_ = (head_ + frames) % capacity();
  queued_ = 0;
  return frames;
}

}  // namespace mcu
