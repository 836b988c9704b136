// VP8 RTP packetization (RFC 7741) of an encoder's output: one stream, shared
// by every viewer of a room's composite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace mcu {

constexpr size_t kDefaultVideoPayload = 1200;

class Vp8Packetizer {
 public:
  // max_payload: RTP payload bytes per packet, descriptor included (>= 8).
  explicit Vp8Packetizer(size_t max_payload = kDefaultVideoPayload, uint16_t first_picture_id = 0);

  // Splits one encoded frame into payloads of near-equal size (so no tiny
  // tail packet), each with a 4-byte descriptor: X=1, S=1 and PID=0 on the
  // first, N=0, and the 15-bit PictureID, which advances once per frame.
  // emit(payload, len, marker) runs for each packet in order; marker is set
  // on the last. Returns the number of packets (0 for an empty frame).
  using Emit = std::function<void(const uint8_t* payload, size_t len, bool marker)>;
  int packetize(const uint8_t* frame, size_t len, const Emit& emit);

  uint16_t picture_id() const { return picture_id_; }

 private:
  size_t max_payload_;
  uint16_t picture_id_;  // 15 bits
};

}  // namespace mcu
