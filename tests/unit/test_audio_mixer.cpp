// The mixing step: speaker selection feeding an exact mix-minus, the common
// mix for listeners, and the speaker limit.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "audio_level.h"
#include "audio_mixer.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::AudioMixer;
using mcu::Frame;
using mcu::kFrameSamples;
using mcu::MixerInput;
using mcu::MixResult;

constexpr double kPi = 3.14159265358979323846;

Frame tone(double freq, double amp, int tick) {
  Frame f{};
  for (int i = 0; i < kFrameSamples; ++i) {
    const double t = static_cast<double>(tick * kFrameSamples + i) / 48000.0;
    f[static_cast<size_t>(i)] =
        static_cast<int16_t>(std::lround(amp * std::sin(2 * kPi * freq * t)));
  }
  return f;
}

// Participants 1..n with a tone each (0 amplitude = silent), for `ticks` ticks.
struct Room {
  std::vector<double> freq;
  std::vector<double> amp;
  std::vector<bool> muted;
  std::vector<Frame> frames;
  std::vector<MixerInput> inputs;

  void build(int tick) {
    frames.resize(freq.size());
    inputs.resize(freq.size());
    for (size_t k = 0; k < freq.size(); ++k) {
      frames[k] = tone(freq[k], amp[k], tick);
      inputs[k] = MixerInput{k + 1, frames[k].data(), -1, muted.empty() ? false : muted[k]};
    }
  }
  const Frame& of(uint64_t id) const { return frames[id - 1]; }
};

void run(AudioMixer& mixer, Room& room, MixResult& out, int ticks) {
  for (int t = 0; t < ticks; ++t) {
    room.build(t);
    mixer.mix(room.inputs, out);
  }
}

