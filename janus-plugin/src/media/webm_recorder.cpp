#include "webm_recorder.h"

#include <algorithm>
#include <chrono>

#include "monotonic.h"

namespace mcu {

namespace {

// The writer wakes on its own this often instead of being signalled per frame,
// which would cost the mixer and compositor threads a system call every tick.
constexpr auto kWriterPeriod = std::chrono::milliseconds(100);
constexpr int64_t kFrameMs = 20;

}  // namespace

std::shared_ptr<WebmRecorder> WebmRecorder::open(const std::string& path, int width, int height,
                                                 const OpusEncoderSettings& audio,
                                                 std::string* error) {
  OpusEncoderSettings settings = audio;
  settings.inband_fec = false;  // a file loses nothing
  settings.expected_loss = 0;
  auto encoder = std::make_unique<OpusEncoderMono>(settings);
  if (!encoder->ok()) {
    *error = "the Opus encoder could not be set up";
    return nullptr;
  }
  auto muxer = WebmMuxer::open(path, WebmTracks{width, height, encoder->lookahead()}, error);
  if (!muxer) return nullptr;
  return std::shared_ptr<WebmRecorder>(new WebmRecorder(std::move(encoder), std::move(muxer)));
}

WebmRecorder::WebmRecorder(std::unique_ptr<OpusEncoderMono> encoder,
                           std::unique_ptr<WebmMuxer> muxer)
    : encoder_(std::move(encoder)),
      muxer_(std::move(muxer)),
      start_us_(monotonic_us()),
      ring_(kRingFrames),
      video_ring_(kVideoRingFrames),
      packets_(kRingFrames * kMaxOpusPacket),
      writer_([this] { run(); }) {}

WebmRecorder::~WebmRecorder() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
  muxer_->finish();
}

int64_t WebmRecorder::ms_since_start(int64_t now_us) const {
  return std::max<int64_t>(0, (now_us - start_us_) / 1000);
}

int64_t WebmRecorder::next_audio_ms() {
  if (audio_origin_ms_ < 0) audio_origin_ms_ = ms_since_start(monotonic_us());
  return audio_origin_ms_ + kFrameMs * static_cast<int64_t>(audio_pushed_++);
}

void WebmRecorder::push(const int16_t* pcm) {
  std::lock_guard lock(mutex_);
  ring_.push(pcm, next_audio_ms());
}

void WebmRecorder::push_silence(uint64_t frames) {
  std::lock_guard lock(mutex_);
  for (uint64_t i = 0; i < frames; ++i) ring_.push(nullptr, next_audio_ms());
}

void WebmRecorder::push_video(const uint8_t* data, size_t len, bool key, int64_t now_us) {
  std::lock_guard lock(mutex_);
  // Nothing before the first key frame decodes.
  if (!seen_key_ && !key) return;
  seen_key_ = true;
  if (video_queued_ == kVideoRingFrames) {
    ++stats_.video_dropped;
    return;
  }
  // The slot keeps its capacity from earlier frames: no allocation once warm.
  VideoFrame& slot = video_ring_[(video_head_ + video_queued_) % kVideoRingFrames];
  slot.data.assign(data, data + len);
  slot.ms = ms_since_start(now_us);
  slot.key = key;
  ++video_queued_;
}

RecorderStats WebmRecorder::stats() const {
  std::lock_guard lock(mutex_);
  RecorderStats stats = stats_;
  stats.dropped = ring_.dropped();
  return stats;
}

void WebmRecorder::run() {
  batch_.reserve(kRingFrames * kFrameSamples);
  batch_ms_.reserve(kRingFrames);
  audio_.reserve(kRingFrames);
  video_batch_.resize(kVideoRingFrames);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, kWriterPeriod, [this] { return stopping_; });
    // Copy out, then encode and write without the lock so the pushes never wait on them.
    batch_.clear();
    batch_ms_.clear();
    const size_t frames = ring_.take_all(&batch_, &batch_ms_);
    const size_t video = video_queued_;
    for (size_t i = 0; i < video; ++i)
      std::swap(video_batch_[i], video_ring_[(video_head_ + i) % kVideoRingFrames]);
    video_head_ = (video_head_ + video) % kVideoRingFrames;
    video_queued_ = 0;
    const bool last = stopping_;
    lock.unlock();
    write_batch(video);
    lock.lock();
    stats_.frames += frames;
    stats_.video_frames += video;
    if (last) return;
  }
}

void WebmRecorder::write_batch(size_t video) {
  audio_.clear();
  size_t used = 0;
  for (size_t i = 0; i < batch_ms_.size(); ++i) {
    const int n = encoder_->encode(&batch_[i * kFrameSamples], &packets_[used], kMaxOpusPacket);
    if (n <= 0) continue;
    audio_.push_back({used, static_cast<size_t>(n), batch_ms_[i]});
    used += static_cast<size_t>(n);
  }
  // Both lists are in time order already: merge them.
  size_t a = 0;
  size_t v = 0;
  while (a < audio_.size() || v < video) {
    if (v < video && (a == audio_.size() || video_batch_[v].ms <= audio_[a].ms)) {
      const VideoFrame& f = video_batch_[v++];
      muxer_->add_video(f.data.data(), f.data.size(), f.ms, f.key);
    } else {
      const AudioPacket& p = audio_[a++];
      muxer_->add_audio(&packets_[p.offset], p.len, p.ms);
    }
  }
}

}  // namespace mcu
