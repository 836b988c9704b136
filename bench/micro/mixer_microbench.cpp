// Where a mixer tick's time goes: jitter buffer, Opus decode and encode, the
// mixing step, and a whole RoomAudio tick for N participants of whom K talk.
// `per_participant` style decode+encode is what a mixer that encodes for
// every listener (like AudioBridge) pays per participant per tick.
#include <benchmark/benchmark.h>
#include <opusenc.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "announcement_mixer.h"
#include "audio_mixer.h"
#include "jitter_buffer.h"
#include "ogg_opus_recorder.h"
#include "opus_codec.h"
#include "room_audio.h"
#include "rtp.h"

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kTalkers = 3;

std::vector<int16_t> tone(double freq, int frames, double amplitude = 8000) {
  std::vector<int16_t> pcm(static_cast<size_t>(frames) * mcu::kFrameSamples);
  for (size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = static_cast<int16_t>(
        amplitude * std::sin(2 * kPi * freq * static_cast<double>(i) / mcu::kSampleRate));
  }
  return pcm;
}

// One second of 20 ms Opus packets of a tone, encoded once.
std::vector<std::vector<uint8_t>> encode_packets(double freq, double amplitude) {
  mcu::OpusEncoderMono encoder;
  const auto pcm = tone(freq, 50, amplitude);
  std::vector<std::vector<uint8_t>> packets;
  for (int f = 0; f < 50; ++f) {
    std::vector<uint8_t> out(mcu::kMaxOpusPacket);
    const int n = encoder.encode(pcm.data() + f * mcu::kFrameSamples, out.data(), out.size());
    out.resize(static_cast<size_t>(std::max(n, 0)));
    packets.push_back(std::move(out));
  }
  return packets;
}

class NullOutput : public mcu::AudioOutput {
 public:
  void send(const uint8_t*, size_t len, int) override { bytes += len; }
  size_t bytes = 0;
};

void BM_JitterBufferInsertPop(benchmark::State& state) {
  mcu::JitterBuffer jb;
  const auto packets = encode_packets(440, 8000);
  std::vector<uint8_t> payload, fec;
  bool has_fec = false;
  int level = -1;
  uint16_t seq = 0;
  uint32_t ts = 0;
  int64_t now = 0;
  for (auto _ : state) {
    const auto& p = packets[seq % packets.size()];
    jb.insert(1, seq++, ts, p.data(), p.size(), 30, now);
    ts += mcu::kFrameSamples;
    now += 20000;
    benchmark::DoNotOptimize(jb.pop(payload, fec, &has_fec, &level, now));
  }
}
BENCHMARK(BM_JitterBufferInsertPop);

void BM_OpusDecode20ms(benchmark::State& state) {
  mcu::OpusDecoderMono decoder;
  const auto packets = encode_packets(440, 8000);
  int16_t pcm[mcu::kMaxPacketSamples];
  size_t i = 0;
  for (auto _ : state) {
    const auto& p = packets[i++ % packets.size()];
    benchmark::DoNotOptimize(decoder.decode(p.data(), p.size(), pcm, mcu::kMaxPacketSamples));
  }
}
BENCHMARK(BM_OpusDecode20ms);

void BM_OpusEncode20ms(benchmark::State& state) {
  mcu::OpusEncoderSettings settings;
  settings.complexity = static_cast<int>(state.range(0));
  mcu::OpusEncoderMono encoder(settings);
  const auto pcm = tone(440, 50);
  uint8_t out[mcu::kMaxOpusPacket];
  size_t f = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        encoder.encode(pcm.data() + (f++ % 50) * mcu::kFrameSamples, out, sizeof(out)));
  }
}
BENCHMARK(BM_OpusEncode20ms)->Arg(4)->Arg(5)->Arg(10);

