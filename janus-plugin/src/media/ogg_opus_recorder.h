// Records the room's mix as an Ogg Opus file (libopusenc). The mixer thread
// only copies each 20 ms frame into a ring; a writer thread of the recorder's
// own encodes and writes them, so neither the encoder nor a slow disk ever
// delays a tick.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mix_recorder.h"
#include "pcm_frame_ring.h"

struct OggOpusEnc;

namespace mcu {

class OggOpusRecorder : public MixRecorder {
 public:
  // Frames the ring holds: 5 s of audio.
  static constexpr size_t kRingFrames = 250;

  // Creates (or truncates) `path`, mono 48 kHz at `bitrate` bps and Opus
  // `complexity`. Null with *error set when the file cannot be opened.
  static std::unique_ptr<OggOpusRecorder> open(const std::string& path, int bitrate, int complexity,
                                               std::string* error);
  // Writes out what was pushed and finishes the file.
  ~OggOpusRecorder() override;
  OggOpusRecorder(const OggOpusRecorder&) = delete;
  OggOpusRecorder& operator=(const OggOpusRecorder&) = delete;

  // Copies and returns, never waits for the writer.
  void push(const int16_t* pcm) override;
  void push_silence(uint64_t frames) override;
  RecorderStats stats() const override;

 private:
  explicit OggOpusRecorder(OggOpusEnc* enc);
  void run();

  OggOpusEnc* enc_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  PcmFrameRing ring_;      // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  uint64_t written_ = 0;   // guarded by mutex_
  std::thread writer_;
};

}  // namespace mcu
