// RTP/RTCP parsing against well-formed and hostile input, and header writing.
#include <cstring>
#include <memory>
#include <vector>

#include "rtp.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::RtcpBlock;
using mcu::RtpPacketView;

constexpr uint8_t kPayload[] = {0xDE, 0xAD, 0xBE, 0xEF, 0x01};

// V=2, P, X, CC=2, M, PT 111, seq 0x1234, ts 0x01020304, ssrc 0xCAFEBABE, two
// CSRCs, a one-byte extension with an unrelated element (id 2), padding, the
// level element (id 1: V set, level 0x2A), then the payload and 3 padding bytes.
std::vector<uint8_t> full_packet() {
  std::vector<uint8_t> p = {0xB2, 0xEF, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0xCA, 0xFE,
                            0xBA, 0xBE, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02};
  const uint8_t ext[] = {0xBE, 0xDE, 0x00, 0x02, 0x21, 0x55, 0x66, 0x00, 0x10, 0xAA, 0x00, 0x00};
  p.insert(p.end(), std::begin(ext), std::end(ext));
  p.insert(p.end(), std::begin(kPayload), std::end(kPayload));
  p.insert(p.end(), {0x00, 0x00, 0x03});
  return p;
}

// Parses from an exactly sized heap copy so that ASan sees any over-read.
bool parse_exact(const std::vector<uint8_t>& bytes, size_t len, int ext_id, RtpPacketView* out) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[len == 0 ? 1 : len]);
  if (len > 0) std::memcpy(copy.get(), bytes.data(), len);
  const bool ok = mcu::parse_rtp(copy.get(), len, ext_id, out);
  if (ok) {
    assert_true(out->payload >= copy.get());
    assert_true(out->payload + out->payload_len <= copy.get() + len);
    // Rebase so the caller never holds a pointer into freed memory.
    out->payload = bytes.data() + (out->payload - copy.get());
  }
  return ok;
}

void test_parse_valid(void**) {
  const std::vector<uint8_t> p = full_packet();
  RtpPacketView v;
  assert_true(mcu::parse_rtp(p.data(), p.size(), 1, &v));
  assert_int_equal(v.payload_type, 111);
  assert_true(v.marker);
  assert_int_equal(v.seq, 0x1234);
  assert_int_equal(v.timestamp, 0x01020304u);
  assert_int_equal(v.ssrc, 0xCAFEBABEu);
  assert_int_equal(v.payload_len, sizeof(kPayload));
  assert_ptr_equal(v.payload, p.data() + 32);
  assert_memory_equal(v.payload, kPayload, sizeof(kPayload));
  assert_int_equal(v.audio_level, 0x2A);
  assert_true(v.voice_activity);
}

void test_parse_minimal(void**) {
  const uint8_t p[] = {0x80, 0x60, 0xFF, 0xFF, 0, 0, 0, 9, 0, 0, 0, 7, 0x42};
  RtpPacketView v;
  assert_true(mcu::parse_rtp(p, sizeof(p), 1, &v));
  assert_false(v.marker);
  assert_int_equal(v.payload_type, 96);
  assert_int_equal(v.seq, 65535);
  assert_int_equal(v.payload_len, 1);
  assert_int_equal(v.payload[0], 0x42);
  assert_int_equal(v.audio_level, -1);
  assert_false(v.voice_activity);
}

void test_level_lookup_disabled_or_other_id(void**) {
  const std::vector<uint8_t> p = full_packet();
  RtpPacketView v;
  assert_true(mcu::parse_rtp(p.data(), p.size(), 0, &v));
  assert_int_equal(v.audio_level, -1);
  assert_true(mcu::parse_rtp(p.data(), p.size(), 3, &v));
  assert_int_equal(v.audio_level, -1);
  // Id 2 is a 2-byte element: its first data byte 0x55 reads as V=0, level 0x55.
  assert_true(mcu::parse_rtp(p.data(), p.size(), 2, &v));
  assert_int_equal(v.audio_level, 0x55);
  assert_false(v.voice_activity);
}

void test_every_truncation_is_safe(void**) {
  const std::vector<uint8_t> p = full_packet();
  for (size_t len = 0; len < p.size(); ++len) {
    RtpPacketView v;
    const bool ok = parse_exact(p, len, 1, &v);
    // Cutting into the header, CSRCs or extension must fail; cutting into the
    // payload leaves a last byte that is not a valid padding count.
    if (len < 37) assert_false(ok);
  }
  RtpPacketView v;
  assert_true(parse_exact(p, p.size(), 1, &v));
  assert_int_equal(v.payload_len, sizeof(kPayload));
}