// The pure mixing step: N inputs, K of them talking, levels given (RFC 6464).
void BM_MixStep(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  mcu::AudioMixer mixer;
  const auto talk = tone(440, 1);
  const std::vector<int16_t> quiet(mcu::kFrameSamples, 0);
  std::vector<mcu::MixerInput> inputs;
  for (int i = 0; i < n; ++i) {
    const bool talker = i < kTalkers;
    inputs.push_back({static_cast<uint64_t>(i + 1), talker ? talk.data() : quiet.data(),
                      talker ? 20 : 127, false});
  }
  mcu::MixResult result;
  for (auto _ : state) mixer.mix(inputs, result);
  state.counters["us_per_participant"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
}
BENCHMARK(BM_MixStep)->Arg(10)->Arg(100)->Arg(400);

// What announcements add to a tick: K files playing (summed by AnnouncementMixer),
// then the mixing step of 10 inputs with the result added to every mix.
void BM_AnnouncementFrame(benchmark::State& state) {
  const int files = static_cast<int>(state.range(0));
  mcu::AnnouncementMixer playing;
  const auto pcm = std::make_shared<const mcu::Pcm>(48000, int16_t{1000});
  for (int k = 0; k < files; ++k) playing.play(std::to_string(k), pcm, true);
  mcu::AudioMixer mixer;
  const auto talk = tone(440, 1);
  std::vector<mcu::MixerInput> inputs;
  for (int i = 0; i < 10; ++i)
    inputs.push_back({static_cast<uint64_t>(i + 1), talk.data(), i < kTalkers ? 20 : 127, false});
  mcu::Frame frame{};
  std::vector<std::string> ended;
  mcu::MixResult result;
  for (auto _ : state) {
    const bool any = playing.next_frame(frame.data(), &ended);
    mixer.mix(inputs, result, any ? frame.data() : nullptr);
  }
}
BENCHMARK(BM_AnnouncementFrame)->Arg(0)->Arg(1)->Arg(8);

// A whole RoomAudio tick (jitter buffers, decodes, mixing, encodes, RTP out)
// with packets fed as the network would: K talkers, the rest quiet. The second
// argument records the mix (to /dev/null): what that adds to the mixer thread.
void BM_RoomTick(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  if (state.range(1) != 0) {
    std::string error;
    room.start_recording(mcu::OggOpusRecorder::open("/dev/null", 32000, 5, &error));
  }
  const auto talk = encode_packets(440, 8000);
  const auto quiet = encode_packets(440, 0);
  std::vector<std::shared_ptr<mcu::ParticipantAudio>> inbound;
  auto out = std::make_shared<NullOutput>();
  for (int i = 0; i < n; ++i)
    inbound.push_back(room.add(static_cast<uint64_t>(i + 1), out, {}, false));
  uint16_t seq = 0;
  uint32_t ts = 0;
  int64_t now = 0;
  uint8_t packet[1500];
  auto feed_all = [&] {
    for (int i = 0; i < n; ++i) {
      const bool talker = i < kTalkers;
      const auto& p = (talker ? talk : quiet)[seq % 50];
      const size_t h =
          mcu::write_rtp_header(packet, sizeof(packet), 111, false, seq, ts,
                                static_cast<uint32_t>(i + 1), 1, talker ? 20 : 127, talker);
      std::copy(p.begin(), p.end(), packet + h);
      mcu::RtpPacketView view;
      mcu::parse_rtp(packet, h + p.size(), 1, &view);
      inbound[static_cast<size_t>(i)]->insert(view, now);
    }
    ++seq;
    ts += mcu::kFrameSamples;
    now += 20000;
  };
  for (int i = 0; i < 10; ++i) {  // talkers get selected, buffers primed
    feed_all();
    room.tick();
  }
  for (auto _ : state) {
    state.PauseTiming();
    feed_all();
    state.ResumeTiming();
    room.tick();
  }
  state.counters["us_per_participant"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
  state.counters["encodes_per_tick"] =
      static_cast<double>(room.stats().encodes) / static_cast<double>(room.stats().ticks);
}
BENCHMARK(BM_RoomTick)
    ->ArgsProduct({{10, 100, 400}, {0, 1}})
    ->ArgNames({"n", "record"})
    ->Unit(benchmark::kMicrosecond);

// The recorder's writer thread per 20 ms frame: libopusenc's encode and Ogg
// paging of one frame of the mix, at the room's default settings.
void BM_RecordingWriterFrame(benchmark::State& state) {
  const auto pcm = tone(440, 50);
  int error = 0;
  OggOpusComments* comments = ope_comments_create();
  OggOpusEnc* enc = ope_encoder_create_file("/dev/null", comments, mcu::kSampleRate, 1, 0, &error);
  ope_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
  ope_encoder_ctl(enc, OPUS_SET_COMPLEXITY(5));
  size_t frame = 0;
  for (auto _ : state) {
    ope_encoder_write(enc, pcm.data() + (frame++ % 50) * mcu::kFrameSamples, mcu::kFrameSamples);
  }
  ope_encoder_destroy(enc);
  ope_comments_destroy(comments);
}
BENCHMARK(BM_RecordingWriterFrame)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
