#include "participant_video.h"

#include <algorithm>
#include <cstring>

namespace mcu {

namespace {

void copy_picture(const I420View& src, I420Image* dst) {
  dst->resize(src.width, src.height);
  const int cw = (src.width + 1) / 2;
  const int ch = (src.height + 1) / 2;
  for (int row = 0; row < src.height; ++row)
    std::memcpy(dst->y() + static_cast<size_t>(row) * dst->stride_y(),
                src.y + static_cast<size_t>(row) * src.stride_y, static_cast<size_t>(src.width));
  for (int row = 0; row < ch; ++row) {
    std::memcpy(dst->u() + static_cast<size_t>(row) * dst->stride_uv(),
                src.u + static_cast<size_t>(row) * src.stride_u, static_cast<size_t>(cw));
    std::memcpy(dst->v() + static_cast<size_t>(row) * dst->stride_uv(),
                src.v + static_cast<size_t>(row) * src.stride_v, static_cast<size_t>(cw));
  }
}

}  // namespace

ParticipantVideo::ParticipantVideo(const ParticipantVideoConfig& config,
                                   std::shared_ptr<VideoFeedback> feedback)
    : config_(config), feedback_(std::move(feedback)), depacketizer_(config.depacketizer) {}

void ParticipantVideo::set_muted(bool muted) {
  muted_ = muted;
  if (!muted) {
    // Whatever was decoded before the mute is stale, and the decoder missed
    // frames: start again from a key frame.
    {
      std::lock_guard lock(picture_mutex_);
      front_us_ = -1;
    }
    std::lock_guard lock(insert_mutex_);
    depacketizer_.reset();
    decoder_broken_ = true;
    last_request_us_ = 0;
  }
}

void ParticipantVideo::insert(const RtpPacketView& packet, int64_t now_us) {
  if (muted_) return;
  std::lock_guard lock(insert_mutex_);
  ++stats_.packets;
  const auto result = depacketizer_.insert(packet.seq, packet.timestamp, packet.marker,
                                           packet.payload, packet.payload_len);
  if (result == Vp8InsertResult::kRejected) ++stats_.malformed;
  while (depacketizer_.pop_frame(&frame_)) {
    if (decoder_broken_ && !frame_.key_frame) continue;
    if (frame_.key_frame &&
        (frame_.width > config_.max_width || frame_.height > config_.max_height)) {
      ++stats_.oversized;
      decoder_broken_ = true;
      continue;
    }
    if (!decoder_.decode(frame_.data.data(), frame_.data.size())) {
      ++stats_.decode_errors;
      decoder_broken_ = true;
      continue;
    }
    decoder_broken_ = false;
    requests_unanswered_ = 0;
    if (frame_.key_frame) frames_missed_ = false;
    ++stats_.frames_decoded;
    publish(now_us);
  }
  const auto& d = depacketizer_.stats();
  stats_.lost_packets = d.lost_packets;
  const uint64_t trouble = d.lost_packets + d.frames_dropped + d.frames_withheld;
  if (trouble != trouble_seen_) frames_missed_ = true;
  trouble_seen_ = trouble;
  // A key frame still arriving packet by packet is no reason to ask for one:
  // only frames actually lost or skipped are.
  if ((depacketizer_.needs_keyframe() && frames_missed_) || decoder_broken_)
    maybe_request_keyframe(now_us);
}

void ParticipantVideo::set_tile_size(int width, int height) {
  tile_size_ = width > 0 && height > 0
                   ? static_cast<uint64_t>(width) << 32 | static_cast<uint32_t>(height)
                   : 0;
}

void ParticipantVideo::publish(int64_t now_us) {
  const I420View picture = decoder_.picture();
  if (picture.width <= 0 || picture.height <= 0) return;
  const uint64_t tile = tile_size_;
  if (tile == 0) {
    copy_picture(picture, &back_);
  } else {
    const Rect fit =
        fit_aspect(picture.width, picture.height,
                   Rect{0, 0, static_cast<int>(tile >> 32), static_cast<int>(tile & 0xffffffffu)});
    back_.resize(fit.w, fit.h);
    scale_copy(picture, &back_, Rect{0, 0, fit.w, fit.h});
  }
  std::lock_guard lock(picture_mutex_);
  std::swap(front_, back_);
  front_us_ = now_us;
}

void ParticipantVideo::maybe_request_keyframe(int64_t now_us) {
  if (!feedback_) return;
  if (last_request_us_ != 0 && now_us - last_request_us_ < config_.keyframe_request_interval_us)
    return;
  last_request_us_ = now_us;
  const bool fir = requests_unanswered_ >= config_.plis_before_fir;
  ++requests_unanswered_;
  if (fir) {
    ++stats_.firs;
  } else {
    ++stats_.plis;
  }
  feedback_->request_keyframe(fir);
}

bool ParticipantVideo::with_picture(int64_t not_before_us,
                                    const std::function<void(const I420View&)>& draw) const {
  if (muted_) return false;
  std::lock_guard lock(picture_mutex_);
  if (front_us_ < 0 || front_us_ < not_before_us || front_.empty()) return false;
  draw(front_.view());
  return true;
}

ParticipantVideoStats ParticipantVideo::stats() const {
  std::lock_guard lock(insert_mutex_);
  return stats_;
}

}  // namespace mcu
