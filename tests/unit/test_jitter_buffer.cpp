// Adaptive jitter buffer: ordering, loss, duplicates, late packets, resets,
// sequence wrap, target adaptation, underrun handling and latency reduction.
#include <algorithm>
#include <vector>

#include "jitter_buffer.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::InsertResult;
using mcu::JitterBuffer;
using mcu::JitterBufferConfig;
using mcu::PopKind;

constexpr uint32_t kSsrc = 0x1234;
constexpr int64_t kTickUs = 20000;

// Packet number `index` of a 20 ms stream: the sequence number is its low 16
// bits, the timestamp follows the index, so it keeps going across the wrap. The
// payload carries the sequence number so that pops can be checked.
InsertResult put(JitterBuffer& jb, int64_t index, int64_t arrival_us, uint32_t ssrc = kSsrc,
                 uint32_t ts_base = 1000, int level = 40) {
  const auto seq = static_cast<uint16_t>(index);
  const uint8_t payload[3] = {static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0x5A};
  const uint32_t ts = ts_base + static_cast<uint32_t>(index) * 960u;
  return jb.insert(ssrc, seq, ts, payload, sizeof(payload), level, arrival_us);
}

struct Popped {
  PopKind kind;
  int seq = -1;      // of the payload, for kPacket
  int fec_seq = -1;  // of the FEC payload, for kLost with FEC
  int level = -1;
};

Popped take(JitterBuffer& jb, int64_t now_us = 0) {
  static std::vector<uint8_t> payload;
  static std::vector<uint8_t> fec;
  bool has_fec = true;
  int level = -2;
  Popped p{jb.pop(payload, fec, &has_fec, &level, now_us)};
  p.level = level;
  if (p.kind == PopKind::kPacket) {
    assert_int_equal(payload.size(), 3);
    p.seq = (payload[0] << 8) | payload[1];
  }
  if (p.kind == PopKind::kLost && has_fec) {
    assert_int_equal(fec.size(), 3);
    p.fec_seq = (fec[0] << 8) | fec[1];
  }
  if (p.kind != PopKind::kLost) assert_false(has_fec);
  return p;
}

void expect_packet(JitterBuffer& jb, int seq) {
  const Popped p = take(jb);
  assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PopKind::kPacket));
  assert_int_equal(p.seq, seq);
}

void expect_kind(JitterBuffer& jb, PopKind kind) {
  assert_int_equal(static_cast<int>(take(jb).kind), static_cast<int>(kind));
}

void test_in_order(void**) {
  JitterBuffer jb;
  expect_kind(jb, PopKind::kIdle);
  for (int i = 0; i < 100; ++i) {
    assert_int_equal(static_cast<int>(put(jb, i, i * kTickUs)),
                     static_cast<int>(InsertResult::kAccepted));
    const Popped p = take(jb);
    assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PopKind::kPacket));
    assert_int_equal(p.seq, i);
    assert_int_equal(p.level, 40);
  }
  expect_kind(jb, PopKind::kLost);  // underrun starts concealment
  assert_int_equal(jb.stats().received, 100);
  assert_int_equal(jb.stats().lost, 0);
  assert_int_equal(jb.target_delay_frames(), 1);
  assert_int_equal(jb.buffered_packets(), 0);
}

void test_waits_for_target_before_playing(void**) {
  JitterBufferConfig cfg;
  cfg.min_delay_frames = 3;
  JitterBuffer jb(cfg);
  put(jb, 0, 0);
  expect_kind(jb, PopKind::kIdle);
  put(jb, 1, kTickUs);
  expect_kind(jb, PopKind::kIdle);
  assert_int_equal(jb.buffered_packets(), 2);
  put(jb, 2, 2 * kTickUs);
  expect_packet(jb, 0);
  expect_packet(jb, 1);
}

void test_reorder(void**) {
  JitterBufferConfig cfg;
  cfg.min_delay_frames = 4;
  JitterBuffer jb(cfg);
  const uint16_t order[] = {1, 0, 3, 2, 5, 4, 7, 6};
  for (uint16_t s : order) {
    assert_int_equal(static_cast<int>(put(jb, s, s * kTickUs)),
                     static_cast<int>(InsertResult::kAccepted));
  }
  for (int s = 0; s < 8; ++s) expect_packet(jb, s);
  assert_int_equal(jb.stats().lost, 0);
}

