// The mix recorder: frames in on one thread, a playable Ogg Opus file out.
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "audio_test_helpers.h"
#include "ogg_opus_recorder.h"
#include "opus_codec.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

std::string temp_path(const char* name) {
  return "/tmp/ogg_opus_recorder_test_" + std::to_string(getpid()) + "_" + name;
}

void test_tone_and_silence_keep_time(void** /*state*/) {
  const std::string path = temp_path("tone.opus");
  std::string error;
  auto recorder = mcu::OggOpusRecorder::open(path, 32000, 5, &error);
  assert_non_null(recorder.get());
  int16_t frame[mcu::kFrameSamples];
  double phase = 0;
  for (int f = 0; f < 100; ++f) {
    for (auto& s : frame) {
      s = static_cast<int16_t>(8000 * std::sin(phase));
      phase += 2 * 3.14159265358979323846 * 440 / mcu::kSampleRate;
    }
    recorder->push(frame);
  }
  recorder->push_silence(50);
  recorder.reset();

  const auto pcm = read_ogg_opus(path);
  // 150 frames of 20 ms: 3 s, give or take the encoder's padding.
  assert_true(std::abs(static_cast<long>(pcm.size()) - 150 * mcu::kFrameSamples) <
              mcu::kFrameSamples);
  const std::vector<int16_t> tone(pcm.begin() + 4800, pcm.begin() + 90000);
  const std::vector<int16_t> silence(pcm.begin() + 110000, pcm.end());
  assert_true(goertzel_db(tone, 440) > goertzel_db(tone, 1000) + 30);
  assert_true(goertzel_db(tone, 440) > goertzel_db(silence, 440) + 40);
  unlink(path.c_str());
}

void test_overflow_drops_and_counts(void** /*state*/) {
  const std::string path = temp_path("count.opus");
  std::string error;
  auto recorder = mcu::OggOpusRecorder::open(path, 32000, 5, &error);
  assert_non_null(recorder.get());
  const int16_t frame[mcu::kFrameSamples] = {};
  for (int f = 0; f < 20; ++f) recorder->push(frame);
  // The ring holds 5 s: pushing twice that at once drops at least half.
  const uint64_t pushed = 20 + 2 * mcu::OggOpusRecorder::kRingFrames;
  recorder->push_silence(2 * mcu::OggOpusRecorder::kRingFrames);
  const uint64_t dropped = recorder->stats().dropped;
  assert_true(dropped >= mcu::OggOpusRecorder::kRingFrames);
  recorder.reset();
  const auto pcm = read_ogg_opus(path);
  const long expected = static_cast<long>((pushed - dropped) * mcu::kFrameSamples);
  assert_true(std::abs(static_cast<long>(pcm.size()) - expected) < mcu::kFrameSamples);
  unlink(path.c_str());
}

void test_unwritable_path_is_an_error(void** /*state*/) {
  std::string error;
  auto recorder = mcu::OggOpusRecorder::open("/nonexistent-folder/x.opus", 32000, 5, &error);
  assert_null(recorder.get());
  assert_non_null(strstr(error.c_str(), "No such file"));
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_tone_and_silence_keep_time),
      cmocka_unit_test(test_overflow_drops_and_counts),
      cmocka_unit_test(test_unwritable_path_is_an_error),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
