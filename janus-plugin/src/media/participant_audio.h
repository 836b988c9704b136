// One sender's inbound audio: jitter buffer in, 20 ms PCM frames out.
//
// insert() runs on the network thread (Janus' media thread or the plain-RTP
// reader); next_frame() on the room's mixer thread. Only the jitter buffer is
// shared, behind a short lock; decoding happens outside it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "jitter_buffer.h"
#include "opus_codec.h"
#include "rtp.h"

namespace mcu {

class ParticipantAudio {
 public:
  explicit ParticipantAudio(const JitterBufferConfig& config = {});

  InsertResult insert(const RtpPacketView& packet, int64_t arrival_us);

  enum class FrameResult {
    kNothing,  // no audio this tick
    kDecoded,  // pcm holds kFrameSamples samples
    kQuiet,    // the sender said it is quiet; pcm untouched, the frame is silence
  };

  // The next 20 ms, for the tick at now_us (monotonic), and the sender's RFC
  // 6464 level for them (-1 when it sent none). A packet whose sender-provided level is quieter
  // than skip_quieter_than (a larger RFC 6464 number) is not decoded: in a big room most
  // microphones are quiet, and decoding them would be most of the cost.
  FrameResult next_frame(int16_t* pcm, int* level, int64_t now_us,
                         int skip_quieter_than = kDecodeAll);

  static constexpr int kDecodeAll = 128;

  // The packet the last kDecoded frame was decoded from, when that frame is exactly one whole
  // mono 20 ms packet (no concealment, no part of another packet); empty otherwise. Valid
  // until the next next_frame(). A mix of this frame alone can send it as it came.
  std::span<const uint8_t> whole_packet() const;

  JitterBufferStats stats() const;
  // Any thread (stats while the mixer runs).
  uint64_t decode_errors() const { return decode_errors_.load(std::memory_order_relaxed); }
  uint64_t skipped_decodes() const { return skipped_decodes_.load(std::memory_order_relaxed); }

 private:
  bool refill(int64_t now_us, int skip_quieter_than);

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
  bool last_skipped_ = false;  // the decoder has not seen the last packet
  bool quiet_frame_ = false;   // refill() produced one whole quiet frame, not samples
  bool whole_packet_ = false;  // the last frame is payload_ decoded, all of it
  // Written here, read by stats readers on other threads.
  std::atomic<uint64_t> decode_errors_{0};
  std::atomic<uint64_t> skipped_decodes_{0};
};

}  // namespace mcu
