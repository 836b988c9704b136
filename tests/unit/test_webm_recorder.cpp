// The WebM recording: the muxer's file read back with libwebm's parser, and the
// recorder's threads turning a tone and VP8 frames into a file in sync.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "audio_test_helpers.h"
#include "i420_compositor.h"
#include "monotonic.h"
#include "opus_codec.h"
#include "vp8_codec.h"
#include "webm_muxer.h"
#include "webm_recorder.h"
#include "webm_test_reader.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

constexpr uint64_t kVideo = mcu::WebmMuxer::kVideoTrack;
constexpr uint64_t kAudio = mcu::WebmMuxer::kAudioTrack;

std::string temp_path(const char* name) {
  return "/tmp/webm_recorder_test_" + std::to_string(getpid()) + "_" + name;
}

const webm::TrackEntry* track(const ParsedWebm& file, uint64_t number) {
  for (const auto& t : file.tracks) {
    if (t.track_number.value() == number) return &t;
  }
  return nullptr;
}

std::vector<ParsedBlock> blocks_of(const ParsedWebm& file, uint64_t number) {
  std::vector<ParsedBlock> out;
  for (const auto& b : file.blocks) {
    if (b.track == number) out.push_back(b);
  }
  return out;
}

void test_muxer_writes_tracks_and_blocks(void** /*state*/) {
  const std::string path = temp_path("mux.webm");
  std::string error;
  auto muxer = mcu::WebmMuxer::open(path, {320, 240, 312}, &error);
  assert_non_null(muxer.get());
  const std::vector<uint8_t> key = {1, 2, 3}, delta = {4, 5}, opus = {9, 9, 9, 9};
  for (int ms = 0; ms < 12000; ms += 20) {
    if (ms % 1000 == 0) muxer->add_video(key.data(), key.size(), ms, ms % 3000 == 0);
    muxer->add_audio(opus.data(), opus.size(), ms);
  }
  muxer->add_video(delta.data(), delta.size(), 12010, false);
  assert_true(muxer->finish());
  muxer.reset();

  const ParsedWebm file = parse_webm(path);
  assert_true(file.ok);
  assert_string_equal(file.doc_type.c_str(), "webm");
  assert_int_equal(file.tracks.size(), 2);
  const auto* v = track(file, kVideo);
  assert_non_null(v);
  assert_string_equal(v->codec_id.value().c_str(), "V_VP8");
  assert_int_equal(v->video.value().pixel_width.value(), 320);
  assert_int_equal(v->video.value().pixel_height.value(), 240);
  const auto* a = track(file, kAudio);
  assert_non_null(a);
  assert_string_equal(a->codec_id.value().c_str(), "A_OPUS");
  // RFC 7845's OpusHead: version 1, mono, pre-skip 312, 48 kHz, no gain, family 0.
  const std::vector<uint8_t> head = {'O',        'p',      'u',  's',  'H', 'e', 'a', 'd', 1, 1,
                                     312 & 0xff, 312 >> 8, 0x80, 0xbb, 0,   0,   0,   0,   0};
  assert_true(a->codec_private.value() == head);
  assert_int_equal(a->codec_delay.value(), 6500000);  // 312 samples in ns
  assert_int_equal(a->seek_pre_roll.value(), 80000000);
  assert_int_equal(a->audio.value().channels.value(), 1);
  assert_true(a->audio.value().sampling_frequency.value() == 48000.0);
  assert_true(file.duration_ms == 12010.0);  // the last block

  const auto audio = blocks_of(file, kAudio);
  assert_int_equal(audio.size(), 600);
  for (size_t i = 0; i < audio.size(); ++i) {
    assert_int_equal(audio[i].ms, static_cast<int64_t>(i) * 20);
    assert_true(audio[i].key && audio[i].data == opus);
  }
  const auto video = blocks_of(file, kVideo);
  assert_int_equal(video.size(), 13);
  for (size_t i = 0; i < 12; ++i) {
    assert_int_equal(video[i].ms, static_cast<int64_t>(i) * 1000);
    assert_int_equal(video[i].key, i % 3 == 0);
  }
  assert_int_equal(video[12].ms, 12010);
  assert_false(video[12].key);
  assert_true(video[12].data == delta);
  // A cluster at every key frame, and none longer than 5 s.
  for (int64_t ms : {0, 3000, 6000, 9000}) {
    assert_true(std::find(file.cluster_ms.begin(), file.cluster_ms.end(), ms) !=
                file.cluster_ms.end());
  }
  for (size_t i = 1; i < file.cluster_ms.size(); ++i)
    assert_true(file.cluster_ms[i] - file.cluster_ms[i - 1] <= 5000);
  unlink(path.c_str());
}

