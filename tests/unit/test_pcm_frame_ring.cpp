// The ring between the mixer thread and a recorder's writer: order, tags,
// silence, wrap-around, and what a full ring drops.
#include <cstdint>
#include <vector>

#include "opus_codec.h"
#include "pcm_frame_ring.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

std::vector<int16_t> frame_of(int16_t value) {
  return std::vector<int16_t>(mcu::kFrameSamples, value);
}

void test_frames_come_out_in_order_with_their_tags(void** /*state*/) {
  mcu::PcmFrameRing ring(4);
  assert_true(ring.push(frame_of(1).data(), 100));
  assert_true(ring.push(nullptr, 120));  // silence
  assert_true(ring.push(frame_of(3).data(), 140));
  std::vector<int16_t> pcm;
  std::vector<int64_t> tags;
  assert_int_equal(ring.take_all(&pcm, &tags), 3);
  assert_int_equal(pcm.size(), 3 * mcu::kFrameSamples);
  assert_int_equal(pcm[0], 1);
  assert_int_equal(pcm[mcu::kFrameSamples - 1], 1);
  assert_int_equal(pcm[mcu::kFrameSamples], 0);
  assert_int_equal(pcm[2 * mcu::kFrameSamples - 1], 0);
  assert_int_equal(pcm[2 * mcu::kFrameSamples], 3);
  assert_true(tags == (std::vector<int64_t>{100, 120, 140}));
  // Emptied: nothing more to take.
  assert_int_equal(ring.take_all(&pcm, nullptr), 0);
  assert_int_equal(pcm.size(), 3 * mcu::kFrameSamples);
}

void test_full_ring_drops_the_newest_and_counts(void** /*state*/) {
  mcu::PcmFrameRing ring(3);
  for (int16_t v = 1; v <= 5; ++v) {
    const bool taken = ring.push(frame_of(v).data(), v);
    assert_true(taken == (v <= 3));
  }
  assert_int_equal(ring.dropped(), 2);
  std::vector<int16_t> pcm;
  std::vector<int64_t> tags;
  assert_int_equal(ring.take_all(&pcm, &tags), 3);
  assert_true(tags == (std::vector<int64_t>{1, 2, 3}));
}

void test_wraps_around(void** /*state*/) {
  mcu::PcmFrameRing ring(3);
  std::vector<int16_t> pcm;
  std::vector<int64_t> tags;
  int16_t next = 1;
  // Take after every two pushes, so the head walks round the ring many times.
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 2; ++i, ++next) assert_true(ring.push(frame_of(next).data(), next));
    pcm.clear();
    tags.clear();
    assert_int_equal(ring.take_all(&pcm, &tags), 2);
    assert_int_equal(tags[0], next - 2);
    assert_int_equal(tags[1], next - 1);
    assert_int_equal(pcm[0], next - 2);
    assert_int_equal(pcm[mcu::kFrameSamples], next - 1);
  }
  assert_int_equal(ring.dropped(), 0);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_frames_come_out_in_order_with_their_tags),
      cmocka_unit_test(test_full_ring_drops_the_newest_and_counts),
      cmocka_unit_test(test_wraps_around),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
