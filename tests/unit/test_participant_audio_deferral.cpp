// A frame nobody needs the samples of (a lone talker's, which goes out as its own packet) is not
// decoded; when decoding resumes, the decoder first runs over the packets it missed, so it
// carries on from the stream, not from where it stopped.
#include <cmath>
#include <vector>

#include "opus_codec.h"
#include "participant_audio.h"
#include "rtp.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kPackets = 80;
constexpr int kLevel = 30;  // RFC 6464: -30 dBov, talking

// A voice-like signal (two partials whose pitch glides), so that the decoder's state matters.
std::vector<std::vector<uint8_t>> encode_stream() {
  mcu::OpusEncoderMono encoder;
  std::vector<std::vector<uint8_t>> packets;
  double phase = 0;
  for (int k = 0; k < kPackets; ++k) {
    int16_t pcm[mcu::kFrameSamples];
    for (int i = 0; i < mcu::kFrameSamples; ++i) {
      const double freq = 180 + 120 * std::sin(2 * kPi * (k * mcu::kFrameSamples + i) / 48000.0);
      phase += 2 * kPi * freq / mcu::kSampleRate;
      pcm[i] = static_cast<int16_t>(6000 * std::sin(phase) + 2500 * std::sin(3.1 * phase));
    }
    std::vector<uint8_t> out(mcu::kMaxOpusPacket);
    const int n = encoder.encode(pcm, out.data(), out.size());
    assert_true(n > 0);
    out.resize(static_cast<size_t>(n));
    packets.push_back(out);
  }
  return packets;
}

void insert(mcu::ParticipantAudio& audio, const std::vector<uint8_t>& payload, int k) {
  uint8_t packet[1500];
  const size_t header =
      mcu::write_rtp_header(packet, sizeof(packet), 111, false, static_cast<uint16_t>(100 + k),
                            static_cast<uint32_t>(k * mcu::kFrameSamples), 42, 1, kLevel, true);
  std::copy(payload.begin(), payload.end(), packet + header);
  mcu::RtpPacketView view;
  assert_true(mcu::parse_rtp(packet, header + payload.size(), 1, &view));
  audio.insert(view, static_cast<int64_t>(k) * 20000);
}

// What a decoder that saw every packet makes of packet `k`.
std::vector<int16_t> reference_frame(const std::vector<std::vector<uint8_t>>& packets, int k) {
  mcu::OpusDecoderMono decoder;
  std::vector<int16_t> pcm(mcu::kFrameSamples);
  for (int i = 0; i <= k; ++i) {
    assert_int_equal(
        decoder.decode(packets[static_cast<size_t>(i)].data(),
                       packets[static_cast<size_t>(i)].size(), pcm.data(), mcu::kFrameSamples),
        mcu::kFrameSamples);
  }
  return pcm;
}

double snr_db(const std::vector<int16_t>& ref, const int16_t* got) {
  double signal = 0;
  double noise = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    signal += static_cast<double>(ref[i]) * ref[i];
    const double d = static_cast<double>(ref[i]) - got[i];
    noise += d * d;
  }
  return 10 * std::log10(signal / std::max(noise, 1.0));
}

// The packet index of the frame next_frame() just gave, found by its payload.
int index_of(const mcu::ParticipantAudio& audio, const std::vector<std::vector<uint8_t>>& packets) {
  const auto whole = audio.whole_packet();
  for (size_t k = 0; k < packets.size(); ++k) {
    if (whole.size() == packets[k].size() &&
        std::equal(whole.begin(), whole.end(), packets[k].begin()))
      return static_cast<int>(k);
  }
  return -1;
}

