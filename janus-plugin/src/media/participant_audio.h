// One sender's inbound audio: jitter buffer in, 20 ms PCM frames out.
//
// insert() runs on the network thread (Janus' media thread or the plain-RTP
// reader); next_frame() on the room's mixer thread. Only the jitter buffer is
// shared, behind a short lock; decoding happens outside it.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "jitter_buffer.h"
#include "opus_codec.h"
#include "rtp.h"

namespace mcu {

class ParticipantAudio {
 public:
  explicit ParticipantAudio(const JitterBufferConfig& config = {});

  InsertResult insert(const RtpPacketView& packet, int64_t arrival_us);

  // Fills kFrameSamples of pcm and the sender's RFC 6464 level for the packet
  // (-1 when it sent none). Returns false when there is no audio this tick.
  bool next_frame(int16_t* pcm, int* level);

  JitterBufferStats stats() const;
  uint64_t decode_errors() const { return decode_errors_; }

 private:
  bool refill();

  mutable std::mutex mutex_;
  JitterBuffer jitter_;  // guarded by mutex_

  // Mixer thread only.
  OpusDecoderMono decoder_;
  std::vector<uint8_t> payload_;
  std::vector<uint8_t> fec_;
  std::array<int16_t, kMaxPacketSamples + kFrameSamples> pcm_{};
  int pending_ = 0;
  int last_level_ = -1;
  int last_packet_samples_ = kFrameSamples;
  uint64_t decode_errors_ = 0;
};

}  // namespace mcu