void test_truncated_header_parts(void**) {
  RtpPacketView v;
  // CSRC count 15 but only 12 bytes.
  const uint8_t csrc[] = {0x8F, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  assert_false(mcu::parse_rtp(csrc, sizeof(csrc), 1, &v));
  // Extension header announces 4 words, only 1 present.
  const uint8_t ext[] = {0x90, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 4, 0x10, 5, 0, 0};
  assert_false(mcu::parse_rtp(ext, sizeof(ext), 1, &v));
  assert_false(mcu::parse_rtp(nullptr, 12, 1, &v));
}

void test_bad_version(void**) {
  std::vector<uint8_t> p = full_packet();
  RtpPacketView v;
  for (uint8_t version : {0, 1, 3}) {
    p[0] = static_cast<uint8_t>((p[0] & 0x3F) | (version << 6));
    assert_false(mcu::parse_rtp(p.data(), p.size(), 1, &v));
  }
}

void test_bad_padding(void**) {
  std::vector<uint8_t> p = full_packet();
  RtpPacketView v;
  p.back() = 0;
  assert_false(mcu::parse_rtp(p.data(), p.size(), 1, &v));
  p.back() = static_cast<uint8_t>(sizeof(kPayload) + 4);  // more than payload + padding
  assert_false(mcu::parse_rtp(p.data(), p.size(), 1, &v));
  p.back() = static_cast<uint8_t>(sizeof(kPayload) + 3);  // exactly all of it: empty payload
  assert_true(mcu::parse_rtp(p.data(), p.size(), 1, &v));
  assert_int_equal(v.payload_len, 0);
}

void test_one_byte_level_and_padding_elements(void**) {
  // Leading padding byte, then id 5 with one byte: V clear, level 127.
  const uint8_t p[] = {0x90, 0x6F, 0,    1, 0, 0,    0,    0,    0,    0,   0,
                       1,    0xBE, 0xDE, 0, 1, 0x00, 0x50, 0x7F, 0x00, 0xAB};
  RtpPacketView v;
  assert_true(mcu::parse_rtp(p, sizeof(p), 5, &v));
  assert_int_equal(v.audio_level, 127);
  assert_false(v.voice_activity);
  assert_int_equal(v.payload_len, 1);
  // Id 15 stops the walk: the element after it is not read.
  const uint8_t stop[] = {0x90, 0x6F, 0,    1, 0, 0,    0,    0,    0,    0,   0,
                          1,    0xBE, 0xDE, 0, 1, 0xF0, 0x00, 0x50, 0x7F, 0xAB};
  assert_true(mcu::parse_rtp(stop, sizeof(stop), 5, &v));
  assert_int_equal(v.audio_level, -1);
  // An element whose length runs past the block is ignored, not read.
  const uint8_t overrun[] = {0x90, 0x6F, 0,    1, 0, 0,    0,    0,    0,    0,   0,
                             1,    0xBE, 0xDE, 0, 1, 0x00, 0x00, 0x00, 0x5F, 0xAB};
  assert_true(mcu::parse_rtp(overrun, sizeof(overrun), 5, &v));
  assert_int_equal(v.audio_level, -1);
}

void test_two_byte_level(void**) {
  // Profile 0x1000: padding byte, id 7 len 0, id 20 len 1 (V set, level 33).
  const uint8_t p[] = {0x90, 0x6F, 0, 1,    0,    0,    0,    0,    0,    0,    0,    1,   0x10,
                       0x00, 0,    2, 0x00, 0x07, 0x00, 0x14, 0x01, 0xA1, 0x00, 0x00, 0xAB};
  RtpPacketView v;
  assert_true(mcu::parse_rtp(p, sizeof(p), 20, &v));
  assert_int_equal(v.audio_level, 33);
  assert_true(v.voice_activity);
  assert_int_equal(v.payload_len, 1);
  assert_int_equal(v.payload[0], 0xAB);
  // Id 7 has no data byte, so it cannot carry a level.
  assert_true(mcu::parse_rtp(p, sizeof(p), 7, &v));
  assert_int_equal(v.audio_level, -1);
  // Ids above 14 only exist in the two-byte form.
  assert_true(mcu::parse_rtp(p, sizeof(p), 200, &v));
  assert_int_equal(v.audio_level, -1);
}

void test_write_parse_round_trip(void**) {
  uint8_t buf[64];
  const size_t n = mcu::write_rtp_header(buf, sizeof(buf), 111, true, 65535, 0xFFFFFFF0u,
                                         0x11223344u, 3, 42, true);
  assert_int_equal(n, 20);
  assert_int_equal(n % 4, 0);
  buf[n] = 0x77;
  RtpPacketView v;
  assert_true(mcu::parse_rtp(buf, n + 1, 3, &v));
  assert_int_equal(v.payload_type, 111);
  assert_true(v.marker);
  assert_int_equal(v.seq, 65535);
  assert_int_equal(v.timestamp, 0xFFFFFFF0u);
  assert_int_equal(v.ssrc, 0x11223344u);
  assert_int_equal(v.audio_level, 42);
  assert_true(v.voice_activity);
  assert_int_equal(v.payload_len, 1);
  assert_int_equal(v.payload[0], 0x77);

  const size_t plain = mcu::write_rtp_header(buf, sizeof(buf), 0, false, 7, 8, 9, 0, -1, false);
  assert_int_equal(plain, 12);
  assert_int_equal(buf[0], 0x80);
  assert_true(mcu::parse_rtp(buf, plain, 3, &v));
  assert_int_equal(v.payload_len, 0);
  assert_int_equal(v.audio_level, -1);
  assert_false(v.marker);
}

void test_write_rejects_bad_arguments(void**) {
  uint8_t buf[64];
  assert_int_equal(mcu::write_rtp_header(buf, 19, 111, false, 1, 1, 1, 1, 10, false), 0);
  assert_int_equal(mcu::write_rtp_header(buf, 11, 111, false, 1, 1, 1, 0, -1, false), 0);
  assert_int_equal(mcu::write_rtp_header(buf, 64, 128, false, 1, 1, 1, 0, -1, false), 0);
  assert_int_equal(mcu::write_rtp_header(buf, 64, 111, false, 1, 1, 1, 15, 10, false), 0);
  assert_int_equal(mcu::write_rtp_header(buf, 64, 111, false, 1, 1, 1, 1, 128, false), 0);
  assert_int_equal(mcu::write_rtp_header(buf, 64, 111, false, 1, 1, 1, 1, -1, false), 0);
  assert_int_equal(mcu::write_rtp_header(buf, 20, 111, false, 1, 1, 1, 1, 127, false), 20);
}

// RR (no report blocks), PLI, FIR with one FCI entry.
std::vector<uint8_t> compound() {
  return {0x80, 201, 0x00, 0x01, 0, 0, 0, 1,                                       // RR
          0x81, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2,                           // PLI
          0x84, 206, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 5, 0, 0, 0};  // FIR
}

void test_rtcp_split(void**) {
  const std::vector<uint8_t> p = compound();
  RtcpBlock blocks[8];
  assert_int_equal(mcu::split_rtcp(p.data(), p.size(), blocks, 8), 3);
  assert_int_equal(blocks[0].packet_type, 201);
  assert_int_equal(blocks[0].count, 0);
  assert_int_equal(blocks[0].len, 8);
  assert_ptr_equal(blocks[0].data, p.data());
  assert_int_equal(blocks[1].packet_type, 206);
  assert_int_equal(blocks[1].count, 1);
  assert_int_equal(blocks[1].len, 12);
  assert_ptr_equal(blocks[1].data, p.data() + 8);
  assert_int_equal(blocks[2].count, 4);
  assert_int_equal(blocks[2].len, 20);
  assert_ptr_equal(blocks[2].data, p.data() + 20);

  assert_false(mcu::rtcp_is_keyframe_request(blocks[0]));
  assert_true(mcu::rtcp_is_keyframe_request(blocks[1]));
  assert_true(mcu::rtcp_is_keyframe_request(blocks[2]));
}

void test_rtcp_malformed(void**) {
  RtcpBlock blocks[8];
  std::vector<uint8_t> p = compound();
  assert_int_equal(mcu::split_rtcp(p.data(), p.size(), blocks, 2), -1);  // too many blocks
  assert_int_equal(mcu::split_rtcp(p.data(), 0, blocks, 8), -1);

  std::vector<uint8_t> trailing = p;
  trailing.insert(trailing.end(), {0x80, 201});
  assert_int_equal(mcu::split_rtcp(trailing.data(), trailing.size(), blocks, 8), -1);

  std::vector<uint8_t> long_len = p;
  long_len[11] = 0x06;  // PLI claims 28 bytes: runs past the end
  assert_int_equal(mcu::split_rtcp(long_len.data(), long_len.size(), blocks, 8), -1);
  long_len[10] = 0xFF;
  assert_int_equal(mcu::split_rtcp(long_len.data(), long_len.size(), blocks, 8), -1);

  std::vector<uint8_t> version = p;
  version[8] = 0x41;
  assert_int_equal(mcu::split_rtcp(version.data(), version.size(), blocks, 8), -1);

  std::vector<uint8_t> padding = p;
  padding[0] |= 0x20;  // RR with padding bit: last byte 1 is a valid count
  assert_int_equal(mcu::split_rtcp(padding.data(), padding.size(), blocks, 8), 3);
  padding[7] = 0;  // padding count 0
  assert_int_equal(mcu::split_rtcp(padding.data(), padding.size(), blocks, 8), -1);
  padding[7] = 5;  // more than the block's body
  assert_int_equal(mcu::split_rtcp(padding.data(), padding.size(), blocks, 8), -1);

  // Every truncation: only cuts at block boundaries give a valid compound.
  for (size_t len = 0; len < p.size(); ++len) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[len == 0 ? 1 : len]);
    std::memcpy(copy.get(), p.data(), len);
    const int n = mcu::split_rtcp(copy.get(), len, blocks, 8);
    if (len == 8) {
      assert_int_equal(n, 1);
    } else if (len == 20) {
      assert_int_equal(n, 2);
    } else {
      assert_int_equal(n, -1);
    }
  }
}