const mcu::PersonalMix* personal_of(const MixResult& r, uint64_t id) {
  for (const mcu::PersonalMix& p : r.personal) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

void assert_frame_is_sum(const Frame& got, const Room& room, std::vector<uint64_t> ids) {
  for (int i = 0; i < kFrameSamples; ++i) {
    int sum = 0;
    for (uint64_t id : ids) sum += room.of(id)[static_cast<size_t>(i)];
    assert_int_equal(got[static_cast<size_t>(i)], sum);
  }
}

void test_mix_minus_is_exact(void**) {
  AudioMixer mixer;
  // Three talkers at distinct pitches and a silent listener. Their sum stays
  // below the limiter threshold (0.7 full scale), so everything is exact.
  Room room{{300, 500, 700, 900}, {6000, 5000, 4000, 0}, {}, {}, {}};
  MixResult r;
  run(mixer, room, r, 20);

  assert_int_equal(r.speakers.size(), 3);
  assert_int_equal(r.speakers[0], 1);  // loudest first
  assert_int_equal(r.speakers[1], 2);
  assert_int_equal(r.speakers[2], 3);
  assert_false(r.common_silent);
  assert_frame_is_sum(r.common, room, {1, 2, 3});
  assert_int_equal(r.common_level, mcu::rfc6464_level(r.common.data(), kFrameSamples));

  assert_int_equal(r.personal.size(), 3);
  assert_frame_is_sum(personal_of(r, 1)->pcm, room, {2, 3});
  assert_frame_is_sum(personal_of(r, 2)->pcm, room, {1, 3});
  assert_frame_is_sum(personal_of(r, 3)->pcm, room, {1, 2});
  for (const mcu::PersonalMix& p : r.personal) {
    assert_false(p.silent);
    assert_true(p.level < 30);
    assert_int_equal(p.level, mcu::rfc6464_level(p.pcm.data(), kFrameSamples));
  }
  // The listener is not a speaker: it gets the common mix.
  assert_null(personal_of(r, 4));
}

void test_only_three_of_four_talkers_mixed(void**) {
  AudioMixer mixer;  // max_speakers 3
  Room room{{300, 500, 700, 900}, {6000, 5000, 4000, 1000}, {}, {}, {}};
  MixResult r;
  run(mixer, room, r, 20);
  assert_int_equal(r.speakers.size(), 3);
  assert_true(std::find(r.speakers.begin(), r.speakers.end(), 4) == r.speakers.end());
  assert_true(mixer.selector().is_talking(4));
  assert_frame_is_sum(r.common, room, {1, 2, 3});
  assert_frame_is_sum(personal_of(r, 1)->pcm, room, {2, 3});
  assert_null(personal_of(r, 4));
}

void test_single_speaker_hears_silence(void**) {
  AudioMixer mixer;
  Room room{{300, 500}, {6000, 0}, {}, {}, {}};
  MixResult r;
  run(mixer, room, r, 10);
  assert_int_equal(r.speakers.size(), 1);
  assert_int_equal(r.personal.size(), 1);
  assert_true(r.personal[0].silent);
  assert_int_equal(r.personal[0].level, mcu::kSilentLevel);
  for (int16_t s : r.personal[0].pcm) assert_int_equal(s, 0);
  assert_false(r.common_silent);
  assert_frame_is_sum(r.common, room, {1});
}

void test_nobody_talking(void**) {
  AudioMixer mixer;
  Room room{{300, 500}, {0, 0}, {}, {}, {}};
  MixResult r;
  run(mixer, room, r, 10);
  assert_true(r.speakers.empty());
  assert_true(r.personal.empty());
  assert_true(r.common_silent);
  assert_int_equal(r.common_level, mcu::kSilentLevel);
  for (int16_t s : r.common) assert_int_equal(s, 0);

  // No decoded audio at all counts as silence too.
  std::vector<MixerInput> none = {MixerInput{1, nullptr, 0, false}};
  mixer.mix(none, r);
  assert_true(r.common_silent);
  assert_true(r.speakers.empty());
}

void test_muted_loud_participant_is_not_mixed(void**) {
  AudioMixer mixer;
  Room room{{300, 500}, {15000, 3000}, {true, false}, {}, {}};
  MixResult r;
  run(mixer, room, r, 20);
  assert_int_equal(r.speakers.size(), 1);
  assert_int_equal(r.speakers[0], 2);
  assert_frame_is_sum(r.common, room, {2});
}

void test_sender_level_takes_precedence(void**) {
  AudioMixer mixer;
  // Participant 1's audio measures as -60 dBov, below the voice threshold, but
  // it sent RFC 6464 level 20; participant 2 is loud but sent level 90.
  Room room{{300, 500}, {30, 6000}, {}, {}, {}};
  MixResult r;
  for (int t = 0; t < 20; ++t) {
    room.build(t);
    room.inputs[0].level = 20;
    room.inputs[1].level = 90;
    mixer.mix(room.inputs, r);
  }
  assert_int_equal(r.speakers.size(), 1);
  assert_int_equal(r.speakers[0], 1);
}

void test_limiter_keeps_loud_sum_in_range(void**) {
  AudioMixer mixer;
  Room room{{300, 300, 300}, {30000, 29000, 28000}, {}, {}, {}};
  MixResult r;
  run(mixer, room, r, 20);
  assert_int_equal(r.speakers.size(), 3);
  int peak = 0;
  for (int i = 0; i < kFrameSamples; ++i) {
    const size_t k = static_cast<size_t>(i);
    const int sum = room.of(1)[k] + room.of(2)[k] + room.of(3)[k];
    // Same sign as the true sum: limited, never wrapped.
    if (sum > 100) assert_true(r.common[k] > 0);
    if (sum < -100) assert_true(r.common[k] < 0);
    peak = std::max(peak, std::abs(static_cast<int>(r.common[k])));
  }
  assert_true(peak > 20000);
  assert_true(peak < 32767);
}

void test_remove_forgets_participant(void**) {
  AudioMixer mixer;
  Room room{{300, 500}, {6000, 5000}, {}, {}, {}};
  MixResult r;
  run(mixer, room, r, 10);
  assert_int_equal(r.speakers.size(), 2);
  mixer.remove(1);
  assert_false(mixer.selector().is_selected(1));
  assert_false(mixer.selector().is_talking(1));
}

// A link (a linked room's mix) next to max_speakers local talkers: it takes no
// talker's place, it is mixed for everyone, and it gets the mix without itself.
void test_link_is_always_mixed_beside_the_cap(void**) {
  AudioMixer mixer(mcu::SpeakerConfig{.max_speakers = 2});
  // 1, 2: loud local talkers; 3: the link, quieter than both; 4: a listener.
  Room room{{300, 500, 700, 900}, {6000, 5000, 1000, 0}, {}, {}, {}};
  MixResult r;
  for (int t = 0; t < 100; ++t) {
    room.build(t);
    room.inputs[2].link = true;
    mixer.mix(room.inputs, r);
  }
  assert_int_equal(r.speakers.size(), 2);
  assert_int_equal(r.speakers[0], 1);
  assert_int_equal(r.speakers[1], 2);
  assert_false(r.common_silent);
  assert_frame_is_sum(r.common, room, {1, 2, 3});
  const mcu::PersonalMix* link = personal_of(r, 3);
  assert_non_null(link);
  assert_frame_is_sum(link->pcm, room, {1, 2});
  assert_frame_is_sum(personal_of(r, 1)->pcm, room, {2, 3});
}

// The link is never a speaker, never talking (the far side's talkers have
// their own events there) and so never the room's video speaker, however loud.
void test_link_is_never_a_speaker(void**) {
  AudioMixer mixer(mcu::SpeakerConfig{.max_speakers = 1});
  Room room{{300, 700}, {1000, 9000}, {}, {}, {}};
  MixResult r;
  bool link_talked = false;
  for (int t = 0; t < 100; ++t) {
    room.build(t);
    room.inputs[1].link = true;
    mixer.mix(room.inputs, r);
    for (const auto& c : r.talk_changes) link_talked |= c.id == 2;
    assert_true(std::find(r.speakers.begin(), r.speakers.end(), 2) == r.speakers.end());
  }
  assert_false(link_talked);
  assert_false(mixer.selector().is_talking(2));
  assert_int_equal(r.speakers.size(), 1);
  assert_int_equal(r.speakers[0], 1);
  assert_frame_is_sum(r.common, room, {1, 2});
}

// A muted link is heard by nobody, and still gets the room's mix.
void test_muted_link_is_not_heard(void**) {
  AudioMixer mixer;
  Room room{{300, 700}, {5000, 5000}, {false, true}, {}, {}};
  MixResult r;
  for (int t = 0; t < 50; ++t) {
    room.build(t);
    room.inputs[1].link = true;
    mixer.mix(room.inputs, r);
  }
  assert_frame_is_sum(r.common, room, {1});
  assert_frame_is_sum(personal_of(r, 2)->pcm, room, {1});
  assert_true(personal_of(r, 1)->silent);
}

// A link sends silence too: its coding noise is nothing to hear, so a quiet
// conference leaves every mix silent (listeners' streams pause).
void test_quiet_link_is_nothing_to_hear(void**) {
  AudioMixer mixer;
  Room room{{300, 700}, {0, 2}, {}, {}, {}};
  MixResult r;
  room.build(0);
  room.inputs[1].link = true;
  mixer.mix(room.inputs, r);
  assert_true(r.common_silent);
  room.amp[1] = 3000;
  room.build(1);
  room.inputs[1].link = true;
  mixer.mix(room.inputs, r);
  assert_false(r.common_silent);
  assert_frame_is_sum(r.common, room, {2});
}

// A link is mixed beside the speakers: a mix of one names the link when it is the lone
// contributor, and the link's own mix can be a lone local talker's packet.
void test_mix_of_one_with_a_link(void**) {
  AudioMixer mixer(mcu::SpeakerConfig{.max_speakers = 1});
  // 1: the one local talker; 2: a listener; 3: the link, first quiet, then talking alone.
  Room room{{300, 500, 700}, {6000, 0, 0}, {}, {}, {}};
  MixResult r;
  for (int t = 0; t < 10; ++t) {
    room.build(t);
    room.inputs[2].link = true;
    mixer.mix(room.inputs, r);
  }
  assert_int_equal(r.common_only, 1);
  assert_int_equal(personal_of(r, 3)->only, 1);
  room.amp = {0, 0, 6000};
  for (int t = 10; t < 60; ++t) {
    room.build(t);
    room.inputs[2].link = true;
    mixer.mix(room.inputs, r);
  }
  assert_int_equal(r.common_only, 3);
  assert_true(personal_of(r, 3)->silent);
}

// A mix that is one input's frame sample for sample names that input, so its packet can go
// out instead; any second source (speaker or announcement) or the limiter's touch clears it.
void test_mix_of_one_names_its_input(void**) {
  AudioMixer mixer;
  Room room{{300, 500, 700}, {6000, 0, 0}, {}, {}, {}};
  MixResult r;
  run(mixer, room, r, 10);
  assert_int_equal(r.common_only, 1);
  assert_int_equal(personal_of(r, 1)->only, 0);  // the lone talker's own mix is silent

  room.amp = {6000, 5000, 0};
  run(mixer, room, r, 10);
  assert_int_equal(r.speakers.size(), 2);
  assert_int_equal(r.common_only, 0);
  assert_int_equal(personal_of(r, 1)->only, 2);
  assert_int_equal(personal_of(r, 2)->only, 1);

  const Frame announcement = tone(900, 3000, 0);
  room.build(10);
  mixer.mix(room.inputs, r, announcement.data());
  assert_int_equal(r.common_only, 0);
  assert_int_equal(personal_of(r, 1)->only, 0);

  AudioMixer loud_mixer;
  Room loud{{300, 500}, {30000, 0}, {}, {}, {}};  // above the limiter's threshold
  run(loud_mixer, loud, r, 10);
  assert_int_equal(r.speakers.size(), 1);
  assert_int_equal(r.common_only, 0);
}

// A deferred frame (not decoded, level known) counts as audio for the selection; when it is
// all there is to hear, the mixes are its packet and nobody's samples are computed.
void test_lone_deferred_input(void**) {
  AudioMixer mixer;
  MixResult out;
  const Frame quiet{};
  std::vector<MixerInput> inputs = {{1, nullptr, 20, false, false, true},
                                    {2, quiet.data(), 127, false, false, false},
                                    {3, nullptr, -1, false, false, false}};
  for (int t = 0; t < 10; ++t) {
    mixer.select(inputs, out);
    assert_int_equal(mixer.lone_deferred(inputs, out, false), 1);
    assert_int_equal(mixer.lone_deferred(inputs, out, true), 0);  // an announcement plays
    mixer.mix_selected(inputs, out, nullptr);
  }
  assert_false(out.pcm);
  assert_false(out.common_silent);
  assert_int_equal(out.common_only, 1);
  assert_int_equal(out.common_level, 20);
  const mcu::PersonalMix* own = personal_of(out, 1);
  assert_non_null(own);
  assert_true(own->silent);
  assert_true(std::all_of(own->pcm.begin(), own->pcm.end(), [](int16_t v) { return v == 0; }));

  // A second talker: nothing is lone, and a decoded frame makes the mixes computed again.
  const Frame voice = tone(700, 8000, 0);
  inputs[1] = {2, voice.data(), 20, false, false, false};
  mixer.select(inputs, out);
  assert_int_equal(mixer.lone_deferred(inputs, out, false), 0);
  const Frame first = tone(300, 8000, 0);
  inputs[0] = {1, first.data(), 20, false, false, false};
  mixer.mix_selected(inputs, out, nullptr);
  assert_true(out.pcm);
  assert_int_equal(out.common_only, 0);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mix_minus_is_exact),
      cmocka_unit_test(test_only_three_of_four_talkers_mixed),
      cmocka_unit_test(test_single_speaker_hears_silence),
      cmocka_unit_test(test_nobody_talking),
      cmocka_unit_test(test_muted_loud_participant_is_not_mixed),
      cmocka_unit_test(test_sender_level_takes_precedence),
      cmocka_unit_test(test_limiter_keeps_loud_sum_in_range),
      cmocka_unit_test(test_remove_forgets_participant),
      cmocka_unit_test(test_link_is_always_mixed_beside_the_cap),
      cmocka_unit_test(test_link_is_never_a_speaker),
      cmocka_unit_test(test_muted_link_is_not_heard),
      cmocka_unit_test(test_quiet_link_is_nothing_to_hear),
      cmocka_unit_test(test_mix_of_one_names_its_input),
      cmocka_unit_test(test_mix_of_one_with_a_link),
      cmocka_unit_test(test_lone_deferred_input),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
