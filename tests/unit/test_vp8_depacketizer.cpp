// VP8 payload descriptor parsing against well-formed and hostile input, and
// frame assembly with reordering, duplicates, loss and sequence wrap.
#include <cstring>
#include <memory>
#include <vector>

#include "vp8_depacketizer.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::Vp8Depacketizer;
using mcu::Vp8DepacketizerConfig;
using mcu::Vp8Descriptor;
using mcu::Vp8Frame;
using mcu::Vp8InsertResult;

// Parses from an exactly sized heap copy so that ASan sees any over-read.
bool parse_exact(const std::vector<uint8_t>& bytes, size_t len, Vp8Descriptor* out) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[len == 0 ? 1 : len]);
  if (len > 0) std::memcpy(copy.get(), bytes.data(), len);
  return mcu::parse_vp8_descriptor(copy.get(), len, out);
}

// Key frame header: frame tag (P=0, show_frame), start code, size.
std::vector<uint8_t> key_header(int width, int height) {
  return {0x10,
          0x02,
          0x00,
          0x9d,
          0x01,
          0x2a,
          static_cast<uint8_t>(width & 0xff),
          static_cast<uint8_t>(width >> 8),
          static_cast<uint8_t>(height & 0xff),
          static_cast<uint8_t>(height >> 8)};
}

struct PacketSpec {
  bool start = false;  // S=1, PID=0
  bool key = false;    // with start: key frame header follows
  int picture_id = -1;
  size_t body = 20;  // filler bytes after any frame header
  uint8_t fill = 0;
};

std::vector<uint8_t> make_payload(const PacketSpec& s) {
  std::vector<uint8_t> p;
  uint8_t b0 = s.start ? 0x10 : 0x00;
  if (s.picture_id >= 0) b0 |= 0x80;
  p.push_back(b0);
  if (s.picture_id >= 0) {
    p.push_back(0x80);  // I
    if (s.picture_id > 127) {
      p.push_back(static_cast<uint8_t>(0x80 | (s.picture_id >> 8)));
      p.push_back(static_cast<uint8_t>(s.picture_id & 0xff));
    } else {
      p.push_back(static_cast<uint8_t>(s.picture_id));
    }
  }
  if (s.start) {
    if (s.key) {
      const std::vector<uint8_t> h = key_header(640, 480);
      p.insert(p.end(), h.begin(), h.end());
    } else {
      p.push_back(0x01);  // P=1: inter frame
    }
  }
  p.insert(p.end(), s.body, s.fill);
  return p;
}

struct Packet {
  uint16_t seq = 0;
  uint32_t ts = 0;
  bool marker = false;
  std::vector<uint8_t> payload;
};

// A frame of `count` packets from `seq`; payload filler bytes identify the
// frame (fill) so the assembled output can be checked.
std::vector<Packet> make_frame(uint16_t seq, uint32_t ts, int count, bool key, uint8_t fill,
                               int picture_id = -1, size_t body = 20) {
  std::vector<Packet> out;
  for (int i = 0; i < count; ++i) {
    PacketSpec s;
    s.start = i == 0;
    s.key = key && i == 0;
    s.picture_id = picture_id;
    s.body = body;
    s.fill = static_cast<uint8_t>(fill + i);
    out.push_back({static_cast<uint16_t>(seq + i), ts, i == count - 1, make_payload(s)});
  }
  return out;
}

// The VP8 bytes the depacketizer should hand out for make_frame(...).
std::vector<uint8_t> expected_data(int count, bool key, uint8_t fill, size_t body = 20) {
  std::vector<uint8_t> d;
  if (key) {
    d = key_header(640, 480);
  } else {
    d.push_back(0x01);
  }
  for (int i = 0; i < count; ++i) d.insert(d.end(), body, static_cast<uint8_t>(fill + i));
  return d;
}

Vp8InsertResult feed(Vp8Depacketizer& d, const Packet& p) {
  return d.insert(p.seq, p.ts, p.marker, p.payload.data(), p.payload.size());
}

