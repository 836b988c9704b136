#include "signal_gen.h"

#include <opus/opus.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace loadgen {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSpeechPeak = 0.15;  // 3 talkers + marker stay under a 0.7 limiter knee
constexpr int kRampSamples = 48;      // 1 ms fade at spurt and burst edges: no clicks
constexpr int kPauseFrames = 15;      // a talker's pause within a cycle (300 ms)

class Encoder {
 public:
  Encoder(int bitrate, int application, std::string* error) {
    int err = OPUS_OK;
    enc_ = opus_encoder_create(kSampleRate, 1, application, &err);
    if (err != OPUS_OK || enc_ == nullptr) {
      *error = std::string("opus_encoder_create: ") + opus_strerror(err);
      enc_ = nullptr;
      return;
    }
    opus_encoder_ctl(enc_, OPUS_SET_BITRATE(bitrate));
    opus_encoder_ctl(enc_, OPUS_SET_COMPLEXITY(10));  // encoded once, before the run
    opus_encoder_ctl(enc_, OPUS_SET_DTX(0));
  }
  ~Encoder() {
    if (enc_ != nullptr) opus_encoder_destroy(enc_);
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;
  bool ok() const { return enc_ != nullptr; }

  bool encode(const int16_t* pcm, std::vector<uint8_t>* out, std::string* error) {
    uint8_t buf[1500];
    const opus_int32 n = opus_encode(enc_, pcm, kFrameSamples, buf, sizeof(buf));
    if (n < 0) {
      *error = std::string("opus_encode: ") + opus_strerror(n);
      return false;
    }
    out->assign(buf, buf + n);
    return true;
  }

 private:
  OpusEncoder* enc_ = nullptr;
};

uint8_t rfc6464_level(const int16_t* pcm) {
  double sum = 0;
  for (int i = 0; i < kFrameSamples; ++i) sum += static_cast<double>(pcm[i]) * pcm[i];
  const double rms = std::sqrt(sum / kFrameSamples) / 32768.0;
  if (rms <= 0) return 127;
  return static_cast<uint8_t>(std::clamp(-20.0 * std::log10(rms), 0.0, 127.0));
}

// Fade factor for sample i of a segment of n samples.
double edge_ramp(int i, int n) {
  const int d = std::min(i, n - 1 - i);
  if (d >= kRampSamples) return 1.0;
  return 0.5 - 0.5 * std::cos(kPi * d / kRampSamples);
}

// Voiced speech-like sound: harmonics of a gliding pitch under a syllable-rate
// envelope, band-limited to kSpeechMaxHz.
void speech(std::mt19937& rng, double base_f0, int16_t* out, int n) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double glide_hz = 0.8 + u(rng);
  const double glide_phase = 2 * kPi * u(rng);
  const double syllable_hz = 3.5 + 2.0 * u(rng);
  double phase = 2 * kPi * u(rng);
  for (int i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kSampleRate;
    const double f0 = base_f0 * (1.0 + 0.12 * std::sin(2 * kPi * glide_hz * t + glide_phase));
    phase += 2 * kPi * f0 / kSampleRate;
    double s = 0;
    for (int k = 1; k * f0 <= kSpeechMaxHz; ++k) s += std::sin(k * phase) / k;
    // Dips between syllables stay well above a voice-activity threshold.
    const double env = 0.3 + 0.7 * (0.5 - 0.5 * std::cos(2 * kPi * syllable_hz * t));
    out[i] =
        static_cast<int16_t>(std::lround(32767 * kSpeechPeak / 2.0 * s * env * edge_ramp(i, n)));
  }
}

void marker(int16_t* out, int n) {
  for (int i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kSampleRate;
    out[i] = static_cast<int16_t>(std::lround(32767 * kMarkerAmplitude *
                                              std::sin(2 * kPi * kMarkerHz * t) * edge_ramp(i, n)));
  }
}

