// Records a video room as WebM: the composite's VP8 frames, as the compositor
// encoded them for its viewers, and the mix as an Opus track. As with
// OggOpusRecorder, the mixer and compositor threads only copy into rings; a
// writer thread of the recorder's own encodes the mix and writes both tracks,
// so neither an encoder nor a slow disk ever delays a tick. Both tracks are
// timed on the monotonic clock from the recording's start, so they stay in sync.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "composite_recorder.h"
#include "mix_recorder.h"
#include "opus_codec.h"
#include "pcm_frame_ring.h"
#include "webm_muxer.h"

namespace mcu {

class WebmRecorder : public MixRecorder, public CompositeRecorder {
 public:
  // What the rings hold: 5 s of audio, and of video up to 30 fps.
  static constexpr size_t kRingFrames = 250;
  static constexpr size_t kVideoRingFrames = 150;

  // Creates (or truncates) `path` for a width x height composite and the mix
  // at `audio`'s bitrate and complexity. Null with *error set when the file
  // cannot be opened. Frames before the first key frame are left out: ask the
  // compositor for one.
  static std::shared_ptr<WebmRecorder> open(const std::string& path, int width, int height,
                                            const OpusEncoderSettings& audio, std::string* error);
  // Writes out what was pushed and finishes the file.
  ~WebmRecorder() override;
  WebmRecorder(const WebmRecorder&) = delete;
  WebmRecorder& operator=(const WebmRecorder&) = delete;

  void push(const int16_t* pcm) override;
  void push_silence(uint64_t frames) override;
  void push_video(const uint8_t* data, size_t len, bool key, int64_t now_us) override;
  RecorderStats stats() const override;

 private:
  struct VideoFrame {
    std::vector<uint8_t> data;
    int64_t ms = 0;
    bool key = false;
  };
  struct AudioPacket {
    size_t offset = 0;  // in packets_
    size_t len = 0;
    int64_t ms = 0;
  };

  WebmRecorder(std::unique_ptr<OpusEncoderMono> encoder, std::unique_ptr<WebmMuxer> muxer);
  void run();
  // Under mutex_: the time of the next mix frame, whether or not the ring takes it.
  int64_t next_audio_ms();
  int64_t ms_since_start(int64_t now_us) const;
  // Writer thread: encodes the batch's mix frames and writes them and its
  // `video` frames in time order.
  void write_batch(size_t video);

  std::unique_ptr<OpusEncoderMono> encoder_;  // writer thread only
  std::unique_ptr<WebmMuxer> muxer_;          // writer thread only, until it ends
  const int64_t start_us_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  PcmFrameRing ring_;  // tagged with each frame's time; guarded by mutex_
  // When the first mix frame arrived; every later one is 20 ms on. Guarded by mutex_.
  int64_t audio_origin_ms_ = -1;
  uint64_t audio_pushed_ = 0;           // guarded by mutex_
  std::vector<VideoFrame> video_ring_;  // kVideoRingFrames; guarded by mutex_
  size_t video_head_ = 0;               // guarded by mutex_
  size_t video_queued_ = 0;             // guarded by mutex_
  bool seen_key_ = false;               // guarded by mutex_
  bool stopping_ = false;               // guarded by mutex_
  RecorderStats stats_;                 // guarded by mutex_; ring_ counts the dropped audio

  // Writer thread only.
  std::vector<int16_t> batch_;
  std::vector<int64_t> batch_ms_;
  std::vector<VideoFrame> video_batch_;
  std::vector<uint8_t> packets_;
  std::vector<AudioPacket> audio_;

  std::thread writer_;
};

}  // namespace mcu