void feed_all(Vp8Depacketizer& d, const std::vector<Packet>& ps) {
  for (const Packet& p : ps) assert_int_equal(feed(d, p), Vp8InsertResult::kAccepted);
}

int count_frames(Vp8Depacketizer& d, std::vector<Vp8Frame>* out = nullptr) {
  int n = 0;
  Vp8Frame f;
  while (d.pop_frame(&f)) {
    ++n;
    if (out != nullptr) out->push_back(f);
  }
  return n;
}

Vp8DepacketizerConfig small_window() {
  Vp8DepacketizerConfig c;
  c.capacity = 64;
  c.reorder_window = 4;
  return c;
}

void test_descriptor_all_fields(void**) {
  // X N S PID=0; I L T K; 15-bit PictureID 0x1234; TL0PICIDX 0x56; TID 2, Y, KEYIDX 7.
  const std::vector<uint8_t> p = {0xB0, 0xF0, 0x92, 0x34, 0x56, 0xA7, 0x01, 0xAB};
  Vp8Descriptor d;
  assert_true(mcu::parse_vp8_descriptor(p.data(), p.size(), &d));
  assert_true(d.non_reference);
  assert_true(d.start_of_partition);
  assert_int_equal(d.partition_id, 0);
  assert_int_equal(d.picture_id, 0x1234);
  assert_true(d.picture_id_15bit);
  assert_int_equal(d.tl0_pic_idx, 0x56);
  assert_int_equal(d.temporal_id, 2);
  assert_true(d.layer_sync);
  assert_int_equal(d.key_idx, 7);
  assert_int_equal(d.descriptor_len, 6);
  assert_true(d.frame_start);
  assert_false(d.key_frame);  // P=1

  // Minimal: no extension, S=1 but PID=3 is not a frame start, so the P=0
  // byte after it is partition data, not a key frame tag.
  const uint8_t q[] = {0x13, 0x00};
  assert_true(mcu::parse_vp8_descriptor(q, sizeof(q), &d));
  assert_int_equal(d.partition_id, 3);
  assert_false(d.frame_start);
  assert_false(d.key_frame);
  assert_int_equal(d.picture_id, -1);
  assert_int_equal(d.tl0_pic_idx, -1);
  assert_int_equal(d.temporal_id, -1);
  assert_int_equal(d.key_idx, -1);
  assert_int_equal(d.descriptor_len, 1);

  // K alone still carries the TID/Y/KEYIDX byte, but TID stays absent.
  const uint8_t k[] = {0x80, 0x10, 0xC5, 0x01};
  assert_true(mcu::parse_vp8_descriptor(k, sizeof(k), &d));
  assert_int_equal(d.temporal_id, -1);
  assert_int_equal(d.key_idx, 5);
  assert_int_equal(d.descriptor_len, 3);
}

void test_picture_id_7_and_15_bit(void**) {
  Vp8Descriptor d;
  const uint8_t seven[] = {0x80, 0x80, 0x7F, 0x00};
  assert_true(mcu::parse_vp8_descriptor(seven, sizeof(seven), &d));
  assert_int_equal(d.picture_id, 127);
  assert_false(d.picture_id_15bit);
  assert_int_equal(d.descriptor_len, 3);
  const uint8_t fifteen[] = {0x80, 0x80, 0xFF, 0xFF, 0x00};
  assert_true(mcu::parse_vp8_descriptor(fifteen, sizeof(fifteen), &d));
  assert_int_equal(d.picture_id, 0x7FFF);
  assert_true(d.picture_id_15bit);
  assert_int_equal(d.descriptor_len, 4);
  // M=1 with a small value is still 15-bit: two bytes consumed.
  const uint8_t small15[] = {0x80, 0x80, 0x80, 0x05, 0x00};
  assert_true(mcu::parse_vp8_descriptor(small15, sizeof(small15), &d));
  assert_int_equal(d.picture_id, 5);
  assert_int_equal(d.descriptor_len, 4);
}

