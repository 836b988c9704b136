#include "ogg_opus_recorder.h"

#include <opusenc.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "opus_codec.h"

namespace mcu {

namespace {

// The writer wakes on its own this often instead of being signalled per frame,
// which would cost the mixer thread a system call every tick.
constexpr auto kWriterPeriod = std::chrono::milliseconds(100);

}  // namespace

std::unique_ptr<OggOpusRecorder> OggOpusRecorder::open(const std::string& path, int bitrate,
                                                       int complexity, std::string* error) {
  OggOpusComments* comments = ope_comments_create();
  if (comments == nullptr) {
    *error = "out of memory";
    return nullptr;
  }
  int err = OPE_OK;
  OggOpusEnc* enc = ope_encoder_create_file(path.c_str(), comments, kSampleRate, 1, 0, &err);
  ope_comments_destroy(comments);
  if (enc == nullptr) {
    *error = ope_strerror(err);
    if (err == OPE_CANNOT_OPEN) *error += std::string(" (") + std::strerror(errno) + ")";
    return nullptr;
  }
  ope_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate));
  // libopus' default is 10; the room's own setting keeps a recording's cost
  // that of one more mix encode.
  ope_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity));
  return std::unique_ptr<OggOpusRecorder>(new OggOpusRecorder(enc));
}

OggOpusRecorder::OggOpusRecorder(OggOpusEnc* enc)
    : enc_(enc), ring_(kRingFrames), writer_([this] { run(); }) {}

OggOpusRecorder::~OggOpusRecorder() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
  ope_encoder_drain(enc_);
  ope_encoder_destroy(enc_);
}

void OggOpusRecorder::push(const int16_t* pcm) {
  std::lock_guard lock(mutex_);
  ring_.push(pcm);
}

void OggOpusRecorder::push_silence(uint64_t frames) {
  std::lock_guard lock(mutex_);
  for (uint64_t i = 0; i < frames; ++i) ring_.push(nullptr);
}

RecorderStats OggOpusRecorder::stats() const {
  std::lock_guard lock(mutex_);
  RecorderStats stats;
  stats.frames = written_;
  stats.dropped = ring_.dropped();
  return stats;
}

void OggOpusRecorder::run() {
  std::vector<int16_t> batch;
  batch.reserve(ring_.capacity() * kFrameSamples);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, kWriterPeriod, [this] { return stopping_; });
    // Copy out, then encode and write without the lock so push() never waits on them.
    batch.clear();
    const size_t frames = ring_.take_all(&batch, nullptr);
    const bool last = stopping_;
    lock.unlock();
    if (frames > 0) ope_encoder_write(enc_, batch.data(), static_cast<int>(batch.size()));
    lock.lock();
    written_ += frames;
    if (last) return;
  }
}

}  // namespace mcu
