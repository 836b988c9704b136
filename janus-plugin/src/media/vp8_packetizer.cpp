#include "vp8_packetizer.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace mcu {
namespace {

// X; I with a 15-bit (M=1) PictureID. No TL0PICIDX/TID/KEYIDX: one layer.
constexpr size_t kDescriptorSize = 4;
// A smaller max_payload is clamped up to this, so every packet carries at
// least 4 VP8 bytes and a frame cannot explode into one packet per byte.
// Receivers that read the key frame header from the first packet (as
// Vp8Depacketizer does) need 10 VP8 bytes there, which even splitting
// guarantees from max_payload 23 up; real paths use ~1200.
constexpr size_t kMinPayload = 8;

}  // namespace

Vp8Packetizer::Vp8Packetizer(size_t max_payload, uint16_t first_picture_id)
    : max_payload_(std::max(max_payload, kMinPayload)),
      picture_id_(static_cast<uint16_t>(first_picture_id & 0x7FFF)) {}

int Vp8Packetizer::packetize(const uint8_t* frame, size_t len, const Emit& emit) {
  if (frame == nullptr || len == 0) return 0;
  const size_t room = max_payload_ - kDescriptorSize;
  const size_t count = (len + room - 1) / room;
  // Spread the bytes evenly: the first `extra` packets carry one byte more.
  const size_t base = len / count;
  const size_t extra = len % count;

  // One allocation per frame, not per packet.
  std::vector<uint8_t> buf(kDescriptorSize + base + 1);
  buf[1] = 0x80;                                                      // I: PictureID present
  buf[2] = static_cast<uint8_t>(0x80 | ((picture_id_ >> 8) & 0x7F));  // M: 15 bits
  buf[3] = static_cast<uint8_t>(picture_id_ & 0xFF);
  size_t offset = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t n = base + (i < extra ? 1 : 0);
    buf[0] = static_cast<uint8_t>(0x80 | (i == 0 ? 0x10 : 0x00));  // X, S on the first; PID 0
    std::memcpy(buf.data() + kDescriptorSize, frame + offset, n);
    offset += n;
    if (emit) emit(buf.data(), kDescriptorSize + n, i + 1 == count);
  }
  picture_id_ = static_cast<uint16_t>((picture_id_ + 1) & 0x7FFF);
  return static_cast<int>(count);
}

}  // namespace mcu
