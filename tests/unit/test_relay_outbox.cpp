// The WebRTC outbox alone: what the mixer holds goes out once, in order,
// from whichever thread comes first, and never waits more than one tick.
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "relay_outbox.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

// The packets the outbox relayed, as their first byte (a sequence number).
struct Sink {
  std::vector<int> seqs;
  std::vector<int> levels;
  mcu::RelayOutbox::Relay relay() {
    return [this](const uint8_t* p, size_t len, int level) {
      assert_true(len > 0);
      seqs.push_back(p[0]);
      levels.push_back(level);
    };
  }
};

void hold(mcu::RelayOutbox& box, uint8_t seq, int level = 10) {
  const uint8_t packet[3] = {seq, 0xaa, 0xbb};
  box.hold(packet, sizeof(packet), level);
}

void test_drain_relays_what_is_held(void**) {
  Sink sink;
  mcu::RelayOutbox box(sink.relay());
  box.drain();
  assert_true(sink.seqs.empty());
  hold(box, 1, 42);
  assert_true(sink.seqs.empty());  // held until the listener's thread passes
  box.drain();
  assert_int_equal(sink.seqs.size(), 1);
  assert_int_equal(sink.seqs[0], 1);
  assert_int_equal(sink.levels[0], 42);
  box.drain();  // nothing twice
  assert_int_equal(sink.seqs.size(), 1);
  assert_int_equal(box.drained(), 1);
  assert_int_equal(box.overdue(), 0);
}

// The wait is what latency the outbox adds: from hold() to whoever relays.
void test_wait_is_measured(void**) {
  Sink sink;
  mcu::RelayOutbox box(sink.relay());
  hold(box, 1);
  usleep(5000);
  box.drain();
  assert_true(box.waited_us() >= 5000);
  assert_true(box.waited_us() < 1000000);
}

// A listener that sends nothing still hears everything, one tick late.
void test_next_tick_relays_what_was_not_drained(void**) {
  Sink sink;
  mcu::RelayOutbox box(sink.relay());
  hold(box, 1);
  hold(box, 2);
  assert_int_equal(sink.seqs.size(), 1);
  hold(box, 3);
  box.release();  // a tick with nothing to send
  assert_int_equal(sink.seqs.size(), 3);
  assert_int_equal(sink.seqs[0], 1);
  assert_int_equal(sink.seqs[1], 2);
  assert_int_equal(sink.seqs[2], 3);
  assert_int_equal(box.overdue(), 3);
  box.release();
  assert_int_equal(sink.seqs.size(), 3);
}

void test_too_large_goes_now_in_order(void**) {
  Sink sink;
  mcu::RelayOutbox box(sink.relay());
  hold(box, 1);
  std::vector<uint8_t> big(mcu::RelayOutbox::kMaxPacket + 1, 0);
  big[0] = 2;
  box.hold(big.data(), big.size(), 5);
  assert_int_equal(sink.seqs.size(), 2);
  assert_int_equal(sink.seqs[0], 1);
  assert_int_equal(sink.seqs[1], 2);
  box.drain();
  assert_int_equal(sink.seqs.size(), 2);
}

// The mixer and the listener's thread race: every packet still goes out
// exactly once and in order (TSan checks the locking in its build).
void test_concurrent_drain_keeps_order(void**) {
  Sink sink;
  mcu::RelayOutbox box(sink.relay());
  constexpr int kPackets = 20000;
  std::atomic<bool> done{false};
  std::thread listener([&] {
    while (!done.load()) box.drain();
  });
  for (int i = 0; i < kPackets; ++i) {
    hold(box, static_cast<uint8_t>(i & 0xff));
    if (i % 7 == 0) box.release();
  }
  box.release();
  done = true;
  listener.join();
  assert_int_equal(sink.seqs.size(), kPackets);
  for (int i = 0; i < kPackets; ++i) assert_int_equal(sink.seqs[i], i & 0xff);
  assert_int_equal(box.drained() + box.overdue(), kPackets);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_drain_relays_what_is_held),
      cmocka_unit_test(test_wait_is_measured),
      cmocka_unit_test(test_next_tick_relays_what_was_not_drained),
      cmocka_unit_test(test_too_large_goes_now_in_order),
      cmocka_unit_test(test_concurrent_drain_keeps_order),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