void test_keyframe_request_detection(void**) {
  RtcpBlock b;
  const uint8_t pli[] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
  b = {206, 1, pli, sizeof(pli)};
  assert_true(mcu::rtcp_is_keyframe_request(b));
  b.len = 8;  // too short to name a media source
  assert_false(mcu::rtcp_is_keyframe_request(b));
  b = {206, 15, pli, sizeof(pli)};  // REMB / application layer feedback
  assert_false(mcu::rtcp_is_keyframe_request(b));
  b = {205, 1, pli, sizeof(pli)};  // generic NACK
  assert_false(mcu::rtcp_is_keyframe_request(b));
  b = {206, 4, pli, sizeof(pli)};  // FIR without an FCI entry
  assert_false(mcu::rtcp_is_keyframe_request(b));
}

void test_write_rtcp_fir(void**) {
  uint8_t buf[32];
  std::memset(buf, 0xEE, sizeof(buf));
  assert_int_equal(mcu::write_rtcp_fir(buf, sizeof(buf), 0x01020304, 0xA1B2C3D4, 7), 20);
  const uint8_t expected[20] = {0x84, 206, 0,    4,    0x01, 0x02, 0x03, 0x04, 0, 0,
                                0,    0,   0xA1, 0xB2, 0xC3, 0xD4, 7,    0,    0, 0};
  assert_memory_equal(buf, expected, sizeof(expected));
  assert_int_equal(buf[20], 0xEE);  // nothing written past the packet

  RtcpBlock blocks[2];
  assert_int_equal(mcu::split_rtcp(buf, 20, blocks, 2), 1);
  assert_int_equal(blocks[0].packet_type, 206);
  assert_int_equal(blocks[0].count, 4);
  assert_int_equal(blocks[0].len, 20);
  assert_true(mcu::rtcp_is_keyframe_request(blocks[0]));
  assert_true(mcu::looks_like_rtcp(buf, 20));

  // Too small a buffer: nothing written.
  std::memset(buf, 0xEE, sizeof(buf));
  assert_int_equal(mcu::write_rtcp_fir(buf, 19, 1, 2, 3), 0);
  assert_int_equal(buf[0], 0xEE);
  assert_int_equal(mcu::write_rtcp_fir(nullptr, 20, 1, 2, 3), 0);
}

