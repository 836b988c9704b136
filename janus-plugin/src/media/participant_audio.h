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
    // Only when asked with may_defer: one whole mono 20 ms packet, with the sender's level,
    // not decoded (pcm untouched). whole_packet() holds it; decode_deferred() decodes it if its
    // samples are needed after all. A lone talker's packet goes out as it came, so decoding it
    // would be wasted: that decode was a quarter of the plugin's CPU with many small rooms.
    kDeferred,
  };

  // The next 20 ms, for the tick at now_us (monotonic), and the sender's RFC
  // 6464 level for them (-1 when it sent none). A packet whose sender-provided level is quieter
  // than skip_quieter_than (a larger RFC 6464 number) is not decoded: in a big room most
  // microphones are quiet, and decoding them would be most of the cost.
  FrameResult next_frame(int16_t* pcm, int* level, int64_t now_us,
                         int skip_quieter_than = kDecodeAll, bool may_defer = false);

  // Decodes the frame next_frame() deferred into pcm (kFrameSamples). The decoder first runs
  // over the last packets it missed while frames were deferred (output dropped), so that it
  // resumes as if it had heard them, not with a click from where it stopped.
  void decode_deferred(int16_t* pcm);

  static constexpr int kDecodeAll = 128;

  // The packet the last kDecoded frame was decoded from, when that frame is exactly one whole
  // mono 20 ms packet (no concealment, no part of another packet); empty otherwise. Valid
  // until the next next_frame(). A mix of this frame alone can send it as it came.
  std::span<const uint8_t> whole_packet() const;

  JitterBufferStats stats() const;
  // Any thread (stats while the mixer runs).
  uint64_t decode_errors() const { return decode_errors_.load(std::memory_order_relaxed); }
  uint64_t skipped_decodes() const { return skipped_decodes_.load(std::memory_order_relaxed); }
  // Packets run through the decoder, warm-up included.
  uint64_t decodes() const { return decodes_.load(std::memory_order_relaxed); }

  // Missed packets the decoder runs over before decoding again (100 ms). Measured on a voiced
  // test signal, the first frame decoded again is 33 dB from what a decoder that heard
  // everything makes of it; 10 dB without warm-up, 20 dB after 3 packets, 42 dB after 8.
  static constexpr size_t kWarmUpPackets = 5;

 private:
  bool refill(int64_t now_us, int skip_quieter_than, bool may_defer);
  int decode(const uint8_t* data, size_t len, int16_t* out, int max_samples);
  void warm_up();

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
  bool deferred_ = false;      // payload_ holds a frame next_frame() deferred, not decoded yet
  // The latest packets the decoder missed while frames were deferred, oldest first.
  std::array<std::vector<uint8_t>, kWarmUpPackets> missed_;
  size_t missed_count_ = 0;
  // Written here, read by stats readers on other threads.
  std::atomic<uint64_t> decode_errors_{0};
  std::atomic<uint64_t> skipped_decodes_{0};
  std::atomic<uint64_t> decodes_{0};
};

}  // namespace mcu
