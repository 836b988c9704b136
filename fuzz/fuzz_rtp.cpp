// RTP and RTCP parsing (media/rtp.*), the first code every datagram from a participant meets.
// Input: one byte naming the RFC 6464 extension ID to look for, then the packet.
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "rtp.h"

namespace {

void check_rtp(const std::vector<uint8_t>& packet, int ext_id) {
  mcu::RtpPacketView view;
  if (!mcu::parse_rtp(packet.data(), packet.size(), ext_id, &view)) return;
  const uint8_t* begin = packet.data();
  const uint8_t* end = begin + packet.size();
  fuzz::check(view.payload >= begin + 12 && view.payload <= end, "RTP payload outside the packet");
  fuzz::check(view.payload_len <= static_cast<size_t>(end - view.payload),
              "RTP payload runs past the packet");
  fuzz::check(view.audio_level >= -1 && view.audio_level <= 127, "audio level out of range");
  fuzz::check(ext_id != 0 || view.audio_level == -1, "audio level read with the look-up off");

  // What we write must read back as the same packet.
  const int level = view.audio_level;
  const int write_ext = level >= 0 && ext_id <= 14 ? ext_id : 0;
  std::vector<uint8_t> copy(20 + view.payload_len);
  const size_t header =
      mcu::write_rtp_header(copy.data(), copy.size(), view.payload_type, view.marker, view.seq,
                            view.timestamp, view.ssrc, write_ext, level, view.voice_activity);
  fuzz::check(header == (write_ext != 0 ? 20u : 12u), "RTP header not written");
  copy.resize(header + view.payload_len);
  if (view.payload_len > 0) std::memcpy(copy.data() + header, view.payload, view.payload_len);
  mcu::RtpPacketView again;
  fuzz::check(mcu::parse_rtp(copy.data(), copy.size(), write_ext, &again),
              "written RTP packet does not parse");
  fuzz::check(again.payload_type == view.payload_type && again.marker == view.marker &&
                  again.seq == view.seq && again.timestamp == view.timestamp &&
                  again.ssrc == view.ssrc && again.payload_len == view.payload_len,
              "written RTP header reads back differently");
  fuzz::check(
      write_ext == 0 || (again.audio_level == level && again.voice_activity == view.voice_activity),
      "written audio level reads back differently");
  fuzz::check(
      view.payload_len == 0 || std::memcmp(again.payload, view.payload, view.payload_len) == 0,
      "written RTP payload reads back differently");
}

void check_rtcp(const std::vector<uint8_t>& packet) {
  mcu::looks_like_rtcp(packet.data(), packet.size());
  constexpr int kMaxBlocks = 16;
  mcu::RtcpBlock blocks[kMaxBlocks];
  const int n = mcu::split_rtcp(packet.data(), packet.size(), blocks, kMaxBlocks);
  if (n < 0) return;
  fuzz::check(n >= 1 && n <= kMaxBlocks, "RTCP block count out of range");
  const uint8_t* next = packet.data();
  for (int i = 0; i < n; ++i) {
    fuzz::check(blocks[i].data == next, "RTCP blocks not contiguous");
    fuzz::check(blocks[i].len >= 4 && blocks[i].len % 4 == 0, "RTCP block length not 4n");
    next += blocks[i].len;
    mcu::rtcp_is_keyframe_request(blocks[i]);
  }
  fuzz::check(next == packet.data() + packet.size(), "RTCP blocks do not cover the packet");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int ext_id = data[0];
  // A buffer of exactly the packet's size, so that ASan sees a read on either side of it.
  const std::vector<uint8_t> packet(data + 1, data + size);
  check_rtp(packet, ext_id);
  check_rtcp(packet);
  return 0;
}
