#include "rtp.h"

#include <random>

namespace mcu {
namespace {

constexpr size_t kRtpHeaderSize = 12;
constexpr size_t kRtcpHeaderSize = 4;

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

uint32_t be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

void read_audio_level(uint8_t byte, RtpPacketView* out) {
  out->audio_level = byte & 0x7F;
  out->voice_activity = (byte & 0x80) != 0;
}

// RFC 8285 section 4.2. A broken element ends the walk rather than failing the
// packet: the extension block itself is well-formed, only its contents are not.
void scan_one_byte(const uint8_t* p, const uint8_t* end, int id_wanted, RtpPacketView* out) {
  while (p < end) {
    const uint8_t b = *p;
    if (b == 0) {  // padding between elements
      ++p;
      continue;
    }
    const int id = b >> 4;
    if (id == 15) return;  // reserved: stop processing
    const size_t len = static_cast<size_t>(b & 0x0F) + 1;
    if (static_cast<size_t>(end - p) < 1 + len) return;
    if (id == id_wanted) {
      read_audio_level(p[1], out);
      return;
    }
    p += 1 + len;
  }
}

// RFC 8285 section 4.3: id byte, length byte (which may be zero).
void scan_two_byte(const uint8_t* p, const uint8_t* end, int id_wanted, RtpPacketView* out) {
  while (p < end) {
    const int id = *p;
    if (id == 0) {
      ++p;
      continue;
    }
    if (end - p < 2) return;
    const size_t len = p[1];
    if (static_cast<size_t>(end - p) < 2 + len) return;
    if (id == id_wanted && len >= 1) {
      read_audio_level(p[2], out);
      return;
    }
    p += 2 + len;
  }
}

}  // namespace

bool parse_rtp(const uint8_t* data, size_t len, int audio_level_ext_id, RtpPacketView* out) {
  if (data == nullptr || out == nullptr || len < kRtpHeaderSize) return false;
  if ((data[0] >> 6) != 2) return false;
  const bool padding = (data[0] & 0x20) != 0;
  const bool extension = (data[0] & 0x10) != 0;
  const size_t csrc_count = data[0] & 0x0F;

  RtpPacketView view;
  view.marker = (data[1] & 0x80) != 0;
  view.payload_type = data[1] & 0x7F;
  view.seq = be16(data + 2);
  view.timestamp = be32(data + 4);
  view.ssrc = be32(data + 8);

  size_t offset = kRtpHeaderSize + 4 * csrc_count;
  if (offset > len) return false;
  if (extension) {
    if (len - offset < 4) return false;
    const uint16_t profile = be16(data + offset);
    const size_t ext_len = static_cast<size_t>(be16(data + offset + 2)) * 4;
    offset += 4;
    if (len - offset < ext_len) return false;
    const uint8_t* ext = data + offset;
    if (audio_level_ext_id > 0) {
      if (profile == 0xBEDE && audio_level_ext_id <= 14) {
        scan_one_byte(ext, ext + ext_len, audio_level_ext_id, &view);
      } else if ((profile & 0xFFF0) == 0x1000 && audio_level_ext_id <= 255) {
        scan_two_byte(ext, ext + ext_len, audio_level_ext_id, &view);
      }
    }
    offset += ext_len;
  }

  size_t end = len;
  if (padding) {
    const size_t pad = data[len - 1];
    if (pad == 0 || pad > len - offset) return false;
    end -= pad;
  }
  view.payload = data + offset;
  view.payload_len = end - offset;
  *out = view;
  return true;
}

bool looks_like_rtcp(const uint8_t* data, size_t len) {
  // 8 bytes: a common header plus the sender SSRC, the least any RTCP packet has.
  return data != nullptr && len >= 8 && data[1] >= 192 && data[1] <= 223;
}

int split_rtcp(const uint8_t* data, size_t len, RtcpBlock* blocks, int max_blocks) {
  if (data == nullptr || blocks == nullptr || len == 0) return -1;
  int count = 0;
  size_t offset = 0;
  while (offset < len) {
    if (len - offset < kRtcpHeaderSize) return -1;
    const uint8_t* p = data + offset;
    if ((p[0] >> 6) != 2) return -1;
    const size_t block_len = (static_cast<size_t>(be16(p + 2)) + 1) * 4;
    if (block_len > len - offset) return -1;
    if ((p[0] & 0x20) != 0) {
      const size_t pad = p[block_len - 1];
      if (pad == 0 || pad > block_len - kRtcpHeaderSize) return -1;
    }
    if (count >= max_blocks) return -1;
    RtcpBlock& b = blocks[count++];
    b.packet_type = p[1];
    b.count = p[0] & 0x1F;
    b.data = p;
    b.len = block_len;
    offset += block_len;
  }
  return count;
}

bool rtcp_is_keyframe_request(const RtcpBlock& block) {
  if (block.data == nullptr || block.packet_type != 206) return false;
  // PLI: header, sender SSRC, media SSRC. FIR: the same plus at least one FCI entry.
  if (block.count == 1) return block.len >= 12;
  if (block.count == 4) return block.len >= 20;
  return false;
}

uint32_t random_u32() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return rng();
}

size_t write_rtcp_fir(uint8_t* out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                      uint8_t seq_nr) {
  constexpr size_t kFirSize = 20;  // header, sender SSRC, media SSRC, one FCI entry
  if (out == nullptr || cap < kFirSize) return 0;
  out[0] = 0x80 | 4;  // V=2, P=0, FMT=4
  out[1] = 206;       // PSFB
  put16(out + 2, kFirSize / 4 - 1);
  put32(out + 4, sender_ssrc);
  put32(out + 8, 0);  // RFC 5104: the media source SSRC field is unused for FIR
  put32(out + 12, media_ssrc);
  out[16] = seq_nr;
  out[17] = 0;
  out[18] = 0;
  out[19] = 0;
  return kFirSize;
}

size_t write_rtp_header(uint8_t* out, size_t cap, uint8_t payload_type, bool marker, uint16_t seq,
                        uint32_t timestamp, uint32_t ssrc, int audio_level_ext_id, int audio_level,
                        bool voice_activity) {
  if (out == nullptr || payload_type > 127) return 0;
  if (audio_level_ext_id < 0 || audio_level_ext_id > 14) return 0;
  const bool with_ext = audio_level_ext_id != 0;
  if (with_ext && (audio_level < 0 || audio_level > 127)) return 0;
  // One-byte form: 4-byte extension header, 2-byte element, 2 bytes of padding.
  const size_t size = kRtpHeaderSize + (with_ext ? 8 : 0);
  if (cap < size) return 0;

  out[0] = static_cast<uint8_t>(0x80 | (with_ext ? 0x10 : 0));
  out[1] = static_cast<uint8_t>((marker ? 0x80 : 0) | payload_type);
  put16(out + 2, seq);
  put32(out + 4, timestamp);
  put32(out + 8, ssrc);
  if (with_ext) {
    put16(out + 12, 0xBEDE);
    put16(out + 14, 1);
    out[16] = static_cast<uint8_t>(audio_level_ext_id << 4);  // length field 0 = 1 byte
    out[17] = static_cast<uint8_t>((voice_activity ? 0x80 : 0) | audio_level);
    out[18] = 0;
    out[19] = 0;
  }
  return size;
}

}  // namespace mcu
