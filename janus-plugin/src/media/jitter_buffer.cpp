#include "jitter_buffer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace mcu {
namespace {

constexpr size_t kMaxPayload = 1500;
// Target = max(min, ceil(k * J / frame)): enough whole frames to hold k * J of
// arrival spread. The RFC 3550 estimate J is the mean absolute transit
// difference, about 1.13 sigma for Gaussian delay; k = 3 puts the target near
// 2.7 sigma, which covers the bursty tail of Wi-Fi and mobile links, while the
// scheduling noise of a clean path (a few ms) stays within the one frame that
// the mixer tick already waits for.
constexpr double kJitterFactor = 3.0;
// Drop one packet per this many ticks spent over target + kExcessFrames: about
// a 4 % speed-up, too gradual to notice, yet it sheds a second of latency in
// well under a minute.
constexpr int kDropAfterTicks = 25;
constexpr int kExcessFrames = 2;
// A link drops the packets of delay that, on this many ticks in a row, were
// here at least kLinkMarginUs before a tick earlier than their own: a second
// of evidence that its arrivals keep clear of the tick, with room for the
// scheduling noise of the two instances' threads.
constexpr int kLinkShedTicks = 50;
constexpr int64_t kLinkMarginUs = 2000;
// The packet shed is a quiet one (RFC 6464 level above this, as the speaker
// selector's voice threshold) when the sender says: 20 ms cut out of speech
// would be heard.
constexpr int kShedQuietLevel = 55;
// Extended sequence numbers start here so that a reordered packet from before
// the first one never goes below zero.
constexpr uint64_t kSeqBase = uint64_t{1} << 32;

JitterBufferConfig sanitize(JitterBufferConfig c) {
  if (c.clock_rate <= 0) c.clock_rate = 48000;
  if (c.frame_samples <= 0) c.frame_samples = c.clock_rate / 50;
  c.min_delay_frames = std::max(c.min_delay_frames, 1);
  c.max_delay_frames = std::max(c.max_delay_frames, c.min_delay_frames);
  // Room for the largest target plus the excess that triggers latency drops.
  c.capacity = std::clamp(c.capacity, 2 * c.max_delay_frames + 2 * kExcessFrames, 4096);
  c.max_concealed = std::max(c.max_concealed, 0);
  return c;
}

}  // namespace

JitterBuffer::JitterBuffer(const JitterBufferConfig& config)
    : config_(sanitize(config)),
      slots_(static_cast<size_t>(config_.capacity)),
      target_frames_(config_.min_delay_frames) {
  for (Slot& s : slots_) s.data.reserve(kMaxPayload);
}

InsertResult JitterBuffer::insert(uint32_t ssrc, uint16_t seq, uint32_t timestamp,
                                  const uint8_t* payload, size_t len, int audio_level,
                                  int64_t arrival_us) {
  if (payload == nullptr || len == 0 || len > kMaxPayload) {
    ++stats_.malformed;
    return InsertResult::kRejected;
  }
  ++stats_.received;
  audio_level = audio_level >= 0 && audio_level <= 127 ? audio_level : -1;

  if (!have_stream_) {
    restart(ssrc, seq, timestamp);
    update_jitter(timestamp, arrival_us);
    store(highest_ext_seq_, payload, len, audio_level, arrival_us);
    return InsertResult::kAccepted;
  }

  const uint64_t ext = extend_seq(seq);
  const int64_t delta = static_cast<int64_t>(ext - highest_ext_seq_);
  const int64_t ts_delta = static_cast<int32_t>(timestamp - highest_timestamp_);
  const int64_t ts_drift = ts_delta - delta * config_.frame_samples;
  const int64_t capacity = config_.capacity;
  // Timestamps may run ahead of sequence numbers (DTX sends a packet every
  // 400 ms) but not by more than the whole buffer span.
  if (ssrc != ssrc_ || delta >= capacity || delta <= -capacity ||
      std::llabs(ts_drift) > capacity * config_.frame_samples) {
    ++stats_.resets;
    restart(ssrc, seq, timestamp);
    update_jitter(timestamp, arrival_us);
    store(highest_ext_seq_, payload, len, audio_level, arrival_us);
    return InsertResult::kReset;
  }

  Slot& slot = slot_for(ext);
  if (slot.ext_seq == ext && (slot.used || slot.played)) {
    ++stats_.duplicates;
    return InsertResult::kDuplicate;
  }
  // Late packets still count for the jitter: they are the ones telling us the
  // target is too small.
  update_jitter(timestamp, arrival_us);
  if (started_ && ext < next_ext_seq_) {
    ++stats_.late;
    return InsertResult::kLate;
  }

  if (ext > highest_ext_seq_) {
    highest_ext_seq_ = ext;
    highest_timestamp_ = timestamp;
    if (started_ && ext - next_ext_seq_ >= static_cast<uint64_t>(capacity)) {
      release_below(ext - static_cast<uint64_t>(capacity) + 1);
    }
  }
  store(ext, payload, len, audio_level, arrival_us);
  return InsertResult::kAccepted;
}