// Talker 0 opens each cycle with the burst, pauses, talks, and pauses before
// the next burst (400 ms, or 200 ms with short pauses) so that the burst starts
// a talk spurt. Others pause once per cycle, each at a different time, so at
// least two talk at any moment.
bool in_pause(int talker, int f, bool short_pauses) {
  if (talker == 0)
    return (f >= kBurstFrames && f < kBurstFrames + 5) || f >= (short_pauses ? 90 : 80);
  const int start = 20 + (talker * 20) % 60;
  return f >= start && f < start + kPauseFrames;
}

void render_talker(int talker, int cycles, bool short_pauses, std::vector<int16_t>* pcm) {
  pcm->assign(static_cast<size_t>(cycles) * kCycleFrames * kFrameSamples, 0);
  std::mt19937 rng(1000u + static_cast<unsigned>(talker));
  const double base_f0 = 110.0 + 45.0 * (talker % 4);
  for (int c = 0; c < cycles; ++c) {
    int16_t* cycle = pcm->data() + static_cast<size_t>(c) * kCycleFrames * kFrameSamples;
    if (talker == 0) marker(cycle, kBurstFrames * kFrameSamples);
    // Each maximal run of talking frames outside the burst is one spurt.
    int f = 0;
    while (f < kCycleFrames) {
      if (in_pause(talker, f, short_pauses) || (talker == 0 && f < kBurstFrames)) {
        ++f;
        continue;
      }
      int end = f;
      while (end < kCycleFrames && !in_pause(talker, end, short_pauses)) ++end;
      speech(rng, base_f0, cycle + f * kFrameSamples, (end - f) * kFrameSamples);
      f = end;
    }
  }
}

}  // namespace

bool make_signals(int talkers, int cycles, int bitrate, bool short_pauses, Signals* out,
                  std::string* error) {
  out->talkers.assign(static_cast<size_t>(talkers), {});
  for (int t = 0; t < talkers; ++t) {
    TalkerStream& ts = out->talkers[static_cast<size_t>(t)];
    render_talker(t, cycles, short_pauses, &ts.pcm);
    Encoder enc(bitrate, OPUS_APPLICATION_VOIP, error);
    if (!enc.ok()) return false;
    const int frames = cycles * kCycleFrames;
    ts.frames.assign(static_cast<size_t>(frames), {});
    // Encode the loop twice and keep the second pass: its first packet then
    // follows the loop's last one seamlessly when the sender wraps around.
    for (int pass = 0; pass < 2; ++pass) {
      for (int f = 0; f < frames; ++f) {
        EncodedFrame& ef = ts.frames[static_cast<size_t>(f)];
        const int16_t* p = ts.pcm.data() + static_cast<size_t>(f) * kFrameSamples;
        if (!enc.encode(p, &ef.payload, error)) return false;
        ef.voice = !in_pause(t, f % kCycleFrames, short_pauses);
        ef.level = ef.voice ? rfc6464_level(p) : 127;
      }
    }
  }
  // A muted or silent microphone: the encoder keeps running on digital silence
  // and, without DTX, sends a packet every 20 ms with level 127. libopus codes
  // digital silence in CELT mode as a 3-byte frame (in SILK mode, which VOIP
  // picks at this bitrate, it would spend 35 bytes on it).
  Encoder enc(bitrate, OPUS_APPLICATION_AUDIO, error);
  if (!enc.ok()) return false;
  const std::vector<int16_t> zeros(kFrameSamples, 0);
  for (int i = 0; i < 50; ++i) {
    if (!enc.encode(zeros.data(), &out->silent.payload, error)) return false;
  }
  out->silent.level = 127;
  out->silent.voice = false;
  std::string hex;
  for (uint8_t b : out->silent.payload) {
    char h[4];
    std::snprintf(h, sizeof(h), "%02x", b);
    hex += h;
  }
  out->silent_description = std::to_string(out->silent.payload.size()) +
                            "-byte Opus frame of digital silence (hex " + hex +
                            "), RFC 6464 level 127, V=0, every 20 ms";
  return true;
}

}  // namespace loadgen