// A picture of one colour, encoded.
std::vector<uint8_t> encode(mcu::Vp8Encoder& encoder, mcu::YuvColor color, bool force_key,
                            bool* key) {
  mcu::I420Image picture;
  picture.resize(160, 120);
  mcu::fill_rect(&picture, mcu::Rect{0, 0, 160, 120}, color);
  std::vector<uint8_t> out;
  assert_true(encoder.encode(picture, force_key, &out, key));
  return out;
}

void test_recorder_writes_the_tone_and_the_frames_in_sync(void** /*state*/) {
  const std::string path = temp_path("rec.webm");
  std::string error;
  const int64_t before_open = mcu::monotonic_us();
  auto recorder = mcu::WebmRecorder::open(path, 160, 120, {}, &error);
  assert_non_null(recorder.get());
  mcu::Vp8Encoder encoder;
  assert_true(encoder.configure({160, 120, 25, 300000, 1, 8}, &error));
  bool key = false;
  const int64_t start = mcu::monotonic_us();
  std::vector<uint8_t> frame = encode(encoder, {81, 90, 240}, true, &key);  // red
  assert_true(key);
  // A delta frame before any key frame cannot be decoded: left out.
  bool delta_key = true;
  const std::vector<uint8_t> first_delta = encode(encoder, {81, 90, 240}, false, &delta_key);
  assert_false(delta_key);
  recorder->push_video(first_delta.data(), first_delta.size(), false, start);
  int16_t pcm[mcu::kFrameSamples];
  double phase = 0;
  for (int f = 0; f < 100; ++f) {
    for (auto& s : pcm) {
      s = static_cast<int16_t>(8000 * std::sin(phase));
      phase += 2 * 3.14159265358979323846 * 440 / mcu::kSampleRate;
    }
    recorder->push(pcm);
    if (f % 2 == 0) {
      if (f > 0) frame = encode(encoder, {81, 90, 240}, false, &key);
      recorder->push_video(frame.data(), frame.size(), key, start + 1000000 + f * 20000);
    }
  }
  recorder->push_silence(10);
  const mcu::RecorderStats stats = recorder->stats();
  assert_int_equal(stats.dropped + stats.video_dropped, 0);
  recorder.reset();

  const ParsedWebm file = parse_webm(path);
  assert_true(file.ok);
  const auto audio = blocks_of(file, kAudio);
  assert_int_equal(audio.size(), 110);
  for (size_t i = 1; i < audio.size(); ++i) assert_int_equal(audio[i].ms - audio[i - 1].ms, 20);
  assert_true(audio.front().ms < 500);  // the first mix frame came at once
  const auto video = blocks_of(file, kVideo);
  assert_int_equal(video.size(), 50);
  assert_true(video.front().key);
  // The video's own clock: 1 s after the start, 40 ms apart.
  assert_true(video.front().ms >= 1000 && video.front().ms <= 1001 + (start - before_open) / 1000);
  assert_int_equal(video.back().ms - video.front().ms, 49 * 40);

  mcu::Vp8Decoder decoder;
  for (const auto& b : video) assert_true(decoder.decode(b.data.data(), b.data.size()));
  const mcu::I420View picture = decoder.picture();
  assert_int_equal(picture.width, 160);
  assert_true(std::abs(picture.y[60 * picture.stride_y + 80] - 81) < 8);  // still red

  mcu::OpusDecoderMono opus;
  std::vector<int16_t> decoded;
  int16_t out[mcu::kFrameSamples];
  for (const auto& b : audio) {
    const int n = opus.decode(b.data.data(), b.data.size(), out, mcu::kFrameSamples);
    assert_int_equal(n, mcu::kFrameSamples);
    decoded.insert(decoded.end(), out, out + n);
  }
  const std::vector<int16_t> tone(decoded.begin() + 4800, decoded.begin() + 90000);
  const std::vector<int16_t> silence(decoded.end() - 7 * mcu::kFrameSamples, decoded.end());
  assert_true(goertzel_db(tone, 440) > goertzel_db(tone, 1000) + 30);
  assert_true(goertzel_db(tone, 440) > goertzel_db(silence, 440) + 40);
  unlink(path.c_str());
}

void test_unwritable_path_is_an_error(void** /*state*/) {
  std::string error;
  auto recorder = mcu::WebmRecorder::open("/nonexistent-folder/x.webm", 160, 120, {}, &error);
  assert_null(recorder.get());
  assert_non_null(strstr(error.c_str(), "No such file"));
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_muxer_writes_tracks_and_blocks),
      cmocka_unit_test(test_recorder_writes_the_tone_and_the_frames_in_sync),
      cmocka_unit_test(test_unwritable_path_is_an_error),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
