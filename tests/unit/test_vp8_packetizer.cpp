// VP8 packetization: descriptor fields, packet sizes, PictureID wrap, and a
// round trip of real encoder output through Vp8Depacketizer.
#include <algorithm>
#include <cstring>
#include <vector>

#include "i420_compositor.h"
#include "vp8_codec.h"
#include "vp8_depacketizer.h"
#include "vp8_packetizer.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::Vp8Depacketizer;
using mcu::Vp8Descriptor;
using mcu::Vp8Frame;
using mcu::Vp8InsertResult;
using mcu::Vp8Packetizer;

struct Payload {
  std::vector<uint8_t> bytes;
  bool marker = false;
};

std::vector<Payload> packetize(Vp8Packetizer* p, const std::vector<uint8_t>& frame) {
  std::vector<Payload> out;
  const int n = p->packetize(frame.data(), frame.size(), [&](const uint8_t* d, size_t len, bool m) {
    out.push_back({std::vector<uint8_t>(d, d + len), m});
  });
  assert_int_equal(n, static_cast<int>(out.size()));
  return out;
}

// Encoder output: a key frame and inter frames of a moving pattern.
std::vector<std::vector<uint8_t>> encoded_frames(int n) {
  mcu::Vp8EncoderSettings s;
  s.width = 320;
  s.height = 240;
  s.bitrate = 2000000;
  mcu::Vp8Encoder enc;
  assert_true(enc.configure(s, nullptr));
  std::vector<std::vector<uint8_t>> frames;
  mcu::I420Image img(s.width, s.height);
  for (int i = 0; i < n; ++i) {
    for (int y = 0; y < s.height; ++y) {
      for (int x = 0; x < s.width; ++x) {
        img.y()[y * img.stride_y() + x] = static_cast<uint8_t>((x * 3 + y * 5 + i * 4) & 0xFF);
      }
    }
    std::vector<uint8_t> out;
    bool key = false;
    assert_true(enc.encode(img, false, &out, &key));
    assert_true(key == (i == 0));
    frames.push_back(out);
  }
  return frames;
}