void test_looks_like_rtcp(void**) {
  const std::vector<uint8_t> rtcp = compound();
  assert_true(mcu::looks_like_rtcp(rtcp.data(), rtcp.size()));
  assert_false(mcu::looks_like_rtcp(rtcp.data(), 4));
  const std::vector<uint8_t> rtp = full_packet();
  assert_false(mcu::looks_like_rtcp(rtp.data(), rtp.size()));
  const uint8_t app[] = {0x80, 204, 0, 1, 0, 0, 0, 1};
  assert_true(mcu::looks_like_rtcp(app, sizeof(app)));
  const uint8_t high[] = {0x80, 224, 0, 1, 0, 0, 0, 1};
  assert_false(mcu::looks_like_rtcp(high, sizeof(high)));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_valid),
      cmocka_unit_test(test_parse_minimal),
      cmocka_unit_test(test_level_lookup_disabled_or_other_id),
      cmocka_unit_test(test_every_truncation_is_safe),
      cmocka_unit_test(test_truncated_header_parts),
      cmocka_unit_test(test_bad_version),
      cmocka_unit_test(test_bad_padding),
      cmocka_unit_test(test_one_byte_level_and_padding_elements),
      cmocka_unit_test(test_two_byte_level),
      cmocka_unit_test(test_write_parse_round_trip),
      cmocka_unit_test(test_write_rejects_bad_arguments),
      cmocka_unit_test(test_rtcp_split),
      cmocka_unit_test(test_rtcp_malformed),
      cmocka_unit_test(test_keyframe_request_detection),
      cmocka_unit_test(test_looks_like_rtcp),
      cmocka_unit_test(test_write_rtcp_fir),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
