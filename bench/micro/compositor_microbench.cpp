// What captions cost per composited frame: RoomVideo's compositing step (every
// tile's picture, its name and the speaker border into a 1280x720 canvas) for
// 2, 4 and 9 participants, with names and without. Each participant's camera
// sends one VP8 key frame before the loop; the room keeps its picture. The
// benchmark's time is a whole tick (compositing, then encoding the canvas);
// the counter compose_us is the compositing alone per frame
// (RoomVideoStats::compose_us), the part that names and borders add to; it is
// wall-clock time, so a loaded machine inflates it. BM_Captions times (CPU)
// what names add on their own: every tile's band and text blended, from
// masks rendered before the loop, as RoomVideo does from its caches.
// BM_VideoRoomTick/record:0|1 is a whole tick with and without a WebM
// recording (to /dev/null): what recording adds to the compositor thread.
// BM_WebmWriter* time the recorder's writer thread per frame.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "caption_font.h"
#include "i420_compositor.h"
#include "room_video.h"
#include "rtp.h"
#include "tile_caption.h"
#include "video_layout.h"
#include "vp8_codec.h"
#include "vp8_packetizer.h"
#include "webm_muxer.h"
#include "webm_recorder.h"

namespace {

constexpr int kCanvasW = 1280;
constexpr int kCanvasH = 720;
constexpr int64_t kFrameUs = 66667;  // 15 fps

class NullViewer : public mcu::VideoViewer {
 public:
  void send(const uint8_t*, size_t) override {}
};

class NullFeedback : public mcu::VideoFeedback {
 public:
  void request_keyframe(bool) override {}
  void cap_bitrate(uint32_t) override {}
};

// A 640x360 key frame of a gradient, as VP8 RTP into `in`.
void send_picture(mcu::ParticipantVideo& in, int seed, int64_t now_us) {
  mcu::I420Image image(640, 360);
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x)
      image.y()[y * image.stride_y() + x] = static_cast<uint8_t>(16 + (x + y + 37 * seed) % 200);
  mcu::Vp8Encoder encoder;
  mcu::Vp8EncoderSettings settings;
  settings.width = image.width();
  settings.height = image.height();
  std::string error;
  std::vector<uint8_t> encoded;
  bool key = false;
  if (!encoder.configure(settings, &error) || !encoder.encode(image, true, &encoded, &key)) return;
  mcu::Vp8Packetizer packetizer(1200);
  uint16_t seq = 1;
  packetizer.packetize(
      encoded.data(), encoded.size(), [&](const uint8_t* payload, size_t len, bool marker) {
        uint8_t packet[1500];
        const size_t header =
            mcu::write_rtp_header(packet, sizeof(packet), 96, marker, seq++, 1000, 42, 0, 0, false);
        std::copy(payload, payload + len, packet + header);
        mcu::RtpPacketView view;
        if (mcu::parse_rtp(packet, header + len, 0, &view)) in.insert(view, now_us);
      });
}

// state.range(0): participants; state.range(1): 1 with names (and a font), 0 without.
void BM_Compose(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool names = state.range(1) != 0;
  mcu::RoomVideoConfig config;
  config.encoder.width = kCanvasW;
  config.encoder.height = kCanvasH;
  config.encoder.fps = 15;
  config.stale_after_us = int64_t{1} << 50;  // the one picture stays
  std::string error;
  if (names) config.font = mcu::CaptionFont::open(mcu::kDefaultCaptionFont, &error);
  if (names && !config.font) {
    state.SkipWithError(error.c_str());
    return;
  }
  mcu::RoomVideo room(config, [] { return uint64_t{1}; });  // participant 1 talks
  int64_t now = 1000000;
  std::vector<std::shared_ptr<mcu::ParticipantVideo>> inputs;
  for (int i = 1; i <= n; ++i) {
    auto in = room.add(static_cast<uint64_t>(i), i == 1 ? std::make_shared<NullViewer>() : nullptr,
                       std::make_shared<NullFeedback>(), "Participant " + std::to_string(i));
    inputs.push_back(in);
  }
  room.tick(now);  // tiles known: pictures are scaled to them as they arrive
  for (int i = 0; i < n; ++i) send_picture(*inputs[i], i, now);
  room.tick(now += kFrameUs);  // names rendered here, once
  const int64_t before = room.stats().compose_us;
  for (auto _ : state) room.tick(now += kFrameUs);
  const mcu::RoomVideoStats stats = room.stats();
  state.counters["compose_us"] = benchmark::Counter(static_cast<double>(stats.compose_us - before),
                                                    benchmark::Counter::kAvgIterations);
  state.counters["caption_renders"] = static_cast<double>(stats.caption_renders);
}
BENCHMARK(BM_Compose)
    ->ArgsProduct({{2, 4, 9}, {0, 1}})
    ->ArgNames({"tiles", "names"})
    ->Unit(benchmark::kMicrosecond);