void test_loss_offers_fec_neighbour(void**) {
  JitterBuffer jb;
  put(jb, 0, 0);
  put(jb, 1, kTickUs);
  put(jb, 3, 3 * kTickUs);
  put(jb, 4, 4 * kTickUs);
  put(jb, 7, 7 * kTickUs);
  expect_packet(jb, 0);
  expect_packet(jb, 1);
  Popped p = take(jb);
  assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PopKind::kLost));
  assert_int_equal(p.fec_seq, 3);
  expect_packet(jb, 3);
  expect_packet(jb, 4);
  p = take(jb);  // 5 lost, 6 not there either: no FEC
  assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PopKind::kLost));
  assert_int_equal(p.fec_seq, -1);
  p = take(jb);  // 6 lost, FEC from 7
  assert_int_equal(p.fec_seq, 7);
  expect_packet(jb, 7);
  assert_int_equal(jb.stats().lost, 3);
}

void test_duplicates(void**) {
  JitterBufferConfig cfg;
  cfg.min_delay_frames = 2;
  JitterBuffer jb(cfg);
  put(jb, 0, 0);
  assert_int_equal(static_cast<int>(put(jb, 0, 100)), static_cast<int>(InsertResult::kDuplicate));
  put(jb, 1, kTickUs);
  expect_packet(jb, 0);
  // Already played: still a duplicate, not a late packet.
  assert_int_equal(static_cast<int>(put(jb, 0, kTickUs + 100)),
                   static_cast<int>(InsertResult::kDuplicate));
  assert_int_equal(static_cast<int>(put(jb, 1, kTickUs + 200)),
                   static_cast<int>(InsertResult::kDuplicate));
  expect_packet(jb, 1);
  assert_int_equal(jb.stats().duplicates, 3);
  assert_int_equal(jb.stats().late, 0);
  assert_int_equal(jb.buffered_packets(), 0);
}

void test_late_packet(void**) {
  JitterBuffer jb;
  put(jb, 0, 0);
  put(jb, 1, kTickUs);
  put(jb, 3, 3 * kTickUs);
  expect_packet(jb, 0);
  expect_packet(jb, 1);
  expect_kind(jb, PopKind::kLost);  // 2 missing, skipped
  assert_int_equal(static_cast<int>(put(jb, 2, 3 * kTickUs + 5000)),
                   static_cast<int>(InsertResult::kLate));
  expect_packet(jb, 3);
  assert_int_equal(jb.stats().late, 1);
  assert_int_equal(jb.stats().lost, 1);
}

void test_timestamp_jump_resets(void**) {
  JitterBuffer jb;
  for (int i = 0; i < 5; ++i) put(jb, i, i * kTickUs);
  expect_packet(jb, 0);
  // Next sequence number, but 10 s later in media time.
  const uint8_t payload[3] = {0, 5, 0};
  const uint32_t ts = 1000 + 5 * 960 + 480000;
  assert_int_equal(static_cast<int>(jb.insert(kSsrc, 5, ts, payload, 3, -1, 5 * kTickUs)),
                   static_cast<int>(InsertResult::kReset));
  assert_int_equal(jb.stats().resets, 1);
  assert_int_equal(jb.buffered_packets(), 1);
  expect_packet(jb, 5);
  // A DTX-like gap (400 ms of media time per packet) is not a jump.
  const uint8_t p6[3] = {0, 6, 0};
  assert_int_equal(
      static_cast<int>(jb.insert(kSsrc, 6, ts + 19200, p6, 3, -1, 6 * kTickUs + 400000)),
      static_cast<int>(InsertResult::kAccepted));
  assert_int_equal(jb.stats().resets, 1);
}

void test_sequence_jump_resets(void**) {
  JitterBuffer jb;
  for (int i = 0; i < 5; ++i) put(jb, i, i * kTickUs);
  // Timestamps follow the sequence numbers: only the sequence jump is odd.
  assert_int_equal(static_cast<int>(put(jb, 30000, 5 * kTickUs)),
                   static_cast<int>(InsertResult::kReset));
  assert_int_equal(jb.buffered_packets(), 1);
  expect_packet(jb, 30000);
  // Backwards far beyond the buffer: also a restart, not a late packet.
  assert_int_equal(static_cast<int>(put(jb, 100, 6 * kTickUs)),
                   static_cast<int>(InsertResult::kReset));
  assert_int_equal(jb.stats().resets, 2);
  assert_int_equal(jb.stats().late, 0);
}