void test_key_frame_size_parsing(void**) {
  Vp8Descriptor d;
  std::vector<uint8_t> p = {0x10};
  std::vector<uint8_t> h = key_header(1280, 720);
  h[7] |= 0xC0;  // horizontal scale bits are not part of the width
  h[9] |= 0x40;
  p.insert(p.end(), h.begin(), h.end());
  assert_true(mcu::parse_vp8_descriptor(p.data(), p.size(), &d));
  assert_true(d.frame_start);
  assert_true(d.key_frame);
  assert_int_equal(d.width, 1280);
  assert_int_equal(d.height, 720);

  std::vector<uint8_t> bad = p;
  bad[5] = 0x02;  // broken start code
  assert_false(mcu::parse_vp8_descriptor(bad.data(), bad.size(), &d));
  std::vector<uint8_t> zero = {0x10};
  const std::vector<uint8_t> zh = key_header(0, 480);
  zero.insert(zero.end(), zh.begin(), zh.end());
  assert_false(mcu::parse_vp8_descriptor(zero.data(), zero.size(), &d));

  // Inter frame: P=1, no size.
  const uint8_t inter[] = {0x10, 0x01, 0x00};
  assert_true(mcu::parse_vp8_descriptor(inter, sizeof(inter), &d));
  assert_true(d.frame_start);
  assert_false(d.key_frame);
  assert_int_equal(d.width, 0);
  // A continuation packet is never a key frame start whatever its bytes.
  std::vector<uint8_t> cont = p;
  cont[0] = 0x00;
  assert_true(mcu::parse_vp8_descriptor(cont.data(), cont.size(), &d));
  assert_false(d.frame_start);
  assert_false(d.key_frame);
}

void test_truncated_descriptors(void**) {
  // Every descriptor field present, then a key frame header.
  std::vector<uint8_t> p = {0x90, 0xF0, 0x92, 0x34, 0x56, 0xA7};
  const std::vector<uint8_t> h = key_header(320, 240);
  p.insert(p.end(), h.begin(), h.end());
  Vp8Descriptor d;
  for (size_t len = 0; len < p.size(); ++len) {
    d.picture_id = 99;
    assert_false(parse_exact(p, len, &d));
    assert_int_equal(d.picture_id, 99);  // output untouched on failure
  }
  assert_true(parse_exact(p, p.size(), &d));
  assert_true(d.key_frame);
  assert_int_equal(d.width, 320);
  assert_int_equal(d.height, 240);

  // Each optional field alone, cut just before it and with no payload at all.
  const std::vector<std::vector<uint8_t>> shapes = {
      {0x80, 0x80, 0x05, 0x00},        // I, 7-bit
      {0x80, 0x80, 0x85, 0x05, 0x00},  // I, 15-bit
      {0x80, 0x40, 0x05, 0x00},        // L
      {0x80, 0x20, 0x40, 0x00},        // T
      {0x80, 0x10, 0x05, 0x00},        // K
      {0x00, 0x00},                    // no extension
  };
  for (const std::vector<uint8_t>& s : shapes) {
    for (size_t len = 0; len < s.size(); ++len) assert_false(parse_exact(s, len, &d));
    assert_true(parse_exact(s, s.size(), &d));
    assert_int_equal(d.descriptor_len, s.size() - 1);
  }
  assert_false(mcu::parse_vp8_descriptor(nullptr, 4, &d));
}

