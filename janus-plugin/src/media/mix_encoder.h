// The Opus encoder of one mix (the common mix, or a speaker's mix-minus). When the mix is one
// participant's frame sample for sample (a lone talker) and that frame came from one whole
// 20 ms packet, that packet goes out as it came: no encode, and no second generation of coding.
// Back to encoding after such a run, the encoder first takes the frame before it (its output
// dropped), so its look-ahead and analysis hold the recent audio, not what it heard seconds ago.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "opus_codec.h"

namespace mcu {

struct EncodeCounts {
  uint64_t encodes = 0;         // Opus encodes run
  uint64_t passed_through = 0;  // mixes sent as their one source's packet
};

class MixEncoder {
 public:
  explicit MixEncoder(const OpusEncoderSettings& settings);

  // pcm: the mix (kFrameSamples); source: the packet it equals, or empty. pcm may be null
  // when source is given (the mix was never decoded): back to encoding after that, the encoder
  // starts afresh, since it has no recent frame to take first. Returns what to send (empty on
  // an encoder error), valid until the next call and while `source` is. Adds what it did to
  // `counts`.
  std::span<const uint8_t> next(const int16_t* pcm, std::span<const uint8_t> source,
                                EncodeCounts& counts);

 private:
  std::span<const uint8_t> encode(const int16_t* pcm, EncodeCounts& counts);

  OpusEncoderMono encoder_;
  std::vector<uint8_t> out_;
  std::array<int16_t, kFrameSamples> previous_{};  // the last frame passed through
  bool passing_ = false;
  bool previous_known_ = false;  // previous_ holds the last frame passed through
};

}  // namespace mcu