void test_ssrc_change_resets(void**) {
  JitterBufferConfig cfg;
  cfg.min_delay_frames = 3;
  JitterBuffer jb(cfg);
  for (int i = 0; i < 4; ++i) put(jb, i, i * kTickUs);
  assert_int_equal(jb.buffered_packets(), 4);
  // Same sequence and timestamp line, another SSRC: still a new stream.
  assert_int_equal(static_cast<int>(put(jb, 4, 4 * kTickUs, 0x9999)),
                   static_cast<int>(InsertResult::kReset));
  assert_int_equal(jb.buffered_packets(), 1);
  assert_int_equal(jb.stats().resets, 1);
  expect_kind(jb, PopKind::kIdle);  // primes again on the new stream
  put(jb, 5, 5 * kTickUs, 0x9999);
  put(jb, 6, 6 * kTickUs, 0x9999);
  expect_packet(jb, 4);
  // The old SSRC is now the stranger.
  assert_int_equal(static_cast<int>(put(jb, 7, 7 * kTickUs)),
                   static_cast<int>(InsertResult::kReset));
}

void test_sequence_wrap(void**) {
  JitterBufferConfig cfg;
  cfg.min_delay_frames = 3;
  JitterBuffer jb(cfg);
  // 65533, 65532, 65535, 65534, 1, 0, 3, 2, ... arriving slightly out of order.
  std::vector<int64_t> order;
  for (int i = 0; i < 12; i += 2) {
    order.push_back(65532 + i + 1);
    order.push_back(65532 + i);
  }
  for (size_t k = 0; k < order.size(); ++k) {
    assert_int_equal(static_cast<int>(put(jb, order[k], static_cast<int64_t>(k) * kTickUs)),
                     static_cast<int>(InsertResult::kAccepted));
  }
  for (int i = 0; i < 12; ++i) expect_packet(jb, (65532 + i) & 0xFFFF);
  assert_int_equal(jb.stats().resets, 0);
  assert_int_equal(jb.stats().lost, 0);
  // An old packet from before the wrap is late, not a jump.
  assert_int_equal(static_cast<int>(put(jb, 65533, 13 * kTickUs)),
                   static_cast<int>(InsertResult::kDuplicate));
  assert_int_equal(static_cast<int>(put(jb, 65520, 13 * kTickUs)),
                   static_cast<int>(InsertResult::kLate));
}

void test_adaptive_target(void**) {
  JitterBuffer jb;
  uint32_t rng = 12345;
  int max_target = 0;
  int64_t seq = 0;
  // +-40 ms of random delay on every packet.
  for (int i = 0; i < 300; ++i, ++seq) {
    rng = rng * 1664525u + 1013904223u;
    const int64_t delay = static_cast<int64_t>(rng >> 16) % 80000;
    put(jb, seq, seq * kTickUs + delay);
    if (i > 100) max_target = std::max(max_target, jb.target_delay_frames());
  }
  assert_true(jb.jitter_ms() > 10.0);
  assert_true(max_target >= 5);
  assert_true(max_target <= 10);  // clamped to max_delay_frames
  // Clean path again: the estimate decays and the target comes back down.
  for (int i = 0; i < 300; ++i, ++seq) put(jb, seq, seq * kTickUs + 100000);
  assert_true(jb.jitter_ms() < 1.0);
  assert_int_equal(jb.target_delay_frames(), 1);
}

// A clean path's scheduling noise (a few ms) must not cost a second frame of
// latency; 10 ms of spread must.
void test_small_jitter_keeps_one_frame(void**) {
  JitterBuffer jb;
  uint32_t rng = 777;
  int64_t seq = 0;
  for (int i = 0; i < 500; ++i, ++seq) {
    rng = rng * 1664525u + 1013904223u;
    put(jb, seq, seq * kTickUs + static_cast<int64_t>(rng >> 16) % 4000);
  }
  assert_true(jb.jitter_ms() > 0.5);
  assert_int_equal(jb.target_delay_frames(), 1);
  for (int i = 0; i < 500; ++i, ++seq) {
    rng = rng * 1664525u + 1013904223u;
    put(jb, seq, seq * kTickUs + static_cast<int64_t>(rng >> 16) % 20000);
  }
  assert_true(jb.target_delay_frames() >= 2);
}