void test_in_order_multi_packet_frames(void**) {
  Vp8Depacketizer d;
  assert_true(d.needs_keyframe());  // nothing decodable yet
  const std::vector<Packet> key = make_frame(100, 9000, 3, true, 0x10, 42);
  Vp8Frame f;
  for (size_t i = 0; i < key.size(); ++i) {
    assert_int_equal(feed(d, key[i]), Vp8InsertResult::kAccepted);
    const bool ready = d.pop_frame(&f);
    assert_int_equal(ready, i + 1 == key.size());  // only once the marker is in
  }
  assert_true(f.key_frame);
  assert_int_equal(f.width, 640);
  assert_int_equal(f.height, 480);
  assert_int_equal(f.picture_id, 42);
  assert_int_equal(f.timestamp, 9000);
  assert_int_equal(f.first_seq, 100);
  assert_int_equal(f.last_seq, 102);
  const std::vector<uint8_t> want_key = expected_data(3, true, 0x10);
  assert_int_equal(f.data.size(), want_key.size());
  assert_memory_equal(f.data.data(), want_key.data(), want_key.size());
  assert_false(d.needs_keyframe());

  feed_all(d, make_frame(103, 12000, 2, false, 0x20, 43));
  feed_all(d, make_frame(105, 15000, 1, false, 0x30, 44));
  std::vector<Vp8Frame> frames;
  assert_int_equal(count_frames(d, &frames), 2);
  assert_false(frames[0].key_frame);
  assert_int_equal(frames[0].width, 0);
  assert_int_equal(frames[0].picture_id, 43);
  const std::vector<uint8_t> want = expected_data(2, false, 0x20);
  assert_int_equal(frames[0].data.size(), want.size());
  assert_memory_equal(frames[0].data.data(), want.data(), want.size());
  assert_int_equal(frames[1].timestamp, 15000);
  assert_int_equal(d.buffered_packets(), 0);
  assert_int_equal(d.stats().frames_out, 3);
  assert_false(d.needs_keyframe());
}

void test_reordered_packets(void**) {
  Vp8Depacketizer d;
  std::vector<Packet> ps = make_frame(500, 1000, 3, true, 0x10);
  const std::vector<Packet> f2 = make_frame(503, 4000, 3, false, 0x20);
  ps.insert(ps.end(), f2.begin(), f2.end());
  // Fixed shuffle, including the very first packet arriving second.
  const int order[] = {1, 0, 4, 2, 5, 3};
  std::vector<Vp8Frame> frames;
  for (int i : order) {
    assert_int_equal(feed(d, ps[i]), Vp8InsertResult::kAccepted);
    count_frames(d, &frames);
  }
  assert_int_equal(frames.size(), 2);
  assert_true(frames[0].key_frame);
  assert_int_equal(frames[0].first_seq, 500);
  assert_false(frames[1].key_frame);
  const std::vector<uint8_t> want = expected_data(3, false, 0x20);
  assert_int_equal(frames[1].data.size(), want.size());
  assert_memory_equal(frames[1].data.data(), want.data(), want.size());
  assert_int_equal(d.stats().lost_packets, 0);
  assert_false(d.needs_keyframe());
}

void test_duplicates(void**) {
  Vp8Depacketizer d;
  const std::vector<Packet> key = make_frame(7, 0, 3, true, 0x10);
  assert_int_equal(feed(d, key[0]), Vp8InsertResult::kAccepted);
  assert_int_equal(feed(d, key[0]), Vp8InsertResult::kDuplicate);
  assert_int_equal(feed(d, key[1]), Vp8InsertResult::kAccepted);
  assert_int_equal(feed(d, key[1]), Vp8InsertResult::kDuplicate);
  assert_int_equal(feed(d, key[2]), Vp8InsertResult::kAccepted);
  std::vector<Vp8Frame> frames;
  assert_int_equal(count_frames(d, &frames), 1);
  const std::vector<uint8_t> want = expected_data(3, true, 0x10);
  assert_int_equal(frames[0].data.size(), want.size());
  // Already handed out: late, not a second frame.
  assert_int_equal(feed(d, key[2]), Vp8InsertResult::kLate);
  assert_int_equal(feed(d, key[0]), Vp8InsertResult::kLate);
  assert_int_equal(count_frames(d), 0);
  assert_int_equal(d.stats().duplicates, 2);
  assert_int_equal(d.stats().late, 2);
  assert_false(d.needs_keyframe());
}