PopKind JitterBuffer::pop(std::vector<uint8_t>& payload, std::vector<uint8_t>& fec, bool* has_fec,
                          int* audio_level, int64_t now_us) {
  if (has_fec != nullptr) *has_fec = false;
  if (audio_level != nullptr) *audio_level = -1;
  if (!have_stream_) return PopKind::kIdle;

  if (!playing_) {
    uint64_t lowest = 0;
    if (!lowest_buffered(&lowest)) return PopKind::kIdle;
    if (highest_ext_seq_ - lowest + 1 < static_cast<uint64_t>(target_frames_)) {
      return PopKind::kIdle;
    }
    if (started_) stats_.lost += lowest - next_ext_seq_;  // the gap while idle never came
    next_ext_seq_ = lowest;
    started_ = true;
    playing_ = true;
    concealed_run_ = 0;
    over_target_ticks_ = 0;
    early_ticks_ = 0;
  }

  if (config_.link) shed_link_delay(now_us);
  const uint64_t queued =
      highest_ext_seq_ >= next_ext_seq_ ? highest_ext_seq_ - next_ext_seq_ + 1 : 0;
  if (queued > static_cast<uint64_t>(target_frames_ + kExcessFrames)) {
    if (++over_target_ticks_ >= kDropAfterTicks) {
      over_target_ticks_ = 0;
      drop_oldest();
    }
  } else {
    over_target_ticks_ = 0;
  }

  Slot& slot = slot_for(next_ext_seq_);
  if (slot.used && slot.ext_seq == next_ext_seq_) {
    payload.assign(slot.data.begin(), slot.data.end());
    if (audio_level != nullptr) *audio_level = slot.audio_level;
    slot.used = false;
    slot.played = true;
    --buffered_;
    ++next_ext_seq_;
    concealed_run_ = 0;
    return PopKind::kPacket;
  }

  // Everything buffered lies after next_ext_seq_, so a non-empty buffer means
  // this packet is lost (or very late): skip it, offering the next one's FEC.
  if (buffered_ > 0) {
    ++stats_.lost;
    Slot& following = slot_for(next_ext_seq_ + 1);
    if (following.used && following.ext_seq == next_ext_seq_ + 1) {
      fec.assign(following.data.begin(), following.data.end());
      if (has_fec != nullptr) *has_fec = true;
    }
    ++next_ext_seq_;
    concealed_run_ = 0;
    return PopKind::kLost;
  }

  // Underrun: conceal without moving on, so a packet that is merely late still
  // plays and the delay grows by what the network needed.
  if (concealed_run_ >= config_.max_concealed) {
    playing_ = false;
    concealed_run_ = 0;
    return PopKind::kIdle;
  }
  ++concealed_run_;
  return PopKind::kLost;
}

void JitterBuffer::reset() {
  clear_slots();
  have_stream_ = false;
  started_ = false;
  playing_ = false;
  concealed_run_ = 0;
  over_target_ticks_ = 0;
  early_ticks_ = 0;
  jitter_q4_ = 0;
  have_transit_ = false;
  target_frames_ = config_.min_delay_frames;
}

double JitterBuffer::jitter_ms() const {
  return static_cast<double>(jitter_q4_) / 16.0 * 1000.0 / config_.clock_rate;
}

uint64_t JitterBuffer::extend_seq(uint16_t seq) const {
  const auto diff = static_cast<int16_t>(seq - static_cast<uint16_t>(highest_ext_seq_));
  return highest_ext_seq_ + static_cast<uint64_t>(static_cast<int64_t>(diff));
}

