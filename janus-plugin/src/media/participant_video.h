// One sender's inbound video: VP8 RTP in, the newest decoded picture out.
//
// insert() runs on the network thread (Janus' media thread for this
// participant), which depacketizes, decodes and scales the picture to the size
// of its tile, so that work spreads over the senders' threads instead of piling
// onto the room's compositor, which then only copies. The compositor reads the
// newest picture under a short lock (double buffering: the scaled copy is
// swapped in, never written while read).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "i420_compositor.h"
#include "rtp.h"
#include "vp8_codec.h"
#include "vp8_depacketizer.h"

namespace mcu {

// Feedback to one video sender. Called from the media thread (key frame
// requests) and the compositor thread (bitrate caps); must not block.
class VideoFeedback {
 public:
  virtual ~VideoFeedback() = default;
  // full_intra_request: send a FIR rather than a PLI.
  virtual void request_keyframe(bool full_intra_request) = 0;
  // The most this sender should send (REMB).
  virtual void cap_bitrate(uint32_t bps) = 0;
};

struct ParticipantVideoConfig {
  Vp8DepacketizerConfig depacketizer;
  // Key frame requests are at least this far apart: a sender needs a moment to
  // produce one, and asking again meanwhile only costs it bandwidth.
  int64_t keyframe_request_interval_us = 500000;
  // After this many PLIs without a decodable key frame, ask with FIR instead
  // (some senders ignore PLI).
  int plis_before_fir = 3;
  // Larger key frames than this are refused (a hostile size would otherwise
  // make the decoder allocate for it).
  int max_width = 3840;
  int max_height = 2160;
};

struct ParticipantVideoStats {
  uint64_t packets = 0;
  uint64_t malformed = 0;
  uint64_t frames_decoded = 0;
  uint64_t decode_errors = 0;
  uint64_t oversized = 0;
  uint64_t plis = 0;
  uint64_t firs = 0;
  uint64_t lost_packets = 0;
};

class ParticipantVideo {
 public:
  ParticipantVideo(const ParticipantVideoConfig& config, std::shared_ptr<VideoFeedback> feedback);

  // One VP8 RTP packet from the sender. Packets are ignored while muted.
  void insert(const RtpPacketView& packet, int64_t now_us);

  void set_muted(bool muted);
  bool muted() const { return muted_; }

  // The tile the picture goes into: pictures are published already scaled to
  // fit it with their aspect ratio kept. 0x0 (no tile yet): full size.
  void set_tile_size(int width, int height);

  // Calls draw(picture) with the newest decoded picture when there is one that
  // arrived after `not_before_us` and the sender is not muted; returns whether
  // it did. The picture stays valid during the call only.
  bool with_picture(int64_t not_before_us, const std::function<void(const I420View&)>& draw) const;

  ParticipantVideoStats stats() const;

 private:
  void maybe_request_keyframe(int64_t now_us);
  void publish(int64_t now_us);

  ParticipantVideoConfig config_;
  std::shared_ptr<VideoFeedback> feedback_;
  std::atomic<bool> muted_{false};
  std::atomic<uint64_t> tile_size_{0};  // width << 32 | height

  // The network thread's state; the lock only matters for stats() and for
  // plain-RTP style callers that insert from more than one thread.
  mutable std::mutex insert_mutex_;
  Vp8Depacketizer depacketizer_;
  Vp8Decoder decoder_;
  Vp8Frame frame_;
  I420Image back_;
  bool decoder_broken_ = false;  // feed it nothing but key frames
  bool frames_missed_ = false;   // lost or withheld since the last key frame
  uint64_t trouble_seen_ = 0;
  int64_t last_request_us_ = 0;
  int requests_unanswered_ = 0;
  ParticipantVideoStats stats_;

  // Shared with the compositor.
  mutable std::mutex picture_mutex_;
  I420Image front_;
  int64_t front_us_ = -1;  // arrival of the front picture, -1 for none
};

}  // namespace mcu