// state.range(0): tiles of a 1280x720 grid, each with a caption band.
void BM_Captions(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::string error;
  auto font = mcu::CaptionFont::open(mcu::kDefaultCaptionFont, &error);
  if (!font) {
    state.SkipWithError(error.c_str());
    return;
  }
  const auto tiles = mcu::compute_layout(mcu::LayoutKind::kGrid, kCanvasW, kCanvasH, n);
  std::vector<mcu::AlphaMask> names;
  for (int i = 0; i < n; ++i) {
    const mcu::CaptionSize size = mcu::band_caption_size(tiles[i]);
    names.push_back(
        font->render("Participant " + std::to_string(i + 1), size.pixel_size, size.max_width));
  }
  mcu::I420Image canvas(kCanvasW, kCanvasH);
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) mcu::draw_caption_band(&canvas, tiles[i], names[i]);
    benchmark::DoNotOptimize(canvas.y());
  }
}
BENCHMARK(BM_Captions)->Arg(2)->Arg(4)->Arg(9)->ArgName("tiles")->Unit(benchmark::kMicrosecond);

// 4 senders in a 1280x720 grid at 15 fps, one viewer; state.range(0): 1 records
// the room (WebmRecorder to /dev/null, its writer thread running alongside).
void BM_VideoRoomTick(benchmark::State& state) {
  mcu::RoomVideoConfig config;
  config.encoder.width = kCanvasW;
  config.encoder.height = kCanvasH;
  config.encoder.fps = 15;
  config.stale_after_us = int64_t{1} << 50;
  mcu::RoomVideo room(config, [] { return uint64_t{1}; });
  std::string error;
  if (state.range(0) != 0)
    room.start_recording(mcu::WebmRecorder::open("/dev/null", kCanvasW, kCanvasH, {}, &error));
  int64_t now = 1000000;
  std::vector<std::shared_ptr<mcu::ParticipantVideo>> inputs;
  for (int i = 1; i <= 4; ++i) {
    inputs.push_back(room.add(static_cast<uint64_t>(i),
                              i == 1 ? std::make_shared<NullViewer>() : nullptr,
                              std::make_shared<NullFeedback>()));
  }
  room.tick(now);
  for (int i = 0; i < 4; ++i) send_picture(*inputs[i], i, now);
  for (auto _ : state) room.tick(now += kFrameUs);
  room.stop_recording();
}
BENCHMARK(BM_VideoRoomTick)->Arg(0)->Arg(1)->ArgName("record")->Unit(benchmark::kMicrosecond);

// The writer thread per 20 ms of the mix: one Opus encode (the room's default
// settings) and its block.
void BM_WebmWriterAudioFrame(benchmark::State& state) {
  std::string error;
  auto muxer = mcu::WebmMuxer::open("/dev/null", {kCanvasW, kCanvasH, 312}, &error);
  mcu::OpusEncoderMono encoder;
  std::vector<int16_t> pcm(50 * mcu::kFrameSamples);
  for (size_t i = 0; i < pcm.size(); ++i)
    pcm[i] = static_cast<int16_t>(8000 * std::sin(2 * 3.14159265358979323846 * 440 * i / 48000));
  uint8_t packet[mcu::kMaxOpusPacket];
  int64_t ms = 0;
  for (auto _ : state) {
    const int n = encoder.encode(&pcm[static_cast<size_t>(ms / 20 % 50) * mcu::kFrameSamples],
                                 packet, sizeof packet);
    muxer->add_audio(packet, static_cast<size_t>(n), ms);
    ms += 20;
  }
}
BENCHMARK(BM_WebmWriterAudioFrame)->Unit(benchmark::kMicrosecond);

// The writer thread per composite frame: its block, 6250 bytes (1.5 Mbit/s at 30 fps).
void BM_WebmWriterVideoFrame(benchmark::State& state) {
  std::string error;
  auto muxer = mcu::WebmMuxer::open("/dev/null", {kCanvasW, kCanvasH, 312}, &error);
  const std::vector<uint8_t> frame(6250, 0x5a);
  int64_t ms = 0;
  for (auto _ : state) {
    muxer->add_video(frame.data(), frame.size(), ms, ms % 2000 == 0);
    ms += 33;
  }
}
BENCHMARK(BM_WebmWriterVideoFrame)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