// Feeds the stream; frames from `defer_from` to `defer_to` (packet indices) are deferred and
// never decoded. Returns the SNR of the first frame decoded after them, against a decoder that
// saw everything, decoding it either through next_frame() or through decode_deferred().
double snr_after_deferral(bool resume_with_decode_deferred, uint64_t* decodes) {
  const auto packets = encode_stream();
  mcu::ParticipantAudio audio;
  constexpr int kDeferFrom = 20;
  constexpr int kDeferTo = 49;
  int16_t pcm[mcu::kMaxPacketSamples];
  double snr = -1000;
  for (int k = 0; k < kPackets; ++k) {
    insert(audio, packets[static_cast<size_t>(k)], k);
    int level = -1;
    const bool defer_now = k >= kDeferFrom && k <= kDeferTo + 1;
    const auto got = audio.next_frame(pcm, &level, static_cast<int64_t>(k) * 20000,
                                      mcu::ParticipantAudio::kDecodeAll, defer_now);
    if (got == mcu::ParticipantAudio::FrameResult::kNothing) continue;
    const int index = index_of(audio, packets);
    assert_true(index >= 0);
    if (index < kDeferFrom) {
      assert_int_equal(got, mcu::ParticipantAudio::FrameResult::kDecoded);
      continue;
    }
    if (index <= kDeferTo) {
      assert_int_equal(got, mcu::ParticipantAudio::FrameResult::kDeferred);
      assert_int_equal(level, kLevel);
      continue;
    }
    if (index == kDeferTo + 1) {
      if (resume_with_decode_deferred) {
        assert_int_equal(got, mcu::ParticipantAudio::FrameResult::kDeferred);
        audio.decode_deferred(pcm);
      } else if (got == mcu::ParticipantAudio::FrameResult::kDeferred) {
        continue;  // the jitter buffer's delay: this one came up while still deferring
      }
      snr = snr_db(reference_frame(packets, index), pcm);
    }
    if (index == kDeferTo + 2 && snr < -999) snr = snr_db(reference_frame(packets, index), pcm);
  }
  *decodes = audio.decodes();
  return snr;
}

void test_deferred_frames_are_not_decoded(void**) {
  const auto packets = encode_stream();
  mcu::ParticipantAudio audio;
  int16_t pcm[mcu::kMaxPacketSamples];
  int deferred = 0;
  for (int k = 0; k < kPackets; ++k) {
    insert(audio, packets[static_cast<size_t>(k)], k);
    int level = -1;
    const auto got = audio.next_frame(pcm, &level, static_cast<int64_t>(k) * 20000,
                                      mcu::ParticipantAudio::kDecodeAll, true);
    if (got != mcu::ParticipantAudio::FrameResult::kDeferred) continue;
    ++deferred;
    assert_int_equal(level, kLevel);
    assert_true(index_of(audio, packets) >= 0);  // the packet as it came, to pass on
  }
  assert_true(deferred >= kPackets - 10);
  assert_int_equal(audio.decodes(), 0);
}

// Resuming after 30 deferred frames: with the warm-up, the first frame is close to what a
// decoder that heard everything makes of it; a cold decoder (as without it) is far off.
void test_decoding_resumes_warm(void**) {
  uint64_t decodes = 0;
  const double through_next_frame = snr_after_deferral(false, &decodes);
  const double through_decode_deferred = snr_after_deferral(true, &decodes);
  const auto packets = encode_stream();
  mcu::OpusDecoderMono cold;
  std::vector<int16_t> pcm(mcu::kFrameSamples);
  for (int k = 0; k < 20; ++k)
    cold.decode(packets[static_cast<size_t>(k)].data(), packets[static_cast<size_t>(k)].size(),
                pcm.data(), mcu::kFrameSamples);
  cold.decode(packets[50].data(), packets[50].size(), pcm.data(), mcu::kFrameSamples);
  const double without_warm_up = snr_db(reference_frame(packets, 50), pcm.data());
  print_message(
      "SNR of the first frame decoded again: %.1f dB (next_frame), %.1f dB "
      "(decode_deferred), %.1f dB without warm-up\n",
      through_next_frame, through_decode_deferred, without_warm_up);
  assert_true(through_next_frame > 25);
  assert_true(through_decode_deferred > 25);
  assert_true(through_decode_deferred > without_warm_up + 15);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deferred_frames_are_not_decoded),
      cmocka_unit_test(test_decoding_resumes_warm),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
