// One video sender's inbound path as the plugin runs it (media/participant_video.*): VP8 RTP
// payloads into the depacketizer, whole frames into libvpx through Vp8Decoder, the picture
// scaled to the sender's tile.
//
// Input: one byte for the tile (0: none, else (8 * (1 + high nibble)) x (8 * (1 + low
// nibble))), then packets, each a 4-byte record header (signed sequence number step, flags:
// bit 0 marker, bit 1 next frame's timestamp; payload length, little endian) and the payload.
#include <cstdint>
#include <memory>
#include <vector>

#include "counting_feedback.h"
#include "fuzz_check.h"
#include "participant_video.h"

namespace {

constexpr int64_t kFrameUs = 33333;

// Keeps the pixel reads below from being optimised away.
volatile unsigned picture_sum = 0;

// Reads every pixel of the published picture, so that ASan checks the planes' extents.
void read_picture(const mcu::ParticipantVideo& video, int tile_w, int tile_h) {
  video.with_picture(0, [&](const mcu::I420View& p) {
    fuzz::check(p.width > 0 && p.height > 0, "empty picture published");
    fuzz::check(tile_w == 0 || (p.width <= tile_w && p.height <= tile_h),
                "published picture larger than its tile");
    unsigned sum = 0;
    for (int row = 0; row < p.height; ++row)
      for (int col = 0; col < p.width; ++col) sum += p.y[row * p.stride_y + col];
    for (int row = 0; row < (p.height + 1) / 2; ++row)
      for (int col = 0; col < (p.width + 1) / 2; ++col)
        sum += p.u[row * p.stride_u + col] + p.v[row * p.stride_v + col];
    picture_sum = sum;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int tile_w = data[0] == 0 ? 0 : 8 * (1 + (data[0] >> 4));
  const int tile_h = data[0] == 0 ? 0 : 8 * (1 + (data[0] & 0x0F));
  auto feedback = std::make_shared<fuzz::CountingFeedback>();
  mcu::ParticipantVideo video(mcu::ParticipantVideoConfig{}, feedback);
  video.set_tile_size(tile_w, tile_h);

  size_t pos = 1;
  uint16_t seq = 1000;
  uint32_t timestamp = 90000;
  int64_t now_us = 1000000;
  uint64_t packets = 0;
  while (size - pos >= 4) {
    const auto step = static_cast<int8_t>(data[pos]);
    const uint8_t flags = data[pos + 1];
    size_t len = data[pos + 2] | static_cast<size_t>(data[pos + 3]) << 8;
    pos += 4;
    if (len > size - pos) len = size - pos;
    // The payload in a buffer of its own size, so that ASan sees a read past its end.
    const std::vector<uint8_t> payload(data + pos, data + pos + len);
    pos += len;
    seq = static_cast<uint16_t>(seq + step);
    mcu::RtpPacketView packet;
    packet.payload_type = 96;
    packet.marker = (flags & 1) != 0;
    packet.seq = seq;
    packet.timestamp = timestamp;
    packet.ssrc = 0x1234;
    packet.payload = payload.data();
    packet.payload_len = payload.size();
    video.insert(packet, now_us);
    ++packets;
    if ((flags & 2) != 0) {
      timestamp += 3000;
      now_us += kFrameUs;
    }
    read_picture(video, tile_w, tile_h);
  }
  const mcu::ParticipantVideoStats stats = video.stats();
  fuzz::check(stats.packets == packets, "a packet went uncounted");
  fuzz::check(stats.frames_decoded + stats.decode_errors + stats.oversized <= packets,
              "more frames than packets");
  fuzz::check(feedback->plis == stats.plis && feedback->firs == stats.firs,
              "key frame requests sent and counted differ");
  return 0;
}