void test_underrun_conceals_then_idles(void**) {
  JitterBufferConfig cfg;
  cfg.max_concealed = 3;
  JitterBuffer jb(cfg);
  for (int i = 0; i < 3; ++i) {
    put(jb, i, i * kTickUs);
    expect_packet(jb, i);
  }
  expect_kind(jb, PopKind::kLost);
  // A late-but-not-skipped packet still plays: the delay grows instead.
  put(jb, 3, 4 * kTickUs);
  expect_packet(jb, 3);
  for (int i = 0; i < 3; ++i) expect_kind(jb, PopKind::kLost);
  expect_kind(jb, PopKind::kIdle);
  expect_kind(jb, PopKind::kIdle);
  assert_int_equal(jb.stats().lost, 0);
  // Sender resumes after a real gap: playout restarts at the new packet once
  // the target is buffered again.
  const int target = jb.target_delay_frames();
  for (int i = 0; i < target - 1; ++i) {
    put(jb, 10 + i, (11 + i) * kTickUs);
    expect_kind(jb, PopKind::kIdle);
  }
  put(jb, 10 + target - 1, (10 + target) * kTickUs);
  expect_packet(jb, 10);
  assert_int_equal(jb.stats().lost, 6);  // 4..9 never came
}

void test_latency_drop(void**) {
  JitterBuffer jb;
  int64_t seq = 0;
  // A 20-packet burst (e.g. after a network stall), then a steady stream.
  for (; seq < 20; ++seq) put(jb, seq, 0);
  int packets = 0;
  int last = -1;
  for (int tick = 0; tick < 800; ++tick, ++seq) {
    put(jb, seq, (tick + 1) * kTickUs);
    const Popped p = take(jb);
    assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PopKind::kPacket));
    assert_true(p.seq > last);  // in order, only skipping dropped packets
    last = p.seq;
    ++packets;
  }
  assert_true(jb.stats().dropped >= 10);
  assert_int_equal(jb.stats().lost, 0);
  assert_true(jb.buffered_packets() <= jb.target_delay_frames() + 3);
  // Everything received was either played, dropped or is still buffered.
  assert_int_equal(static_cast<uint64_t>(packets) + jb.stats().dropped +
                       static_cast<uint64_t>(jb.buffered_packets()),
                   jb.stats().received);
}

// A 20 ms stream of RFC 6464 `level` whose packet i lands lead_us(i) before
// tick i (after it when negative), except that a stall holds packets 100 and 101 until 30 ms after
// tick 100. What the ticks of the last second waited for their packets at most
// (tick time minus arrival), and how many ticks had to conceal an underrun.
struct StallRun {
  int64_t longest_wait_us = 0;
  int concealed = 0;
};

template <typename Lead>
StallRun run_stall(bool link, Lead lead_us, int level = 127) {
  constexpr int kTicks = 300;
  JitterBufferConfig cfg;
  cfg.link = link;
  JitterBuffer jb(cfg);
  std::vector<int64_t> arrival(kTicks);
  for (int i = 0; i < kTicks; ++i) arrival[i] = i * kTickUs - lead_us(i);
  arrival[100] = arrival[101] = 100 * kTickUs + 30000;
  StallRun run;
  int next = 0;
  for (int tick = 0; tick < kTicks; ++tick) {
    const int64_t now = tick * kTickUs;
    for (; next < kTicks && arrival[next] <= now; ++next)
      put(jb, next, arrival[next], kSsrc, 1000, level);
    const Popped p = take(jb, now);
    if (tick > 0 && p.kind == PopKind::kLost) ++run.concealed;
    if (tick >= kTicks - 50 && p.kind == PopKind::kPacket)
      run.longest_wait_us = std::max(run.longest_wait_us, now - arrival[p.seq]);
  }
  return run;
}

// A stall leaves a jitter buffer holding two more packets than the stream
// needs. An ordinary buffer keeps that delay (it sheds only far larger excess);
// a link's goes back to waiting just for its arrival phase once the stream has
// been steady for a second.
void test_link_sheds_delay_a_stall_left(void**) {
  const auto lead_8ms = [](int) { return int64_t{8000}; };
  assert_int_equal(run_stall(false, lead_8ms).longest_wait_us, 48000);
  const StallRun link = run_stall(true, lead_8ms);
  assert_int_equal(link.longest_wait_us, 8000);
  assert_int_equal(link.concealed, 2);  // the stall itself, nothing more
  // Without levels it sheds all the same; it never cuts into what the sender says is voice.
  assert_int_equal(run_stall(true, lead_8ms, -1).longest_wait_us, 8000);
  assert_int_equal(run_stall(true, lead_8ms, 40).longest_wait_us, 48000);
}

// Arrivals too close to the tick to play on it every time: a link keeps one
// tick's wait for them rather than shedding into a concealment a tick.
void test_link_keeps_a_margin_before_the_tick(void**) {
  const StallRun steady = run_stall(true, [](int) { return int64_t{1000}; });
  assert_int_equal(steady.longest_wait_us, 21000);
  const StallRun noisy = run_stall(true, [](int i) { return int64_t{i % 2 == 0 ? 1500 : -500}; });
  assert_true(noisy.longest_wait_us <= 21500);
  assert_true(noisy.concealed <= 3);  // the first late packet and the stall
}

