// ParticipantAudio's counters are read by Janus' threads (query_session)
// while the mixer thread writes them: run both at once. Under the ThreadSanitizer
// build this is the check that they are safe to share.
#include <atomic>
#include <thread>

#include "opus_codec.h"
#include "participant_audio.h"
#include "rtp.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

constexpr int kFrames = 300;
constexpr int kQuietLevel = 120;  // RFC 6464: -120 dBov, far quieter than the skip threshold
constexpr int kSkipQuieterThan = 60;

void test_counters_read_while_mixing(void** /*state*/) {
  mcu::ParticipantAudio audio;
  mcu::OpusEncoderMono encoder;
  std::atomic<bool> done{false};
  std::thread mixer([&] {
    int16_t silence[mcu::kFrameSamples] = {};
    int16_t pcm[mcu::kMaxPacketSamples];
    for (int i = 0; i < kFrames; ++i) {
      uint8_t packet[1500];
      const size_t header = mcu::write_rtp_header(
          packet, sizeof(packet), 111, false, static_cast<uint16_t>(i),
          static_cast<uint32_t>(i * mcu::kFrameSamples), 42, 1, kQuietLevel, false);
      const int n = encoder.encode(silence, packet + header, sizeof(packet) - header);
      assert_true(n > 0);
      mcu::RtpPacketView view;
      assert_true(mcu::parse_rtp(packet, header + static_cast<size_t>(n), 1, &view));
      audio.insert(view, static_cast<int64_t>(i) * 20000);
      int level = -1;
      audio.next_frame(pcm, &level, static_cast<int64_t>(i) * 20000, kSkipQuieterThan);
    }
    done = true;
  });
  uint64_t last = 0;
  while (!done) {
    const uint64_t skipped = audio.skipped_decodes();
    assert_true(skipped >= last);
    last = skipped;
    assert_int_equal(audio.decode_errors(), 0);
  }
  mixer.join();
  assert_true(audio.skipped_decodes() > kFrames / 2);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_counters_read_while_mixing),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
