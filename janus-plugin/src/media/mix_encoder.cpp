#include "mix_encoder.h"

#include <algorithm>

namespace mcu {

MixEncoder::MixEncoder(const OpusEncoderSettings& settings)
    : encoder_(settings), out_(kMaxOpusPacket) {}

std::span<const uint8_t> MixEncoder::next(const int16_t* pcm, std::span<const uint8_t> source,
                                          EncodeCounts& counts) {
  if (!source.empty()) {
    previous_known_ = pcm != nullptr;
    if (previous_known_) std::copy(pcm, pcm + kFrameSamples, previous_.begin());
    passing_ = true;
    ++counts.passed_through;
    return source;
  }
  if (pcm == nullptr) return {};
  if (passing_) {
    passing_ = false;
    if (previous_known_) {
      encode(previous_.data(), counts);
    } else {
      encoder_.reset();
    }
  }
  return encode(pcm, counts);
}

std::span<const uint8_t> MixEncoder::encode(const int16_t* pcm, EncodeCounts& counts) {
  ++counts.encodes;
  const int n = encoder_.encode(pcm, out_.data(), out_.size());
  if (n <= 0) return {};
  return {out_.data(), static_cast<size_t>(n)};
}

}  // namespace mcu