// A far side whose tick thread stalled skips the ticks it missed, and five
// packets pile up in the link's buffer: it sheds them together a second later,
// not one a second.
void test_link_sheds_a_backlog_at_once(void**) {
  JitterBufferConfig cfg;
  cfg.link = true;
  JitterBuffer jb(cfg);
  int64_t longest_wait_us = 0;
  for (int tick = 0; tick < 200; ++tick) {
    const int64_t now = tick * kTickUs;
    put(jb, tick, now - 8000, kSsrc, 1000, 127);
    if (tick >= 100 && tick < 105) continue;  // missed
    const Popped p = take(jb, now);
    assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PopKind::kPacket));
    if (tick >= 160) longest_wait_us = std::max(longest_wait_us, now - (p.seq * kTickUs - 8000));
  }
  assert_int_equal(longest_wait_us, 8000);
  assert_int_equal(jb.stats().dropped, 5);
}

void test_overflow_keeps_newest(void**) {
  JitterBufferConfig cfg;
  cfg.max_delay_frames = 4;
  cfg.capacity = 16;
  JitterBuffer jb(cfg);
  put(jb, 0, 0);
  expect_packet(jb, 0);
  // The consumer stalls while 100 packets arrive.
  for (int i = 1; i <= 100; ++i) put(jb, i, i * kTickUs);
  assert_int_equal(jb.buffered_packets(), 16);
  assert_int_equal(jb.stats().dropped, 100 - 16);
  // Playout goes on with the oldest packet still held, not with a run of losses.
  for (int i = 85; i < 90; ++i) expect_packet(jb, i);
  assert_int_equal(jb.stats().lost, 0);
}

void test_rejects_bad_payloads(void**) {
  JitterBuffer jb;
  const uint8_t one = 1;
  std::vector<uint8_t> big(1501, 0);
  assert_int_equal(static_cast<int>(jb.insert(kSsrc, 0, 0, &one, 0, -1, 0)),
                   static_cast<int>(InsertResult::kRejected));
  assert_int_equal(static_cast<int>(jb.insert(kSsrc, 0, 0, nullptr, 3, -1, 0)),
                   static_cast<int>(InsertResult::kRejected));
  assert_int_equal(static_cast<int>(jb.insert(kSsrc, 0, 0, big.data(), big.size(), -1, 0)),
                   static_cast<int>(InsertResult::kRejected));
  assert_int_equal(static_cast<int>(jb.insert(kSsrc, 0, 0, big.data(), 1500, -1, 0)),
                   static_cast<int>(InsertResult::kAccepted));
  assert_int_equal(jb.stats().malformed, 3);
  assert_int_equal(jb.stats().received, 1);
}

void test_reset_forgets_stream(void**) {
  JitterBuffer jb;
  for (int i = 0; i < 5; ++i) put(jb, i, i * kTickUs);
  jb.reset();
  assert_int_equal(jb.buffered_packets(), 0);
  expect_kind(jb, PopKind::kIdle);
  assert_int_equal(static_cast<int>(put(jb, 9000, 0, 0x777)),
                   static_cast<int>(InsertResult::kAccepted));
  expect_packet(jb, 9000);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_in_order),
      cmocka_unit_test(test_waits_for_target_before_playing),
      cmocka_unit_test(test_reorder),
      cmocka_unit_test(test_loss_offers_fec_neighbour),
      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_late_packet),
      cmocka_unit_test(test_timestamp_jump_resets),
      cmocka_unit_test(test_sequence_jump_resets),
      cmocka_unit_test(test_ssrc_change_resets),
      cmocka_unit_test(test_sequence_wrap),
      cmocka_unit_test(test_adaptive_target),
      cmocka_unit_test(test_small_jitter_keeps_one_frame),
      cmocka_unit_test(test_underrun_conceals_then_idles),
      cmocka_unit_test(test_latency_drop),
      cmocka_unit_test(test_link_sheds_delay_a_stall_left),
      cmocka_unit_test(test_link_keeps_a_margin_before_the_tick),
      cmocka_unit_test(test_link_sheds_a_backlog_at_once),
      cmocka_unit_test(test_overflow_keeps_newest),
      cmocka_unit_test(test_rejects_bad_payloads),
      cmocka_unit_test(test_reset_forgets_stream),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
