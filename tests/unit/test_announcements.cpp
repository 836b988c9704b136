// Announcements: files mixed into every mix before the limiters whoever is
// selected, the playback of several files (end, loop, stop), reading Ogg Opus
// files into 48 kHz mono, and the synthesized tones.
#include <opusenc.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "announcement_mixer.h"
#include "audio_mixer.h"
#include "ogg_opus_reader.h"
#include "tone_pattern.h"

// Last: CMocka's macros break standard headers included after it.
#include "audio_test_helpers.h"
#include "cmocka_cpp.h"

namespace {

using mcu::AnnouncementMixer;
using mcu::AudioMixer;
using mcu::Frame;
using mcu::kFrameSamples;
using mcu::MixerInput;
using mcu::MixResult;
using mcu::Pcm;

constexpr double kPi = 3.14159265358979323846;

Pcm sine(double freq, double amp, int samples, int rate = 48000) {
  Pcm pcm(static_cast<size_t>(samples));
  for (int i = 0; i < samples; ++i)
    pcm[static_cast<size_t>(i)] =
        static_cast<int16_t>(std::lround(amp * std::sin(2 * kPi * freq * i / rate)));
  return pcm;
}

Frame frame_of(const Pcm& pcm, int tick) {
  Frame f{};
  for (int i = 0; i < kFrameSamples; ++i)
    f[static_cast<size_t>(i)] = pcm[static_cast<size_t>(tick * kFrameSamples + i)];
  return f;
}

void test_nobody_talking_everyone_hears_the_file(void**) {
  AudioMixer mixer;
  const Pcm file = sine(440, 5000, kFrameSamples);
  Frame quiet{};
  const MixerInput inputs[] = {{1, quiet.data(), -1, false}, {2, nullptr, -1, false}};
  MixResult r;
  mixer.mix(inputs, r, file.data());
  assert_false(r.common_silent);
  // Below the limiter's threshold the file comes through unchanged.
  for (int i = 0; i < kFrameSamples; ++i)
    assert_int_equal(r.common[static_cast<size_t>(i)], file[static_cast<size_t>(i)]);
  mixer.mix(inputs, r, nullptr);
  assert_true(r.common_silent);
}

void test_selection_never_drops_the_file(void**) {
  mcu::SpeakerConfig one;
  one.max_speakers = 1;
  AudioMixer mixer(one);
  const Pcm talk1 = sine(300, 6000, 20 * kFrameSamples);
  const Pcm talk2 = sine(500, 4000, 20 * kFrameSamples);
  const Pcm file = sine(1000, 3000, 20 * kFrameSamples);
  MixResult r;
  for (int t = 0; t < 20; ++t) {
    const Frame a = frame_of(talk1, t), b = frame_of(talk2, t), f = frame_of(file, t);
    const MixerInput inputs[] = {{1, a.data(), -1, false}, {2, b.data(), -1, false}};
    mixer.mix(inputs, r, f.data());
    if (t < 19) continue;
    assert_int_equal(r.speakers.size(), 1);
    assert_int_equal(r.speakers[0], 1);
    // Listeners: the one selected talker and the file.
    for (int i = 0; i < kFrameSamples; ++i)
      assert_int_equal(r.common[static_cast<size_t>(i)],
                       a[static_cast<size_t>(i)] + f[static_cast<size_t>(i)]);
    // The talker hears the file, not itself.
    assert_int_equal(r.personal.size(), 1);
    assert_false(r.personal[0].silent);
    for (int i = 0; i < kFrameSamples; ++i)
      assert_int_equal(r.personal[0].pcm[static_cast<size_t>(i)], f[static_cast<size_t>(i)]);
  }
}

void test_loud_file_goes_through_the_limiter(void**) {
  AudioMixer mixer;
  const Pcm loud = sine(200, 30000, kFrameSamples);
  const Frame a = frame_of(loud, 0);
  const MixerInput inputs[] = {{1, a.data(), -1, false}};
  MixResult r;
  for (int t = 0; t < 5; ++t) mixer.mix(inputs, r, loud.data());
  int peak = 0;
  for (int16_t s : r.common) peak = std::max(peak, std::abs(static_cast<int>(s)));
  assert_true(peak > 20000);
  assert_true(peak < 32767);
}

std::shared_ptr<const Pcm> constant(int16_t value, int samples) {
  return std::make_shared<const Pcm>(static_cast<size_t>(samples), value);
}

void test_files_are_summed_and_end(void**) {
  AnnouncementMixer files;
  Frame out{};
  std::vector<std::string> ended;
  assert_false(files.next_frame(out.data(), &ended));
  assert_true(files.play("a", constant(100, kFrameSamples + 10), false));
  assert_true(files.play("b", constant(7, 3 * kFrameSamples), false));
  assert_false(files.play("a", constant(1, 1), false));  // the ID is taken
  assert_int_equal(files.count(), 2);

  assert_true(files.next_frame(out.data(), &ended));
  assert_int_equal(out[0], 107);
  assert_true(ended.empty());
  // a's last 10 samples, then silence; a ends.
  assert_true(files.next_frame(out.data(), &ended));
  assert_int_equal(out[9], 107);
  assert_int_equal(out[10], 7);
  assert_int_equal(ended.size(), 1);
  assert_string_equal(ended[0].c_str(), "a");
  assert_false(files.playing("a"));
  assert_true(files.playing("b"));
  ended.clear();
  assert_true(files.next_frame(out.data(), &ended));
  assert_int_equal(ended.size(), 1);
  assert_string_equal(ended[0].c_str(), "b");
  assert_false(files.next_frame(out.data(), &ended));
}

void test_sum_saturates(void**) {
  AnnouncementMixer files;
  files.play("a", constant(30000, kFrameSamples), false);
  files.play("b", constant(30000, kFrameSamples), false);
  Frame out{};
  std::vector<std::string> ended;
  files.next_frame(out.data(), &ended);
  assert_int_equal(out[0], 32767);
}

void test_loop_wraps_until_stopped(void**) {
  AnnouncementMixer files;
  Pcm ramp(30);
  for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<int16_t>(i);
  files.play("l", std::make_shared<const Pcm>(ramp), true);
  Frame out{};
  std::vector<std::string> ended;
  for (int t = 0; t < 50; ++t) {
    assert_true(files.next_frame(out.data(), &ended));
    for (int i = 0; i < kFrameSamples; ++i)
      assert_int_equal(out[static_cast<size_t>(i)], (t * kFrameSamples + i) % 30);
  }
  assert_true(ended.empty());
  assert_true(files.stop("l"));
  assert_false(files.stop("l"));
  assert_false(files.playing("l"));
  assert_false(files.next_frame(out.data(), &ended));
}

std::string temp_path(const char* name) {
  return "/tmp/test_announcements-" + std::to_string(getpid()) + "-" + name;
}

// An Ogg Opus file of `pcm` (interleaved when stereo) at `rate`, as libopusenc writes it.
void write_opus(const std::string& path, const Pcm& pcm, int rate, int channels) {
  OggOpusComments* comments = ope_comments_create();
  int error = 0;
  OggOpusEnc* enc = ope_encoder_create_file(path.c_str(), comments, rate, channels, 0, &error);
  assert_non_null(enc);
  assert_int_equal(ope_encoder_write(enc, pcm.data(), static_cast<int>(pcm.size()) / channels),
                   OPE_OK);
  assert_int_equal(ope_encoder_drain(enc), OPE_OK);
  ope_encoder_destroy(enc);
  ope_comments_destroy(comments);
}

void test_reads_stereo_16k_as_48k_mono(void**) {
  const std::string path = temp_path("stereo16k.opus");
  const Pcm left = sine(800, 8000, 16000, 16000);
  Pcm stereo;
  for (int16_t s : left) {
    stereo.push_back(s);
    stereo.push_back(s);
  }
  write_opus(path, stereo, 16000, 2);
  std::string error;
  auto pcm = mcu::read_ogg_opus_mono(path, 10, &error);
  std::remove(path.c_str());
  assert_non_null(pcm.get());
  // One second at 48 kHz (the encoder's pre-skip is trimmed on reading).
  assert_true(std::abs(static_cast<int>(pcm->size()) - 48000) < 960);
  const std::vector<int16_t> middle(pcm->begin() + 4800, pcm->begin() + 43200);
  assert_true(goertzel_db(middle, 800) > goertzel_db(middle, 1200) + 30);
}

void test_refuses_what_it_cannot_play(void**) {
  std::string error;
  assert_null(mcu::read_ogg_opus_mono("/nonexistent/a.opus", 10, &error).get());
  assert_string_equal(error.c_str(), "No such file or directory");

  const std::string text = temp_path("text.opus");
  FILE* f = std::fopen(text.c_str(), "w");
  std::fputs("not audio at all, just some text that is long enough to be looked at\n", f);
  std::fclose(f);
  assert_null(mcu::read_ogg_opus_mono(text, 10, &error).get());
  std::remove(text.c_str());
  assert_true(error.rfind("not an Ogg Opus file", 0) == 0);

  const std::string two = temp_path("two-seconds.opus");
  write_opus(two, sine(440, 5000, 96000), 48000, 1);
  assert_null(mcu::read_ogg_opus_mono(two, 1, &error).get());
  assert_string_equal(error.c_str(), "longer than 1 s");
  assert_non_null(mcu::read_ogg_opus_mono(two, 3, &error).get());
  std::remove(two.c_str());
}

void test_tones(void**) {
  const Pcm join = mcu::join_tone();
  const Pcm leave = mcu::leave_tone();
  assert_int_equal(join.size(), 48 * 300);
  assert_int_equal(leave.size(), 48 * 300);
  // Rising for a join, falling for a leave.
  const std::vector<int16_t> join_first(join.begin(), join.begin() + 48 * 120);
  const std::vector<int16_t> leave_first(leave.begin(), leave.begin() + 48 * 120);
  assert_true(goertzel_db(join_first, 660) > goertzel_db(join_first, 990) + 20);
  assert_true(goertzel_db(leave_first, 990) > goertzel_db(leave_first, 660) + 20);
  // Fades: no click at either end.
  assert_int_equal(join.front(), 0);
  assert_true(std::abs(join.back()) < 100);
  const Pcm rec = mcu::recording_started_tone();
  assert_true(rec.size() > 48000 && rec.size() < 2 * 48000);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nobody_talking_everyone_hears_the_file),
      cmocka_unit_test(test_selection_never_drops_the_file),
      cmocka_unit_test(test_loud_file_goes_through_the_limiter),
      cmocka_unit_test(test_files_are_summed_and_end),
      cmocka_unit_test(test_sum_saturates),
      cmocka_unit_test(test_loop_wraps_until_stopped),
      cmocka_unit_test(test_reads_stereo_16k_as_48k_mono),
      cmocka_unit_test(test_refuses_what_it_cannot_play),
      cmocka_unit_test(test_tones),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