// Key frame header (frame tag, start code, 640x480) followed by filler.
std::vector<uint8_t> synthetic_key_frame(size_t len) {
  std::vector<uint8_t> f = {0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
  for (size_t i = f.size(); i < len; ++i) f.push_back(static_cast<uint8_t>(i * 31));
  f.resize(len);
  return f;
}

// Checks the raw descriptor bytes, and parses them too where the parser can:
// it needs a key frame's 10-byte header within the first packet.
void check_packets(const std::vector<Payload>& ps, size_t max_payload, int picture_id, bool key) {
  assert_false(ps.empty());
  size_t smallest = SIZE_MAX;
  size_t largest = 0;
  for (size_t i = 0; i < ps.size(); ++i) {
    const Payload& p = ps[i];
    assert_true(p.bytes.size() <= max_payload);
    assert_true(p.bytes.size() > 4);
    smallest = std::min(smallest, p.bytes.size());
    largest = std::max(largest, p.bytes.size());
    assert_true(p.marker == (i + 1 == ps.size()));
    assert_int_equal(p.bytes[0], i == 0 ? 0x90 : 0x80);  // X, S only on the first, N=0, PID=0
    assert_int_equal(p.bytes[1], 0x80);                  // I
    assert_int_equal(p.bytes[2], 0x80 | (picture_id >> 8));
    assert_int_equal(p.bytes[3], picture_id & 0xFF);
    Vp8Descriptor d;
    const bool parsable = !(i == 0 && key && p.bytes.size() < 4 + 10);
    assert_true(mcu::parse_vp8_descriptor(p.bytes.data(), p.bytes.size(), &d) == parsable);
    if (!parsable) continue;
    assert_int_equal(d.descriptor_len, 4);
    assert_true(d.start_of_partition == (i == 0));
    assert_true(d.frame_start == (i == 0));
    assert_int_equal(d.partition_id, 0);
    assert_false(d.non_reference);
    assert_true(d.picture_id_15bit);
    assert_int_equal(d.picture_id, picture_id);
    assert_int_equal(d.tl0_pic_idx, -1);
    assert_int_equal(d.temporal_id, -1);
    assert_int_equal(d.key_idx, -1);
    if (i == 0) assert_true(d.key_frame == key);
  }
  assert_true(largest - smallest <= 1);
}

// The VP8 bytes of the packets, descriptors stripped.
std::vector<uint8_t> joined(const std::vector<Payload>& ps) {
  std::vector<uint8_t> out;
  for (const Payload& p : ps) out.insert(out.end(), p.bytes.begin() + 4, p.bytes.end());
  return out;
}

void test_round_trip_encoded(void**) {
  const std::vector<std::vector<uint8_t>> frames = encoded_frames(5);
  Vp8Packetizer packetizer(500, 1000);
  Vp8Depacketizer depacketizer;
  uint16_t seq = 65530;  // wraps within the test
  for (size_t f = 0; f < frames.size(); ++f) {
    const std::vector<Payload> ps = packetize(&packetizer, frames[f]);
    check_packets(ps, 500, static_cast<int>(1000 + f), f == 0);
    const size_t expected_count = (frames[f].size() + 495) / 496;
    assert_int_equal(ps.size(), expected_count);
    const uint32_t ts = static_cast<uint32_t>(f * 3000);
    for (const Payload& p : ps) {
      assert_int_equal(depacketizer.insert(seq++, ts, p.marker, p.bytes.data(), p.bytes.size()),
                       Vp8InsertResult::kAccepted);
    }
    Vp8Frame out;
    assert_true(depacketizer.pop_frame(&out));
    assert_true(out.data == frames[f]);
    assert_true(out.key_frame == (f == 0));
    assert_int_equal(out.picture_id, static_cast<int>(1000 + f));
    assert_int_equal(out.timestamp, ts);
    if (f == 0) {
      assert_int_equal(out.width, 320);
      assert_int_equal(out.height, 240);
    }
    assert_false(depacketizer.pop_frame(&out));
  }
  assert_false(depacketizer.needs_keyframe());
  assert_int_equal(depacketizer.stats().frames_out, frames.size());
  assert_int_equal(packetizer.picture_id(), 1000 + frames.size());

  // The decoder accepts what came out.
  mcu::Vp8Decoder dec;
  for (const std::vector<uint8_t>& f : frames) assert_true(dec.decode(f.data(), f.size()));
}

void test_round_trip_synthetic_sizes(void**) {
  // From 23 bytes up, even splitting leaves the first packet >= 10 VP8 bytes,
  // all of a key frame header, as Vp8Depacketizer requires.
  const size_t max_payloads[] = {23, 24, 31, 100, 1200};
  const size_t lengths[] = {10, 11, 57, 1196, 1197, 2392, 2393, 5000};
  for (size_t max_payload : max_payloads) {
    for (size_t len : lengths) {
      const std::vector<uint8_t> frame = synthetic_key_frame(len);
      Vp8Packetizer packetizer(max_payload, 7);
      const std::vector<Payload> ps = packetize(&packetizer, frame);
      check_packets(ps, max_payload, 7, true);
      const size_t room = max_payload - 4;
      assert_int_equal(ps.size(), (len + room - 1) / room);  // no more packets than needed
      mcu::Vp8DepacketizerConfig config;
      config.capacity = 2048;
      Vp8Depacketizer depacketizer(config);
      uint16_t seq = 100;
      for (const Payload& p : ps) {
        assert_int_equal(depacketizer.insert(seq++, 90, p.marker, p.bytes.data(), p.bytes.size()),
                         Vp8InsertResult::kAccepted);
      }
      Vp8Frame out;
      assert_true(depacketizer.pop_frame(&out));
      assert_true(out.data == frame);
      assert_true(out.key_frame);
    }
  }
  // Below that, the split is still exact, only not parseable by the receiver.
  for (size_t max_payload : {size_t{8}, size_t{9}, size_t{13}, size_t{22}}) {
    for (size_t len : {size_t{1}, size_t{10}, size_t{11}, size_t{57}, size_t{1000}}) {
      const std::vector<uint8_t> frame = synthetic_key_frame(len);
      Vp8Packetizer packetizer(max_payload);
      const std::vector<Payload> ps = packetize(&packetizer, frame);
      check_packets(ps, max_payload, 0, true);
      assert_int_equal(ps.size(), (len + max_payload - 5) / (max_payload - 4));
      assert_true(joined(ps) == frame);
    }
  }
}

void test_small_max_payload_is_clamped(void**) {
  const std::vector<uint8_t> frame = synthetic_key_frame(40);
  for (size_t max_payload : {size_t{0}, size_t{1}, size_t{5}, size_t{7}, size_t{8}}) {
    Vp8Packetizer packetizer(max_payload);
    const std::vector<Payload> ps = packetize(&packetizer, frame);
    assert_int_equal(ps.size(), 10);  // 4 VP8 bytes per 8-byte packet
    check_packets(ps, 8, 0, true);
    assert_true(joined(ps) == frame);
  }
}

void test_picture_id_advances_and_wraps(void**) {
  Vp8Packetizer packetizer(1200, 32766);
  assert_int_equal(packetizer.picture_id(), 32766);
  const std::vector<uint8_t> frame = synthetic_key_frame(30);
  const int expected[] = {32766, 32767, 0, 1, 2};
  for (int id : expected) {
    const std::vector<Payload> ps = packetize(&packetizer, frame);
    assert_int_equal(ps.size(), 1);
    check_packets(ps, 1200, id, true);
    // Byte layout: X; I; M with the high 7 bits; the low 8 bits.
    assert_int_equal(ps[0].bytes[0], 0x90);
    assert_int_equal(ps[0].bytes[1], 0x80);
    assert_int_equal(ps[0].bytes[2], 0x80 | (id >> 8));
    assert_int_equal(ps[0].bytes[3], id & 0xFF);
  }
  assert_int_equal(packetizer.picture_id(), 3);
  // Only 15 bits of the first PictureID are kept.
  Vp8Packetizer masked(1200, 0xFFFF);
  assert_int_equal(masked.picture_id(), 0x7FFF);
}

void test_empty_frame(void**) {
  Vp8Packetizer packetizer(1200, 5);
  int calls = 0;
  const auto emit = [&](const uint8_t*, size_t, bool) { ++calls; };
  const uint8_t byte = 0;
  assert_int_equal(packetizer.packetize(&byte, 0, emit), 0);
  assert_int_equal(packetizer.packetize(nullptr, 0, emit), 0);
  assert_int_equal(packetizer.packetize(nullptr, 10, emit), 0);
  assert_int_equal(calls, 0);
  assert_int_equal(packetizer.picture_id(), 5);
  // A one-byte frame is one packet.
  assert_int_equal(packetizer.packetize(&byte, 1, emit), 1);
  assert_int_equal(calls, 1);
  assert_int_equal(packetizer.picture_id(), 6);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_encoded),
      cmocka_unit_test(test_round_trip_synthetic_sizes),
      cmocka_unit_test(test_small_max_payload_is_clamped),
      cmocka_unit_test(test_picture_id_advances_and_wraps),
      cmocka_unit_test(test_empty_frame),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