void JitterBuffer::update_jitter(uint32_t timestamp, int64_t arrival_us) {
  // Split so that the product cannot overflow for any realistic clock value.
  const int64_t arrival_ts = arrival_us / 1000000 * config_.clock_rate +
                             arrival_us % 1000000 * config_.clock_rate / 1000000;
  // Modulo 2^32 like RTP timestamps, so wrap-around cancels out in the difference.
  const uint32_t transit = static_cast<uint32_t>(arrival_ts) - timestamp;
  if (have_transit_) {
    const int64_t d = std::llabs(static_cast<int32_t>(transit - last_transit_));
    jitter_q4_ += d - ((jitter_q4_ + 8) >> 4);
  }
  last_transit_ = transit;
  have_transit_ = true;

  const double jitter = static_cast<double>(jitter_q4_) / 16.0;
  const double frames = std::ceil(kJitterFactor * jitter / config_.frame_samples);
  const double target = std::clamp(frames, static_cast<double>(config_.min_delay_frames),
                                   static_cast<double>(config_.max_delay_frames));
  target_frames_ = static_cast<int>(target);
}

void JitterBuffer::clear_slots() {
  for (Slot& s : slots_) {
    s.used = false;
    s.played = false;
  }
  buffered_ = 0;
}

void JitterBuffer::restart(uint32_t ssrc, uint16_t seq, uint32_t timestamp) {
  clear_slots();
  have_stream_ = true;
  started_ = false;
  playing_ = false;
  ssrc_ = ssrc;
  highest_ext_seq_ = kSeqBase + seq;
  highest_timestamp_ = timestamp;
  concealed_run_ = 0;
  over_target_ticks_ = 0;
  early_ticks_ = 0;
  // The jitter estimate describes the network path and survives; the transit
  // reference belongs to the old timeline and does not.
  have_transit_ = false;
}

void JitterBuffer::store(uint64_t ext_seq, const uint8_t* payload, size_t len, int audio_level,
                         int64_t arrival_us) {
  Slot& slot = slot_for(ext_seq);
  if (slot.used) {  // an older packet still waiting for a first playout: overflow
    ++stats_.dropped;
    --buffered_;
  }
  slot.used = true;
  slot.played = false;
  slot.ext_seq = ext_seq;
  slot.audio_level = audio_level;
  slot.arrival_us = arrival_us;
  slot.data.assign(payload, payload + len);
  ++buffered_;
}

void JitterBuffer::shed_link_delay(int64_t now_us) {
  // How many packets after the one due now were here in time for this tick.
  int early = 0;
  for (uint64_t e = next_ext_seq_ + 1; early < config_.capacity; ++e, ++early) {
    const Slot& s = slot_for(e);
    if (!s.used || s.ext_seq != e || now_us - s.arrival_us < kLinkMarginUs) break;
  }
  if (early == 0) {
    early_ticks_ = 0;
    return;
  }
  shed_frames_ = early_ticks_ == 0 ? early : std::min(shed_frames_, early);
  early_ticks_ = std::min(early_ticks_ + 1, kLinkShedTicks);
  if (early_ticks_ < kLinkShedTicks) return;
  // All that was early all along goes at once (a far side that missed ticks
  // leaves several), one quiet packet after another.
  while (shed_frames_ > 0) {
    const Slot& oldest = slot_for(next_ext_seq_);
    if (oldest.used && oldest.ext_seq == next_ext_seq_ && oldest.audio_level >= 0 &&
        oldest.audio_level <= kShedQuietLevel)
      return;
    drop_oldest();
    --shed_frames_;
  }
  early_ticks_ = 0;
}

void JitterBuffer::drop_oldest() {
  Slot& oldest = slot_for(next_ext_seq_);
  if (oldest.used && oldest.ext_seq == next_ext_seq_) {
    oldest.used = false;
    --buffered_;
    ++stats_.dropped;
  } else {
    ++stats_.lost;
  }
  ++next_ext_seq_;
}

void JitterBuffer::release_below(uint64_t ext_seq) {
  for (uint64_t e = next_ext_seq_; e < ext_seq; ++e) {
    Slot& s = slot_for(e);
    if (s.used && s.ext_seq == e) {
      s.used = false;
      --buffered_;
      ++stats_.dropped;
    }
  }
  next_ext_seq_ = ext_seq;
}

bool JitterBuffer::lowest_buffered(uint64_t* ext_seq) const {
  if (buffered_ == 0) return false;
  bool found = false;
  for (const Slot& s : slots_) {
    if (s.used && (!found || s.ext_seq < *ext_seq)) {
      *ext_seq = s.ext_seq;
      found = true;
    }
  }
  return found;
}

}  // namespace mcu
