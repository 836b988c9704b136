#include "vp8_depacketizer.h"

#include <algorithm>

namespace mcu {
namespace {

// Descriptor bits (RFC 7741 section 4.2).
constexpr uint8_t kX = 0x80;
constexpr uint8_t kN = 0x20;
constexpr uint8_t kS = 0x10;
constexpr uint8_t kPidMask = 0x07;
constexpr uint8_t kI = 0x80;
constexpr uint8_t kL = 0x40;
constexpr uint8_t kT = 0x20;
constexpr uint8_t kK = 0x10;
constexpr uint8_t kM = 0x80;

// Key frame header (RFC 6386 section 9.1): 3-byte frame tag, 3-byte start
// code, then 16-bit little-endian width and height (14 bits size, 2 bits scale).
constexpr size_t kKeyFrameHeaderLen = 10;
constexpr uint8_t kStartCode[3] = {0x9d, 0x01, 0x2a};

constexpr size_t kAbsoluteMaxFrame = 2 * 1024 * 1024;
constexpr size_t kAbsoluteMaxPacket = 64 * 1024;
// Extended sequence numbers start here so that a reordered packet from before
// the first one never goes below zero.
constexpr uint64_t kSeqBase = uint64_t{1} << 32;

Vp8DepacketizerConfig sanitize(Vp8DepacketizerConfig c) {
  c.capacity = std::clamp(c.capacity, 4, 8192);
  // A gap must be given up on before the ring fills behind it, or eviction
  // rather than the window would decide what counts as lost.
  c.reorder_window = std::clamp(c.reorder_window, 1, c.capacity / 2);
  c.max_packet_bytes = std::clamp<size_t>(c.max_packet_bytes, 1, kAbsoluteMaxPacket);
  c.max_frame_bytes = std::clamp<size_t>(c.max_frame_bytes, 1, kAbsoluteMaxFrame);
  return c;
}

}  // namespace

bool parse_vp8_descriptor(const uint8_t* data, size_t len, Vp8Descriptor* out) {
  if (data == nullptr || out == nullptr || len < 1) return false;
  Vp8Descriptor d;
  size_t pos = 0;
  const uint8_t b0 = data[pos++];
  d.non_reference = (b0 & kN) != 0;
  d.start_of_partition = (b0 & kS) != 0;
  d.partition_id = b0 & kPidMask;
  if (b0 & kX) {
    if (pos >= len) return false;
    const uint8_t ext = data[pos++];
    if (ext & kI) {
      if (pos >= len) return false;
      const uint8_t p0 = data[pos++];
      if (p0 & kM) {
        if (pos >= len) return false;
        d.picture_id = ((p0 & 0x7f) << 8) | data[pos++];
        d.picture_id_15bit = true;
      } else {
        d.picture_id = p0;
      }
    }
    if (ext & kL) {
      if (pos >= len) return false;
      d.tl0_pic_idx = data[pos++];
    }
    // TID/Y and KEYIDX share one byte, present when either T or K is set.
    if (ext & (kT | kK)) {
      if (pos >= len) return false;
      const uint8_t t = data[pos++];
      if (ext & kT) {
        d.temporal_id = t >> 6;
        d.layer_sync = (t & 0x20) != 0;
      }
      if (ext & kK) d.key_idx = t & 0x1f;
    }
  }
  d.descriptor_len = pos;
  // A packet without VP8 data carries nothing to decode.
  if (pos >= len) return false;
  d.frame_start = d.start_of_partition && d.partition_id == 0;
  if (d.frame_start) {
    const uint8_t* vp8 = data + pos;
    const size_t vp8_len = len - pos;
    d.key_frame = (vp8[0] & 0x01) == 0;  // P bit: 0 = key frame
    if (d.key_frame) {
      if (vp8_len < kKeyFrameHeaderLen) return false;
      if (vp8[3] != kStartCode[0] || vp8[4] != kStartCode[1] || vp8[5] != kStartCode[2]) {
        return false;
      }
      d.width = (vp8[6] | (vp8[7] << 8)) & 0x3fff;
      d.height = (vp8[8] | (vp8[9] << 8)) & 0x3fff;
      if (d.width == 0 || d.height == 0) return false;
    }
  }
  *out = d;
  return true;
}

Vp8Depacketizer::Vp8Depacketizer(const Vp8DepacketizerConfig& config)
    : config_(sanitize(config)), slots_(static_cast<size_t>(config_.capacity)) {}

void Vp8Depacketizer::reset() {
  for (Slot& s : slots_) s.used = false;
  buffered_ = 0;
  have_stream_ = false;
  started_ = false;
  awaiting_keyframe_ = true;
  next_ext_seq_ = 0;
  highest_ext_seq_ = 0;
}

void Vp8Depacketizer::restart(uint64_t ext_seq) {
  reset();
  have_stream_ = true;
  next_ext_seq_ = ext_seq;
  highest_ext_seq_ = ext_seq;
}

uint64_t Vp8Depacketizer::extend_seq(uint16_t seq) const {
  const auto diff = static_cast<int16_t>(seq - static_cast<uint16_t>(highest_ext_seq_));
  return highest_ext_seq_ + static_cast<uint64_t>(static_cast<int64_t>(diff));
}

void Vp8Depacketizer::release(uint64_t ext_seq) {
  Slot& s = slot_for(ext_seq);
  if (s.used && s.ext_seq == ext_seq) {
    s.used = false;
    --buffered_;
  }
}

void Vp8Depacketizer::mark_loss() {
  awaiting_keyframe_ = true;
  started_ = true;
}

void Vp8Depacketizer::discard_until(uint64_t end) {
  for (; next_ext_seq_ < end; ++next_ext_seq_) {
    release(next_ext_seq_);
    ++stats_.lost_packets;
  }
  mark_loss();
}

Vp8InsertResult Vp8Depacketizer::insert(uint16_t seq, uint32_t timestamp, bool marker,
                                        const uint8_t* payload, size_t len) {
  Vp8Descriptor desc;
  if (!parse_vp8_descriptor(payload, len, &desc) ||
      len - desc.descriptor_len > config_.max_packet_bytes) {
    ++stats_.malformed;
    return Vp8InsertResult::kRejected;
  }
  ++stats_.received;

  Vp8InsertResult result = Vp8InsertResult::kAccepted;
  uint64_t ext = 0;
  if (!have_stream_) {
    restart(kSeqBase + seq);
    ext = next_ext_seq_;
  } else {
    ext = extend_seq(seq);
    const int64_t delta = static_cast<int64_t>(ext - highest_ext_seq_);
    // Further than twice the ring either way is a restarted sender, not
    // reordering or loss; waiting would stall for up to 32768 packets.
    const int64_t jump = 2 * static_cast<int64_t>(config_.capacity);
    if (delta >= jump || delta <= -jump) {
      ++stats_.resets;
      restart(ext);
      result = Vp8InsertResult::kReset;
    }
  }

  const auto capacity = static_cast<uint64_t>(config_.capacity);
  // Until something is consumed, a packet from before the first one extends
  // the start backwards instead of being late: the first two packets of a key
  // frame may well arrive swapped.
  if (!started_ && ext < next_ext_seq_ && highest_ext_seq_ - ext < capacity) {
    next_ext_seq_ = ext;
  }
  if (ext < next_ext_seq_) {
    ++stats_.late;
    return Vp8InsertResult::kLate;
  }
  if (ext >= next_ext_seq_ + capacity) {
    ++stats_.frames_dropped;
    discard_until(ext - capacity + 1);
  }
  Slot& slot = slot_for(ext);
  if (slot.used) {  // after the eviction above it can only hold this ext_seq
    ++stats_.duplicates;
    return Vp8InsertResult::kDuplicate;
  }
  slot.used = true;
  slot.marker = marker;
  slot.ext_seq = ext;
  slot.timestamp = timestamp;
  slot.desc = desc;
  slot.data.assign(payload + desc.descriptor_len, payload + len);
  ++buffered_;
  highest_ext_seq_ = std::max(highest_ext_seq_, ext);
  return result;
}

bool Vp8Depacketizer::pop_frame(Vp8Frame* out) {
  const auto window = static_cast<uint64_t>(config_.reorder_window);
  while (have_stream_ && next_ext_seq_ <= highest_ext_seq_) {
    const uint64_t first = next_ext_seq_;
    const Slot& head = slot_for(first);
    if (!head.used || head.ext_seq != first) {
      if (highest_ext_seq_ < first + window) return false;  // may still arrive
      discard_until(first + 1);
      continue;
    }
    if (!head.desc.frame_start) {
      // The frame's first packet is behind us (lost or dropped), except at
      // the very start, where it may still arrive late.
      // Counted as lost packets only: their frame was counted when it broke.
      if (!started_ && highest_ext_seq_ < first + window) return false;
      discard_until(first + 1);
      continue;
    }

    // Walk the frame to its marker; any hole, foreign packet or excess size
    // breaks it. `broken_end` is where a broken frame's discard stops.
    uint64_t last = first;
    uint64_t broken_end = 0;
    size_t total = 0;
    for (uint64_t s = first;; ++s) {
      if (s > highest_ext_seq_) return false;  // the rest has not arrived yet
      const Slot& p = slot_for(s);
      if (!p.used || p.ext_seq != s) {
        if (highest_ext_seq_ < s + window) return false;
        broken_end = s;  // the gap itself is discarded on the next pass
        break;
      }
      if (s != first && (p.desc.frame_start || p.timestamp != head.timestamp)) {
        broken_end = s;  // a new frame began before this one's marker
        break;
      }
      total += p.data.size();
      if (total > config_.max_frame_bytes) {
        broken_end = s + 1;  // its remaining packets go as headless ones
        break;
      }
      if (p.marker) {
        last = s;
        break;
      }
    }
    if (broken_end != 0) {
      ++stats_.frames_dropped;
      discard_until(broken_end);
      continue;
    }

    started_ = true;
    if (awaiting_keyframe_ && !head.desc.key_frame) {
      ++stats_.frames_withheld;
      for (uint64_t s = first; s <= last; ++s) release(s);
      next_ext_seq_ = last + 1;
      continue;
    }
    out->data.clear();
    out->data.reserve(total);
    for (uint64_t s = first; s <= last; ++s) {
      const Slot& p = slot_for(s);
      out->data.insert(out->data.end(), p.data.begin(), p.data.end());
    }
    out->timestamp = head.timestamp;
    out->first_seq = static_cast<uint16_t>(first);
    out->last_seq = static_cast<uint16_t>(last);
    out->key_frame = head.desc.key_frame;
    out->width = head.desc.width;
    out->height = head.desc.height;
    out->picture_id = head.desc.picture_id;
    for (uint64_t s = first; s <= last; ++s) release(s);
    next_ext_seq_ = last + 1;
    if (out->key_frame) awaiting_keyframe_ = false;
    ++stats_.frames_out;
    return true;
  }
  return false;
}

}  // namespace mcu
