// Speaker selection: loudest N, hysteresis, hold time, muting, talk events.
#include <cstdint>
#include <vector>

#include "speaker_selector.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::SpeakerConfig;
using mcu::SpeakerInput;
using mcu::SpeakerSelector;
using mcu::TalkChange;

SpeakerInput voice(uint64_t id, int level, bool muted = false) {
  return SpeakerInput{id, level, true, muted};
}

SpeakerInput silence(uint64_t id) {
  return SpeakerInput{id, 127, true, false};
}

std::vector<uint64_t> run(SpeakerSelector& sel, const std::vector<SpeakerInput>& in, int ticks) {
  std::vector<uint64_t> out;
  for (int i = 0; i < ticks; ++i) out = sel.update(in);
  return out;
}

void test_selects_loudest_n_in_order(void**) {
  SpeakerSelector sel;  // max 3
  const std::vector<SpeakerInput> in = {voice(5, 40), voice(1, 20), voice(4, 35), voice(2, 25),
                                        voice(3, 30)};
  const std::vector<uint64_t> got = run(sel, in, 30);
  assert_int_equal(got.size(), 3);
  assert_int_equal(got[0], 1);
  assert_int_equal(got[1], 2);
  assert_int_equal(got[2], 3);
  assert_true(sel.is_selected(3));
  assert_false(sel.is_selected(4));
  assert_true(sel.is_talking(4));  // talking, just not mixed
}

void test_equal_levels_break_ties_by_id(void**) {
  SpeakerConfig cfg;
  cfg.max_speakers = 1;
  SpeakerSelector sel(cfg);
  const std::vector<uint64_t> got = run(sel, {voice(7, 30), voice(3, 30)}, 10);
  assert_int_equal(got.size(), 1);
  assert_int_equal(got[0], 3);
}

void test_no_flapping_between_near_equal_speakers(void**) {
  SpeakerConfig cfg;
  cfg.max_speakers = 1;
  SpeakerSelector sel(cfg);
  uint32_t rng = 42;
  auto jitter = [&rng]() {
    rng = rng * 1103515245u + 12345u;
    return static_cast<int>((rng >> 16) % 7) - 3;  // -3..3 dB
  };
  uint64_t current = 0;
  int switches = 0;
  for (int t = 0; t < 2000; ++t) {
    // Speaker 2 is on average 1 dB louder, but within the hysteresis.
    const std::vector<SpeakerInput> in = {voice(1, 30 + jitter()), voice(2, 29 + jitter())};
    const std::vector<uint64_t>& got = sel.update(in);
    if (got.empty()) continue;
    if (got[0] != current) {
      ++switches;
      current = got[0];
    }
  }
  assert_int_equal(switches, 1);

  // A clearly louder newcomer does take over.
  const std::vector<SpeakerInput> in = {voice(1, 30), voice(2, 29), voice(3, 12)};
  const std::vector<uint64_t> got = run(sel, in, 40);
  assert_int_equal(got.size(), 1);
  assert_int_equal(got[0], 3);
}

void test_hold_time(void**) {
  SpeakerConfig cfg;
  cfg.max_speakers = 1;
  SpeakerSelector sel(cfg);  // talk_start 5, min_hold 25
  const std::vector<SpeakerInput> alone = {voice(1, 45), silence(2)};
  const std::vector<SpeakerInput> both = {voice(1, 45), voice(2, 10)};
  int tick = 0;
  sel.update(alone);
  assert_true(sel.is_selected(1));  // mixed from its first voiced frame (tick 0)
  for (++tick; tick < 5; ++tick) sel.update(alone);
  int taken_at = -1;
  for (; tick < 60; ++tick) {
    const std::vector<uint64_t>& got = sel.update(both);
    assert_int_equal(got.size(), 1);
    if (got[0] == 2 && taken_at < 0) taken_at = tick;
    if (taken_at >= 0) assert_int_equal(got[0], 2);
  }
  // 35 dB louder from tick 5, yet it waits for the 25-tick hold of speaker 1.
  assert_int_equal(taken_at, 25);
}

// Nobody's first syllable is cut: a voiced frame after a long silence is mixed
// in the same tick, and the speaker stays through the gaps between syllables.
void test_first_syllable_is_mixed(void**) {
  SpeakerSelector sel;
  const std::vector<SpeakerInput> quiet = {silence(1), silence(2)};
  run(sel, quiet, 200);
  assert_false(sel.is_talking(2));
  const std::vector<SpeakerInput> onset = {silence(1), voice(2, 30)};
  const std::vector<uint64_t>& got = sel.update(onset);
  assert_int_equal(got.size(), 1);
  assert_int_equal(got[0], 2);
  // Syllable, gap, syllable: still selected in the gaps.
  for (int i = 0; i < 20; ++i) {
    sel.update(i % 4 < 2 ? quiet : onset);
    assert_true(sel.is_selected(2));
  }
  // A lone click leaves the mix once its hold time is over.
  run(sel, quiet, 200);
  assert_false(sel.is_selected(2));
}

