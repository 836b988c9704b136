// Opus wrappers: round trip, in-band FEC recovery, concealment, bad input.
#include <cmath>
#include <cstdint>
#include <vector>

#include "opus_codec.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::kFrameSamples;
using mcu::kMaxPacketSamples;
using mcu::OpusDecoderMono;
using mcu::OpusEncoderMono;
using mcu::OpusEncoderSettings;

constexpr double kPi = 3.14159265358979323846;
constexpr int kFrames = 80;

using Packet = std::vector<uint8_t>;
using Pcm = std::vector<int16_t>;

Pcm sine(double freq, double amp, int frames) {
  Pcm s(static_cast<size_t>(frames * kFrameSamples));
  for (size_t i = 0; i < s.size(); ++i) {
    s[i] = static_cast<int16_t>(std::lround(amp * std::sin(2 * kPi * freq * i / 48000.0)));
  }
  return s;
}

// Voice-like: 12 harmonics of a pitch gliding between 60 and 180 Hz, with a
// syllable-rate envelope, so that concealment cannot just repeat a period.
Pcm voiced(int frames) {
  Pcm s(static_cast<size_t>(frames * kFrameSamples));
  double phase = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const double t = static_cast<double>(i) / 48000.0;
    phase += 2 * kPi * (120.0 + 60.0 * std::sin(2 * kPi * 1.3 * t)) / 48000.0;
    double v = 0;
    for (int h = 1; h <= 12; ++h) v += std::sin(h * phase) / h;
    s[i] = static_cast<int16_t>(std::lround(6000.0 * (0.6 + 0.4 * std::sin(2 * kPi * 3 * t)) * v));
  }
  return s;
}

std::vector<Packet> encode_all(OpusEncoderMono& enc, const Pcm& pcm) {
  std::vector<Packet> out;
  for (size_t off = 0; off + kFrameSamples <= pcm.size(); off += kFrameSamples) {
    uint8_t buf[mcu::kMaxOpusPacket];
    const int n = enc.encode(pcm.data() + off, buf, sizeof(buf));
    assert_true(n > 0);
    assert_true(static_cast<size_t>(n) <= mcu::kMaxOpusPacket);
    out.emplace_back(buf, buf + n);
  }
  return out;
}

double energy(const int16_t* p, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; ++i) e += static_cast<double>(p[i]) * p[i];
  return e;
}

double diff_energy(const int16_t* a, const int16_t* b, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    e += d * d;
  }
  return e;
}