void test_lost_middle_packet(void**) {
  Vp8Depacketizer d(small_window());
  feed_all(d, make_frame(10, 0, 2, true, 0x10));
  assert_int_equal(count_frames(d), 1);
  assert_false(d.needs_keyframe());

  std::vector<Packet> broken = make_frame(12, 3000, 3, false, 0x20);
  feed(d, broken[0]);
  feed(d, broken[2]);  // seq 13 lost
  // Within the reorder window nothing is given up on yet.
  assert_int_equal(count_frames(d), 0);
  assert_false(d.needs_keyframe());
  feed_all(d, make_frame(15, 6000, 2, false, 0x30));
  feed_all(d, make_frame(17, 9000, 2, false, 0x40));
  assert_int_equal(count_frames(d), 0);  // seq 17-18 put the gap past the window
  assert_true(d.needs_keyframe());
  // More inter frames: complete but withheld.
  feed_all(d, make_frame(19, 12000, 2, false, 0x50));
  assert_int_equal(count_frames(d), 0);
  assert_true(d.needs_keyframe());
  assert_true(d.stats().frames_withheld >= 2);

  feed_all(d, make_frame(21, 15000, 2, true, 0x60));
  std::vector<Vp8Frame> frames;
  assert_int_equal(count_frames(d, &frames), 1);
  assert_true(frames[0].key_frame);
  assert_int_equal(frames[0].first_seq, 21);
  assert_false(d.needs_keyframe());
  feed_all(d, make_frame(23, 18000, 1, false, 0x70));
  assert_int_equal(count_frames(d), 1);

  // Had the lost packet arrived within the window, the frame would have come out.
  Vp8Depacketizer e(small_window());
  feed_all(e, make_frame(10, 0, 2, true, 0x10));
  feed(e, broken[0]);
  feed(e, broken[2]);
  feed(e, broken[1]);
  assert_int_equal(count_frames(e), 2);
  assert_false(e.needs_keyframe());
  assert_int_equal(e.stats().lost_packets, 0);
}

void test_frame_missing_start_or_end(void**) {
  // Missing end: the marker packet of frame 2 is lost and frame 3 starts.
  Vp8Depacketizer d(small_window());
  feed_all(d, make_frame(0, 0, 2, true, 0x10));
  std::vector<Packet> f2 = make_frame(2, 3000, 3, false, 0x20);
  feed(d, f2[0]);
  feed(d, f2[1]);
  // seq 4 (marker) never arrives.
  feed_all(d, make_frame(5, 6000, 2, false, 0x30));
  feed_all(d, make_frame(7, 9000, 2, false, 0x40));
  assert_int_equal(count_frames(d), 1);  // only the key frame
  assert_true(d.needs_keyframe());
  assert_true(d.stats().frames_dropped >= 1);

  // Missing start: the first packet of frame 2 is lost.
  Vp8Depacketizer e(small_window());
  feed_all(e, make_frame(0, 0, 2, true, 0x10));
  f2 = make_frame(2, 3000, 3, false, 0x20);
  feed(e, f2[1]);
  feed(e, f2[2]);
  feed_all(e, make_frame(5, 6000, 2, false, 0x30));
  feed_all(e, make_frame(7, 9000, 2, false, 0x40));
  assert_int_equal(count_frames(e), 1);
  assert_true(e.needs_keyframe());
  feed_all(e, make_frame(9, 12000, 2, true, 0x50));
  assert_int_equal(count_frames(e), 1);
  assert_false(e.needs_keyframe());
}

void test_sequence_wrap(void**) {
  Vp8Depacketizer d;
  const std::vector<Packet> key = make_frame(65533, 100, 4, true, 0x10);  // 65533..0
  const std::vector<Packet> inter = make_frame(1, 3100, 3, false, 0x20);
  std::vector<Vp8Frame> frames;
  // Packets across the wrap, slightly reordered.
  feed(d, key[0]);
  feed(d, key[2]);  // 65535
  feed(d, key[1]);
  feed(d, inter[0]);  // 1 before 0
  feed(d, key[3]);    // 0
  feed(d, inter[2]);
  feed(d, inter[1]);
  assert_int_equal(count_frames(d, &frames), 2);
  assert_int_equal(frames[0].first_seq, 65533);
  assert_int_equal(frames[0].last_seq, 0);
  assert_true(frames[0].key_frame);
  assert_int_equal(frames[1].first_seq, 1);
  assert_int_equal(frames[1].last_seq, 3);
  const std::vector<uint8_t> want = expected_data(4, true, 0x10);
  assert_int_equal(frames[0].data.size(), want.size());
  assert_memory_equal(frames[0].data.data(), want.data(), want.size());
  assert_int_equal(d.stats().lost_packets, 0);
  // A packet from before the wrap is late, not 65536 packets ahead.
  assert_int_equal(feed(d, key[0]), Vp8InsertResult::kLate);
}