void test_muted_never_selected(void**) {
  SpeakerSelector sel;
  const std::vector<SpeakerInput> in = {voice(1, 5, true), voice(2, 40), voice(3, 50)};
  for (int t = 0; t < 100; ++t) {
    const std::vector<uint64_t>& got = sel.update(in);
    for (uint64_t id : got) assert_int_not_equal(id, 1);
    for (const TalkChange& c : sel.talk_changes()) assert_int_not_equal(c.id, 1);
  }
  assert_false(sel.is_selected(1));
  assert_false(sel.is_talking(1));
  assert_true(sel.is_selected(2));
  assert_true(sel.is_selected(3));

  // Muting a selected speaker frees the place at once.
  const std::vector<SpeakerInput> muted = {voice(1, 5, true), voice(2, 40, true), voice(3, 50)};
  const std::vector<uint64_t> got = run(sel, muted, 1);
  assert_int_equal(got.size(), 1);
  assert_int_equal(got[0], 3);
}

void test_talk_events(void**) {
  SpeakerSelector sel;  // start after 5 voiced ticks, stop after 40 silent ones
  for (int t = 0; t < 10; ++t) {
    sel.update(std::vector<SpeakerInput>{silence(1), silence(2)});
    assert_true(sel.talk_changes().empty());
  }
  for (int t = 1; t <= 5; ++t) {
    sel.update(std::vector<SpeakerInput>{voice(1, 30), silence(2)});
    if (t < 5) {
      assert_true(sel.talk_changes().empty());
      assert_false(sel.is_talking(1));
    }
  }
  assert_int_equal(sel.talk_changes().size(), 1);
  assert_int_equal(sel.talk_changes()[0].id, 1);
  assert_true(sel.talk_changes()[0].talking);
  assert_true(sel.is_talking(1));
  assert_true(sel.is_selected(1));

  // Quiet but not silent (below active_level) counts as silence.
  for (int t = 1; t <= 40; ++t) {
    const std::vector<uint64_t>& got =
        sel.update(std::vector<SpeakerInput>{voice(1, 70), silence(2)});
    if (t < 40) {
      assert_true(sel.talk_changes().empty());
      assert_int_equal(got.size(), 1);
    } else {
      assert_int_equal(sel.talk_changes().size(), 1);
      assert_int_equal(sel.talk_changes()[0].id, 1);
      assert_false(sel.talk_changes()[0].talking);
      assert_true(got.empty());  // stopped talking: left the set
    }
  }
  assert_false(sel.is_talking(1));
}

void test_sporadic_noise_does_not_start_talking(void**) {
  SpeakerSelector sel;
  for (int t = 0; t < 200; ++t) {
    // One loud tick in three: the leaky count never reaches five.
    sel.update(std::vector<SpeakerInput>{t % 3 == 0 ? voice(1, 20) : silence(1)});
    assert_true(sel.talk_changes().empty());
  }
  assert_false(sel.is_talking(1));
}

void test_forgets_absent_participants(void**) {
  SpeakerSelector sel;
  run(sel, {voice(1, 20), voice(2, 30)}, 10);
  assert_true(sel.is_selected(1));
  const std::vector<uint64_t> got = run(sel, {voice(2, 30)}, 1);
  assert_int_equal(got.size(), 1);
  assert_int_equal(got[0], 2);
  assert_false(sel.is_talking(1));
  sel.remove(2);
  assert_false(sel.is_selected(2));
  assert_false(sel.is_talking(2));
}

void test_deterministic(void**) {
  SpeakerSelector a;
  SpeakerSelector b;
  uint32_t rng = 7;
  for (int t = 0; t < 500; ++t) {
    std::vector<SpeakerInput> in;
    for (uint64_t id = 1; id <= 6; ++id) {
      rng = rng * 1664525u + 1013904223u;
      in.push_back(voice(id, static_cast<int>((rng >> 20) % 80)));
    }
    const std::vector<uint64_t> ra = a.update(in);
    const std::vector<uint64_t>& rb = b.update(in);
    assert_true(ra == rb);
    assert_true(ra.size() <= 3);
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_selects_loudest_n_in_order),
      cmocka_unit_test(test_equal_levels_break_ties_by_id),
      cmocka_unit_test(test_no_flapping_between_near_equal_speakers),
      cmocka_unit_test(test_hold_time),
      cmocka_unit_test(test_first_syllable_is_mixed),
      cmocka_unit_test(test_muted_never_selected),
      cmocka_unit_test(test_talk_events),
      cmocka_unit_test(test_sporadic_noise_does_not_start_talking),
      cmocka_unit_test(test_forgets_absent_participants),
      cmocka_unit_test(test_deterministic),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
