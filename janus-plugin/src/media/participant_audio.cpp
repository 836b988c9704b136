#include "participant_audio.h"

#include <algorithm>
#include <cstring>

namespace mcu {

ParticipantAudio::ParticipantAudio(const JitterBufferConfig& config) : jitter_(config) {
  payload_.reserve(kMaxOpusPacket);
  fec_.reserve(kMaxOpusPacket);
}

InsertResult ParticipantAudio::insert(const RtpPacketView& packet, int64_t arrival_us) {
  std::lock_guard lock(mutex_);
  return jitter_.insert(packet.ssrc, packet.seq, packet.timestamp, packet.payload,
                        packet.payload_len, packet.audio_level, arrival_us);
}

JitterBufferStats ParticipantAudio::stats() const {
  std::lock_guard lock(mutex_);
  return jitter_.stats();
}

int ParticipantAudio::decode(const uint8_t* data, size_t len, int16_t* out, int max_samples) {
  decodes_.fetch_add(1, std::memory_order_relaxed);
  return decoder_.decode(data, len, out, max_samples);
}

void ParticipantAudio::warm_up() {
  thread_local std::array<int16_t, kMaxPacketSamples> dropped;
  for (size_t i = 0; i < missed_count_; ++i)
    decode(missed_[i].data(), missed_[i].size(), dropped.data(), kMaxPacketSamples);
  missed_count_ = 0;
}

void ParticipantAudio::decode_deferred(int16_t* pcm) {
  if (!deferred_) {
    std::memset(pcm, 0, kFrameSamples * sizeof(int16_t));
    return;
  }
  deferred_ = false;
  warm_up();
  int n = decode(payload_.data(), payload_.size(), pcm, kFrameSamples);
  if (n != kFrameSamples) {
    whole_packet_ = false;
    if (n < 0) ++decode_errors_;
    n = std::max(n, 0);
    if (n < kFrameSamples) {
      const int concealed = decoder_.conceal(pcm + n, kFrameSamples - n);
      n += std::max(concealed, 0);
    }
    if (n < kFrameSamples)
      std::memset(pcm + n, 0, static_cast<size_t>(kFrameSamples - n) * sizeof(int16_t));
  }
}

// Decodes one more packet (or its concealment) into pending_, or defers a whole packet when
// allowed. False when the jitter buffer has nothing to play.
bool ParticipantAudio::refill(int64_t now_us, int skip_quieter_than, bool may_defer) {
  bool has_fec = false;
  int level = -1;
  PopKind kind;
  {
    std::lock_guard lock(mutex_);
    kind = jitter_.pop(payload_, fec_, &has_fec, &level, now_us);
  }
  int16_t* out = pcm_.data() + pending_;
  const int room = static_cast<int>(pcm_.size()) - pending_;
  int n = 0;
  switch (kind) {
    case PopKind::kIdle:
      return false;
    case PopKind::kPacket:
      if (level >= 0 && level > skip_quieter_than) {
        n = std::min(opus_packet_samples(payload_.data(), payload_.size()), room);
        if (n <= 0) n = std::min(last_packet_samples_, room);
        last_packet_samples_ = n;
        last_level_ = level;
        last_skipped_ = true;
        missed_count_ = 0;  // too old to warm up with once quiet packets came between
        ++skipped_decodes_;
        if (pending_ == 0 && n == kFrameSamples) {
          quiet_frame_ = true;  // the common case: no samples to write at all
          return true;
        }
        std::memset(out, 0, static_cast<size_t>(n) * sizeof(int16_t));
        break;
      }
      last_skipped_ = false;
      if (may_defer && pending_ == 0 && level >= 0 &&
          opus_packet_samples(payload_.data(), payload_.size()) == kFrameSamples &&
          opus_packet_channels(payload_.data(), payload_.size()) == 1) {
        last_packet_samples_ = kFrameSamples;
        last_level_ = level;
        deferred_ = true;
        whole_packet_ = true;
        return true;
      }
      warm_up();
      n = decode(payload_.data(), payload_.size(), out, room);
      if (n < 0) {
        ++decode_errors_;
        n = decoder_.conceal(out, std::min(last_packet_samples_, room));
      } else {
        last_packet_samples_ = n;
        whole_packet_ = pending_ == 0 && n == kFrameSamples &&
                        opus_packet_channels(payload_.data(), payload_.size()) == 1;
      }
      last_level_ = level;
      break;
    case PopKind::kLost:
      if (last_skipped_) {
        // Concealing a quiet stream the decoder never saw: silence is the right guess.
        n = std::min(last_packet_samples_, room);
        if (pending_ == 0 && n == kFrameSamples) {
          quiet_frame_ = true;
          return true;
        }
        std::memset(out, 0, static_cast<size_t>(n) * sizeof(int16_t));
        break;
      }
      warm_up();
      n = has_fec ? decoder_.decode_fec(fec_.data(), fec_.size(), out,
                                        std::min(last_packet_samples_, room))
                  : decoder_.conceal(out, std::min(last_packet_samples_, room));
      break;
  }
  if (n <= 0) {
    // A decoder that cannot even conceal: play silence rather than stall.
    n = std::min(kFrameSamples, room);
    std::memset(out, 0, static_cast<size_t>(n) * sizeof(int16_t));
  }
  pending_ += n;
  return true;
}

ParticipantAudio::FrameResult ParticipantAudio::next_frame(int16_t* pcm, int* level, int64_t now_us,
                                                           int skip_quieter_than, bool may_defer) {
  whole_packet_ = false;
  if (deferred_) {
    // Never decoded: keep it for the warm-up, dropping the oldest.
    deferred_ = false;
    if (missed_count_ == kWarmUpPackets) {
      std::rotate(missed_.begin(), missed_.begin() + 1, missed_.end());
      --missed_count_;
    }
    missed_[missed_count_++].assign(payload_.begin(), payload_.end());
  }
  while (pending_ < kFrameSamples) {
    if (refill(now_us, skip_quieter_than, may_defer)) {
      if (deferred_) {
        *level = last_level_;
        return FrameResult::kDeferred;
      }
      if (quiet_frame_) {
        quiet_frame_ = false;
        *level = last_level_;
        return FrameResult::kQuiet;
      }
    } else {
      if (pending_ == 0) return FrameResult::kNothing;
      // End of a talk spurt mid-frame: pad the tail with silence.
      std::memset(pcm_.data() + pending_, 0,
                  static_cast<size_t>(kFrameSamples - pending_) * sizeof(int16_t));
      pending_ = kFrameSamples;
    }
  }
  std::memcpy(pcm, pcm_.data(), kFrameSamples * sizeof(int16_t));
  pending_ -= kFrameSamples;
  if (pending_ > 0) whole_packet_ = false;
  if (pending_ > 0) {
    std::memmove(pcm_.data(), pcm_.data() + kFrameSamples,
                 static_cast<size_t>(pending_) * sizeof(int16_t));
  }
  *level = last_level_;
  return FrameResult::kDecoded;
}

std::span<const uint8_t> ParticipantAudio::whole_packet() const {
  if (!whole_packet_) return {};
  return {payload_.data(), payload_.size()};
}

}  // namespace mcu