// Power of one frequency (Goertzel).
double tone_power(const int16_t* p, size_t n, double freq) {
  const double w = 2 * kPi * freq / 48000.0;
  const double c = 2 * std::cos(w);
  double s1 = 0;
  double s2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double s0 = p[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

void test_round_trip_keeps_frequency_and_energy(void**) {
  OpusEncoderMono enc;
  OpusDecoderMono dec;
  assert_true(enc.ok());
  assert_true(dec.ok());
  const Pcm in = sine(440.0, 8000.0, kFrames);
  const std::vector<Packet> packets = encode_all(enc, in);
  Pcm out;
  for (const Packet& p : packets) {
    assert_int_equal(mcu::opus_packet_samples(p.data(), p.size()), kFrameSamples);
    int16_t frame[kMaxPacketSamples];
    assert_int_equal(dec.decode(p.data(), p.size(), frame, kMaxPacketSamples), kFrameSamples);
    out.insert(out.end(), frame, frame + kFrameSamples);
  }
  // Skip the codec's start-up; compare the steady part.
  const size_t skip = 10 * kFrameSamples;
  const size_t n = out.size() - skip;
  const double ratio = energy(out.data() + skip, n) / energy(in.data() + skip, n);
  assert_true(ratio > 0.7 && ratio < 1.3);
  const double at_tone = tone_power(out.data() + skip, n, 440.0);
  assert_true(at_tone > 100 * tone_power(out.data() + skip, n, 660.0));
  assert_true(at_tone > 100 * tone_power(out.data() + skip, n, 1000.0));
  assert_true(at_tone > 100 * tone_power(out.data() + skip, n, 220.0));
}

void test_settings_are_applied(void**) {
  OpusEncoderSettings low;
  low.bitrate = 12000;
  OpusEncoderSettings high;
  high.bitrate = 64000;
  OpusEncoderMono enc_low(low);
  OpusEncoderMono enc_high(high);
  const Pcm in = voiced(50);
  size_t bytes_low = 0;
  size_t bytes_high = 0;
  for (const Packet& p : encode_all(enc_low, in)) bytes_low += p.size();
  for (const Packet& p : encode_all(enc_high, in)) bytes_high += p.size();
  // About 30 and 160 bytes per packet.
  assert_true(bytes_low < 50 * 45);
  assert_true(bytes_high > 50 * 120);
}

void test_fec_recovers_dropped_packet(void**) {
  OpusEncoderSettings s;
  s.expected_loss = 20;
  OpusEncoderMono enc(s);
  const std::vector<Packet> packets = encode_all(enc, voiced(kFrames));
  for (int lost : {50, 70}) {
    OpusDecoderMono reference;  // receives everything
    OpusDecoderMono fec;        // loses packet `lost`, recovers it from the next one
    OpusDecoderMono plc;        // loses it and can only conceal
    int16_t ref[kMaxPacketSamples];
    int16_t rec[kMaxPacketSamples];
    int16_t con[kMaxPacketSamples];
    for (int k = 0; k <= lost; ++k) {
      const Packet& p = packets[static_cast<size_t>(k)];
      assert_int_equal(reference.decode(p.data(), p.size(), ref, kMaxPacketSamples), kFrameSamples);
      if (k == lost) break;
      fec.decode(p.data(), p.size(), rec, kMaxPacketSamples);
      plc.decode(p.data(), p.size(), con, kMaxPacketSamples);
    }
    const Packet& next = packets[static_cast<size_t>(lost) + 1];
    assert_int_equal(fec.decode_fec(next.data(), next.size(), rec, kFrameSamples), kFrameSamples);
    assert_int_equal(plc.conceal(con, kFrameSamples), kFrameSamples);

    const double e_ref = energy(ref, kFrameSamples);
    const double e_rec = energy(rec, kFrameSamples);
    assert_true(e_rec > 0.5 * e_ref && e_rec < 2.0 * e_ref);
    const double err_fec = diff_energy(ref, rec, kFrameSamples);
    const double err_plc = diff_energy(ref, con, kFrameSamples);
    assert_true(err_fec < 0.1 * e_ref);
    assert_true(err_fec < 0.2 * err_plc);  // the FEC data was really used

    // And the decoder goes on normally with the packet that carried the FEC.
    assert_int_equal(fec.decode(next.data(), next.size(), rec, kMaxPacketSamples), kFrameSamples);
  }
}

void test_fec_without_data_conceals(void**) {
  OpusEncoderMono enc;
  OpusDecoderMono dec;
  const std::vector<Packet> packets = encode_all(enc, sine(440.0, 8000.0, 20));
  int16_t pcm[kMaxPacketSamples];
  for (const Packet& p : packets) dec.decode(p.data(), p.size(), pcm, kMaxPacketSamples);
  assert_int_equal(dec.decode_fec(nullptr, 0, pcm, kFrameSamples), kFrameSamples);
  assert_true(energy(pcm, kFrameSamples) > 0);
}

void test_plc_continues_then_fades(void**) {
  OpusEncoderMono enc;
  OpusDecoderMono dec;
  const std::vector<Packet> packets = encode_all(enc, sine(440.0, 8000.0, 30));
  int16_t pcm[kMaxPacketSamples];
  for (const Packet& p : packets) dec.decode(p.data(), p.size(), pcm, kMaxPacketSamples);
  const double e_last = energy(pcm, kFrameSamples);

  assert_int_equal(dec.conceal(pcm, kFrameSamples), kFrameSamples);
  const double e_first = energy(pcm, kFrameSamples);
  assert_true(e_first > 0.1 * e_last);
  assert_true(tone_power(pcm, kFrameSamples, 440.0) > 10 * tone_power(pcm, kFrameSamples, 1000.0));
  double e_tenth = 0;
  for (int i = 0; i < 10; ++i) {
    assert_int_equal(dec.conceal(pcm, kFrameSamples), kFrameSamples);
    e_tenth = energy(pcm, kFrameSamples);
  }
  assert_true(e_tenth < 0.5 * e_first);
  // Only whole 2.5 ms multiples can be concealed.
  assert_true(dec.conceal(pcm, 100) < 0);
}

void test_corrupt_packets_fail_cleanly(void**) {
  OpusDecoderMono dec;
  int16_t pcm[kMaxPacketSamples];
  const uint8_t no_frames[] = {0x03, 0x00};  // code 3 with a frame count of 0
  assert_true(dec.decode(no_frames, sizeof(no_frames), pcm, kMaxPacketSamples) < 0);
  const uint8_t too_long[] = {0x03, 0x3F};  // 63 frames of 10 ms: beyond 120 ms
  assert_true(dec.decode(too_long, sizeof(too_long), pcm, kMaxPacketSamples) < 0);
  const uint8_t code3_short[] = {0x03};
  assert_true(mcu::opus_packet_samples(code3_short, 1) < 0);
  assert_true(mcu::opus_packet_samples(nullptr, 10) < 0);
  assert_true(dec.decode(nullptr, 10, pcm, kMaxPacketSamples) < 0);
  assert_true(dec.decode(no_frames, 0, pcm, kMaxPacketSamples) < 0);

  // Random garbage: any result, but within bounds and without crashing.
  uint32_t rng = 1;
  uint8_t junk[300];
  for (int i = 0; i < 2000; ++i) {
    rng = rng * 1664525u + 1013904223u;
    const size_t len = 1 + (rng >> 8) % sizeof(junk);
    for (size_t k = 0; k < len; ++k) {
      rng = rng * 1664525u + 1013904223u;
      junk[k] = static_cast<uint8_t>(rng >> 24);
    }
    const int n = dec.decode(junk, len, pcm, kMaxPacketSamples);
    assert_true(n <= kMaxPacketSamples);
    const int fec_n = dec.decode_fec(junk, len, pcm, kFrameSamples);
    assert_true(fec_n <= kFrameSamples);
  }

  // Still a working decoder, and a too-small output buffer is an error.
  OpusEncoderMono enc;
  const std::vector<Packet> packets = encode_all(enc, sine(440.0, 8000.0, 2));
  dec.reset();
  assert_int_equal(dec.decode(packets[0].data(), packets[0].size(), pcm, kMaxPacketSamples),
                   kFrameSamples);
  assert_true(dec.decode(packets[1].data(), packets[1].size(), pcm, 480) < 0);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_keeps_frequency_and_energy),
      cmocka_unit_test(test_settings_are_applied),
      cmocka_unit_test(test_fec_recovers_dropped_packet),
      cmocka_unit_test(test_fec_without_data_conceals),
      cmocka_unit_test(test_plc_continues_then_fades),
      cmocka_unit_test(test_corrupt_packets_fail_cleanly),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