void test_oversized_frame_rejected(void**) {
  Vp8DepacketizerConfig c = small_window();
  c.max_frame_bytes = 2500;
  c.max_packet_bytes = 1200;
  Vp8Depacketizer d(c);
  feed_all(d, make_frame(0, 0, 1, true, 0x10));
  assert_int_equal(count_frames(d), 1);
  // Three packets of 1001+ bytes: over 2500 in total.
  feed_all(d, make_frame(1, 3000, 3, false, 0x20, -1, 1000));
  assert_int_equal(count_frames(d), 0);
  assert_true(d.needs_keyframe());
  assert_int_equal(d.stats().frames_dropped, 1);
  // A single packet over max_packet_bytes is rejected outright.
  const std::vector<Packet> huge = make_frame(4, 6000, 1, false, 0x30, -1, 1300);
  assert_int_equal(feed(d, huge[0]), Vp8InsertResult::kRejected);
  assert_int_equal(d.stats().malformed, 1);
  // The next key frame within the limit goes through (seq 4 again: the
  // rejected packet never entered the buffer).
  feed_all(d, make_frame(4, 9000, 2, true, 0x40, -1, 1000));
  std::vector<Vp8Frame> frames;
  assert_int_equal(count_frames(d, &frames), 1);
  assert_true(frames[0].key_frame);
  assert_false(d.needs_keyframe());

  // The default cap is 2 MB: a frame just over it, in 1500-byte packets, is dropped.
  Vp8DepacketizerConfig big;
  big.capacity = 2048;
  Vp8Depacketizer e(big);
  const int n = (2 * 1024 * 1024) / 1400 + 2;
  feed_all(e, make_frame(0, 0, n, true, 0x10, -1, 1400));
  assert_int_equal(count_frames(e), 0);
  assert_true(e.needs_keyframe());
  assert_int_equal(e.stats().frames_dropped, 1);
  assert_int_equal(e.buffered_packets(), 0);
}

void test_malformed_and_bounded(void**) {
  Vp8DepacketizerConfig c = small_window();
  c.capacity = 16;
  Vp8Depacketizer d(c);
  const uint8_t empty[] = {0x10};
  assert_int_equal(d.insert(0, 0, true, empty, sizeof(empty)), Vp8InsertResult::kRejected);
  assert_int_equal(d.insert(0, 0, true, nullptr, 0), Vp8InsertResult::kRejected);
  // A frame longer than the ring cannot be assembled: evicted, then a key
  // frame is needed; memory stays within the ring.
  const std::vector<Packet> longf = make_frame(0, 0, 40, true, 0x10);
  for (const Packet& p : longf) {
    feed(d, p);
    assert_true(d.buffered_packets() <= 16);
    count_frames(d);
  }
  assert_int_equal(d.stats().frames_out, 0);
  assert_true(d.needs_keyframe());
  // A huge jump is a restarted sender, not 30000 lost packets.
  assert_int_equal(feed(d, make_frame(30000, 5000, 1, true, 0x20)[0]), Vp8InsertResult::kReset);
  std::vector<Vp8Frame> frames;
  assert_int_equal(count_frames(d, &frames), 1);
  assert_int_equal(frames[0].first_seq, 30000);
  assert_false(d.needs_keyframe());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_descriptor_all_fields),
      cmocka_unit_test(test_picture_id_7_and_15_bit),
      cmocka_unit_test(test_key_frame_size_parsing),
      cmocka_unit_test(test_truncated_descriptors),
      cmocka_unit_test(test_in_order_multi_packet_frames),
      cmocka_unit_test(test_reordered_packets),
      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_lost_middle_packet),
      cmocka_unit_test(test_frame_missing_start_or_end),
      cmocka_unit_test(test_sequence_wrap),
      cmocka_unit_test(test_oversized_frame_rejected),
      cmocka_unit_test(test_malformed_and_bounded),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
