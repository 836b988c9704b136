// RoomVideo and ParticipantVideo end to end without Janus, with the real
// codec: senders' VP8 RTP in, decode, composite, one encode, RTP out to every
// viewer, decoded again here to look at the picture.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <memory>
#include <mutex>
#include <vector>

#include "caption_font.h"
#include "i420_compositor.h"
#include "participant_video.h"
#include "room_video.h"
#include "rtp.h"
#include "vp8_codec.h"
#include "vp8_depacketizer.h"
#include "vp8_packetizer.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using mcu::I420Image;
using mcu::LayoutKind;
using mcu::Rect;
using mcu::RoomVideo;
using mcu::RoomVideoConfig;
using mcu::YuvColor;

constexpr int kCanvasW = 320;
constexpr int kCanvasH = 180;
constexpr int64_t kFrameUs = 100000;  // 10 fps: time is driven by the test

constexpr YuvColor kRed{81, 90, 240};
constexpr YuvColor kGreen{145, 54, 34};
constexpr YuvColor kBlue{41, 240, 110};

// A viewer that keeps every packet and decodes the stream like a receiver.
class DecodingViewer : public mcu::VideoViewer {
 public:
  void send(const uint8_t* packet, size_t len) override {
    ++packets;
    mcu::RtpPacketView view;
    assert_true(mcu::parse_rtp(packet, len, 0, &view));
    ssrcs.push_back(view.ssrc);
    depacketizer.insert(view.seq, view.timestamp, view.marker, view.payload, view.payload_len);
    while (depacketizer.pop_frame(&frame)) {
      if (frames_seen == 0) first_frame_key = frame.key_frame;
      ++frames_seen;
      if (frame.key_frame) ++key_frames;
      if (decoder.decode(frame.data.data(), frame.data.size())) {
        const mcu::I420View pic = decoder.picture();
        picture.resize(pic.width, pic.height);
        mcu::scale_copy(pic, &picture, Rect{0, 0, pic.width, pic.height});
      }
    }
  }
  int packets = 0;
  int frames_seen = 0;
  int key_frames = 0;
  bool first_frame_key = false;
  std::vector<uint32_t> ssrcs;
  mcu::Vp8Depacketizer depacketizer;
  mcu::Vp8Decoder decoder;
  mcu::Vp8Frame frame;
  I420Image picture;
};

// Records what the room asks of a sender.
class RecordingFeedback : public mcu::VideoFeedback {
 public:
  void request_keyframe(bool fir) override { (fir ? firs : plis)++; }
  void cap_bitrate(uint32_t bps) override { rembs.push_back(bps); }
  int plis = 0;
  int firs = 0;
  std::vector<uint32_t> rembs;
};

// A camera sending one solid colour as VP8 RTP.
struct Camera {
  Camera(int w, int h, YuvColor c) : color(c), image(w, h) {
    std::string error;
    mcu::Vp8EncoderSettings s;
    s.width = w;
    s.height = h;
    s.fps = 10;
    s.bitrate = 300000;
    assert_true(encoder.configure(s, &error));
    mcu::fill_rect(&image, Rect{0, 0, w, h}, color);
  }
  // Encodes a frame and feeds its packets to `in`, dropping the packet
  // numbered `drop` (-1: none).
  void send(mcu::ParticipantVideo& in, int64_t now_us, bool force_key = false, int drop = -1) {
    std::vector<uint8_t> encoded;
    bool key = false;
    assert_true(encoder.encode(image, force_key, &encoded, &key));
    int index = 0;
    packetizer.packetize(encoded.data(), encoded.size(),
                         [&](const uint8_t* payload, size_t len, bool marker) {
                           uint8_t packet[1500];
                           const size_t header = mcu::write_rtp_header(
                               packet, sizeof(packet), 96, marker, seq++, ts, 1234, 0, 0, false);
                           std::copy(payload, payload + len, packet + header);
                           mcu::RtpPacketView view;
                           assert_true(mcu::parse_rtp(packet, header + len, 0, &view));
                           if (index++ != drop) in.insert(view, now_us);
                         });
    ts += 9000;
  }
  YuvColor color;
  I420Image image;
  mcu::Vp8Encoder encoder;
  mcu::Vp8Packetizer packetizer{1200};
  uint16_t seq = 100;
  uint32_t ts = 1000;
};

// Test double of a recorder: keeps what the compositor hands over, to inspect it.
class CapturingRecorder : public mcu::CompositeRecorder {
 public:
  void push_video(const uint8_t* data, size_t len, bool key, int64_t now_us) override {
    std::lock_guard lock(mutex);
    decoded += decoder.decode(data, len) ? 1 : 0;
    keys.push_back(key);
    times.push_back(now_us);
  }
  std::mutex mutex;
  mcu::Vp8Decoder decoder;
  int decoded = 0;
  std::vector<bool> keys;
  std::vector<int64_t> times;
};

struct Fixture {
  explicit Fixture(LayoutKind layout = LayoutKind::kGrid,
                   std::shared_ptr<const mcu::CaptionFont> font = nullptr) {
    RoomVideoConfig config;
    config.encoder.width = kCanvasW;
    config.encoder.height = kCanvasH;
    config.encoder.fps = 10;
    config.encoder.bitrate = 600000;
    config.layout = layout;
    config.stale_after_us = 350000;
    config.keyframe_interval_us = 1000000;
    config.participant.keyframe_request_interval_us = 200000;
    config.participant.plis_before_fir = 2;
    config.participant.depacketizer.reorder_window = 4;  // give up on lost packets soon
    config.font = std::move(font);
    room = std::make_unique<RoomVideo>(config, [this] { return speaker; });
  }
  std::unique_ptr<RoomVideo> room;
  uint64_t speaker = 0;
  int64_t now = 1000000;
};

// Mean Y, U, V over the middle half of a rectangle of the viewer's picture.
YuvColor mean_color(const I420Image& img, const Rect& r) {
  double y = 0, u = 0, v = 0;
  int ny = 0, nc = 0;
  for (int row = r.y + r.h / 4; row < r.y + 3 * r.h / 4; ++row) {
    for (int col = r.x + r.w / 4; col < r.x + 3 * r.w / 4; ++col) {
      y += img.y()[row * img.stride_y() + col];
      ++ny;
      if (row % 2 == 0 && col % 2 == 0) {
        u += img.u()[(row / 2) * img.stride_uv() + col / 2];
        v += img.v()[(row / 2) * img.stride_uv() + col / 2];
        ++nc;
      }
    }
  }
  return YuvColor{static_cast<uint8_t>(y / ny), static_cast<uint8_t>(u / nc),
                  static_cast<uint8_t>(v / nc)};
}

bool near(YuvColor a, YuvColor b, int tolerance = 12) {
  return std::abs(a.y - b.y) <= tolerance && std::abs(a.u - b.u) <= tolerance &&
         std::abs(a.v - b.v) <= tolerance;
}

void expect_color(const I420Image& img, const Rect& r, YuvColor want) {
  const YuvColor got = mean_color(img, r);
  if (!near(got, want)) {
    fail_msg("tile (%d,%d %dx%d): got Y%d U%d V%d, want Y%d U%d V%d", r.x, r.y, r.w, r.h, got.y,
             got.u, got.v, want.y, want.u, want.v);
  }
}

// The marker tile: dark grey around, a light square in the centre.
void expect_marker(const I420Image& img, const Rect& tile) {
  const int side = std::min(tile.w, tile.h) / 3;
  const Rect centre{tile.x + tile.w / 2 - side / 4, tile.y + tile.h / 2 - side / 4, side / 2,
                    side / 2};
  const Rect corner{tile.x + 2, tile.y + 2, tile.w / 6, tile.h / 6};
  const YuvColor c = mean_color(img, centre);
  const YuvColor k = mean_color(img, corner);
  if (c.y < 150 || k.y > 70 || k.y < 20)
    fail_msg("tile (%d,%d): centre Y%d, corner Y%d: not a marker", tile.x, tile.y, c.y, k.y);
}

void run_frames(Fixture& f, std::vector<std::pair<Camera*, mcu::ParticipantVideo*>> senders,
                int frames) {
  for (int i = 0; i < frames; ++i) {
    f.now += kFrameUs;
    for (auto& [cam, in] : senders) cam->send(*in, f.now);
    f.room->tick(f.now);
  }
}

void test_grid_of_three_and_marker_for_no_video(void**) {
  Fixture f;
  auto viewer = std::make_shared<DecodingViewer>();
  auto fa = std::make_shared<RecordingFeedback>();
  auto fb = std::make_shared<RecordingFeedback>();
  Camera a(160, 90, kRed), b(320, 180, kGreen);
  auto in_a = f.room->add(1, viewer, fa);
  auto in_b = f.room->add(2, nullptr, fb);
  assert_null(f.room->add(3, nullptr, nullptr).get());  // audio only: a tile, no decoder
  run_frames(f, {{&a, in_a.get()}, {&b, in_b.get()}}, 6);

  assert_true(viewer->first_frame_key);
  assert_int_equal(viewer->picture.width(), kCanvasW);
  const auto tiles = mcu::compute_layout(LayoutKind::kGrid, kCanvasW, kCanvasH, 3);
  expect_color(viewer->picture, tiles[0], kRed);
  expect_color(viewer->picture, tiles[1], kGreen);
  expect_marker(viewer->picture, tiles[2]);
  expect_color(viewer->picture, Rect{kCanvasW / 2, kCanvasH / 2, kCanvasW / 2, kCanvasH / 2},
               mcu::kYuvBlack);
  // Encoded once: one SSRC for the stream, and both senders were capped.
  for (uint32_t s : viewer->ssrcs) assert_int_equal(s, viewer->ssrcs[0]);
  assert_false(fa->rembs.empty());
  assert_false(fb->rembs.empty());
  const auto stats = f.room->stats();
  assert_int_equal(stats.frames, 6);
  assert_int_equal(stats.encode_errors, 0);
  assert_int_equal(in_a->stats().frames_decoded, 6);
}

void test_letterbox(void**) {
  Fixture f;
  auto viewer = std::make_shared<DecodingViewer>();
  // A 4:3 picture alone on a 16:9 canvas: pillarboxed, bars black.
  Camera a(160, 120, kBlue);
  auto in_a = f.room->add(1, viewer, std::make_shared<RecordingFeedback>());
  run_frames(f, {{&a, in_a.get()}}, 4);
  const Rect fit = mcu::fit_aspect(160, 120, Rect{0, 0, kCanvasW, kCanvasH});
  assert_int_equal(fit.h, kCanvasH);
  assert_true(fit.x > 10);
  expect_color(viewer->picture, fit, kBlue);
  expect_color(viewer->picture, Rect{0, 0, fit.x, kCanvasH}, mcu::kYuvBlack);
  expect_color(viewer->picture, Rect{fit.x + fit.w, 0, kCanvasW - fit.x - fit.w, kCanvasH},
               mcu::kYuvBlack);
}

void test_stale_and_muted_video_become_markers(void**) {
  Fixture f;
  auto viewer = std::make_shared<DecodingViewer>();
  auto fb = std::make_shared<RecordingFeedback>();
  Camera a(160, 90, kRed), b(160, 90, kGreen);
  auto in_a = f.room->add(1, viewer, std::make_shared<RecordingFeedback>());
  auto in_b = f.room->add(2, nullptr, fb);
  run_frames(f, {{&a, in_a.get()}, {&b, in_b.get()}}, 4);
  const auto tiles = mcu::compute_layout(LayoutKind::kGrid, kCanvasW, kCanvasH, 2);
  expect_color(viewer->picture, tiles[1], kGreen);

  // B stops sending: its last picture holds until stale_after_us, then the marker.
  run_frames(f, {{&a, in_a.get()}}, 2);
  expect_color(viewer->picture, tiles[1], kGreen);
  run_frames(f, {{&a, in_a.get()}}, 3);
  expect_marker(viewer->picture, tiles[1]);
  expect_color(viewer->picture, tiles[0], kRed);

  // B is back but video-muted: still the marker, and its packets are ignored.
  assert_true(f.room->set_video_muted(2, true));
  const uint64_t decoded = in_b->stats().frames_decoded;
  run_frames(f, {{&a, in_a.get()}, {&b, in_b.get()}}, 3);
  expect_marker(viewer->picture, tiles[1]);
  assert_int_equal(in_b->stats().frames_decoded, decoded);

  // Unmuted: inter frames are not decoded until a key frame, which it asks for.
  const int plis = fb->plis;
  assert_true(f.room->set_video_muted(2, false));
  run_frames(f, {{&a, in_a.get()}, {&b, in_b.get()}}, 2);
  assert_true(fb->plis > plis);
  expect_marker(viewer->picture, tiles[1]);
  f.now += kFrameUs;
  b.send(*in_b, f.now, true);
  a.send(*in_a, f.now);
  f.room->tick(f.now);
  expect_color(viewer->picture, tiles[1], kGreen);
  assert_false(f.room->set_video_muted(99, true));
}

void test_layout_switch_and_speaker(void**) {
  Fixture f;
  auto viewer = std::make_shared<DecodingViewer>();
  auto fa = std::make_shared<RecordingFeedback>();
  auto fb = std::make_shared<RecordingFeedback>();
  auto fc = std::make_shared<RecordingFeedback>();
  Camera a(160, 90, kRed), b(160, 90, kGreen), c(160, 90, kBlue);
  auto in_a = f.room->add(1, viewer, fa);
  auto in_b = f.room->add(2, nullptr, fb);
  auto in_c = f.room->add(3, nullptr, fc);
  std::vector<std::pair<Camera*, mcu::ParticipantVideo*>> all = {
      {&a, in_a.get()}, {&b, in_b.get()}, {&c, in_c.get()}};
  run_frames(f, all, 3);
  const auto grid = mcu::compute_layout(LayoutKind::kGrid, kCanvasW, kCanvasH, 3);
  expect_color(viewer->picture, grid[1], kGreen);

  f.speaker = 2;  // B is loudest
  f.room->set_layout(LayoutKind::kActiveSpeaker);
  assert_int_equal(static_cast<int>(f.room->layout()),
                   static_cast<int>(LayoutKind::kActiveSpeaker));
  const size_t rembs_before = fb->rembs.size();
  run_frames(f, all, 3);
  const auto speaker = mcu::compute_layout(LayoutKind::kActiveSpeaker, kCanvasW, kCanvasH, 3, 1);
  expect_color(viewer->picture, speaker[1], kGreen);
  expect_color(viewer->picture, speaker[0], kRed);
  expect_color(viewer->picture, speaker[2], kBlue);
  assert_true(speaker[1].w > grid[1].w);
  // The layout change re-sent REMB at once, with more for the large tile.
  assert_true(fb->rembs.size() > rembs_before);
  assert_true(fb->rembs.back() > fa->rembs.back());

  f.speaker = 3;  // the speaker changes: C takes the large tile
  run_frames(f, all, 2);
  const auto speaker_c = mcu::compute_layout(LayoutKind::kActiveSpeaker, kCanvasW, kCanvasH, 3, 2);
  expect_color(viewer->picture, speaker_c[2], kBlue);

  f.room->set_layout(LayoutKind::kGrid);
  run_frames(f, all, 2);
  expect_color(viewer->picture, grid[0], kRed);
  expect_color(viewer->picture, grid[2], kBlue);

  // Someone leaves: the grid re-forms for two.
  f.room->remove(2);
  run_frames(f, {{&a, in_a.get()}, {&c, in_c.get()}}, 2);
  const auto two = mcu::compute_layout(LayoutKind::kGrid, kCanvasW, kCanvasH, 2);
  expect_color(viewer->picture, two[1], kBlue);
}

void test_key_frames_for_viewers(void**) {
  Fixture f;
  auto v1 = std::make_shared<DecodingViewer>();
  Camera a(160, 90, kRed);
  auto in_a = f.room->add(1, v1, std::make_shared<RecordingFeedback>());
  run_frames(f, {{&a, in_a.get()}}, 5);
  assert_int_equal(v1->key_frames, 1);

  // A new viewer gets a key frame at once, not at the next periodic one.
  auto v2 = std::make_shared<DecodingViewer>();
  assert_null(f.room->add(2, v2, nullptr).get());
  run_frames(f, {{&a, in_a.get()}}, 1);
  assert_true(v2->first_frame_key);
  assert_int_equal(v1->key_frames, 2);

  // A PLI within keyframe_interval_us of the last key frame waits for it.
  f.room->request_keyframe();
  run_frames(f, {{&a, in_a.get()}}, 5);
  assert_int_equal(v1->key_frames, 2);
  run_frames(f, {{&a, in_a.get()}}, 6);
  assert_int_equal(v1->key_frames, 3);
  // Without requests, inter frames only.
  run_frames(f, {{&a, in_a.get()}}, 5);
  assert_int_equal(v1->key_frames, 3);
  // A viewer whose PeerConnection just came up gets one at once, interval or not.
  run_frames(f, {{&a, in_a.get()}}, 1);
  f.room->viewer_ready();
  run_frames(f, {{&a, in_a.get()}}, 1);
  assert_int_equal(v1->key_frames, 4);
  assert_int_equal(static_cast<int>(f.room->stats().key_frames), 4);
}

void test_loss_asks_for_key_frames_rate_limited(void**) {
  Fixture f;
  auto viewer = std::make_shared<DecodingViewer>();
  auto fa = std::make_shared<RecordingFeedback>();
  Camera a(320, 180, kRed);
  a.image = I420Image(320, 180);
  // Noise makes frames span several packets, so one can be lost.
  for (int i = 0; i < 320 * 180; ++i) a.image.y()[i] = static_cast<uint8_t>((i * 7919) % 251);
  auto in_a = f.room->add(1, viewer, fa);
  f.now += kFrameUs;
  a.send(*in_a, f.now);
  assert_int_equal(in_a->stats().frames_decoded, 1);
  assert_int_equal(fa->plis, 0);

  // Each lost packet breaks a frame: a PLI, then no more than one per 200 ms;
  // after two unanswered PLIs a FIR.
  for (int i = 0; i < 20; ++i) {
    f.now += 50000;
    a.send(*in_a, f.now, false, 0);
  }
  assert_true(in_a->stats().lost_packets > 0);
  assert_int_equal(fa->plis, 2);
  assert_true(fa->firs >= 1);
  assert_true(fa->plis + fa->firs <= 5);  // 1 s of trouble, 200 ms apart
  // The key frame answers: decoding resumes and the count of unanswered
  // requests starts over.
  f.now += 50000;
  a.send(*in_a, f.now, true);
  const uint64_t decoded = in_a->stats().frames_decoded;
  assert_true(decoded >= 2);
  for (int i = 0; i < 10; ++i) {
    f.now += 50000;
    a.send(*in_a, f.now, false, 0);
  }
  assert_int_equal(fa->plis, 3);
}

void test_hostile_input(void**) {
  Fixture f;
  auto fa = std::make_shared<RecordingFeedback>();
  auto in_a = f.room->add(1, std::make_shared<DecodingViewer>(), fa);
  // A key frame header claiming 16000x16000 is refused before the decoder.
  const uint8_t huge[] = {0x90, 0x80, 0x80, 0x01, 0x10, 0x02, 0x00, 0x9d,
                          0x01, 0x2a, 0x80, 0x3e, 0x80, 0x3e, 0x00, 0x00};
  uint8_t packet[64];
  const size_t header =
      mcu::write_rtp_header(packet, sizeof(packet), 96, true, 1, 1, 5, 0, 0, false);
  std::copy(huge, huge + sizeof(huge), packet + header);
  mcu::RtpPacketView view;
  assert_true(mcu::parse_rtp(packet, header + sizeof(huge), 0, &view));
  in_a->insert(view, f.now);
  assert_int_equal(in_a->stats().oversized, 1);
  // Garbage that parses as a frame start but does not decode.
  const uint8_t junk[] = {0x90, 0x80, 0x80, 0x02, 0x10, 0x02, 0x00, 0x9d,
                          0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0xde, 0xad};
  std::copy(junk, junk + sizeof(junk), packet + header);
  packet[3] = 2;
  assert_true(mcu::parse_rtp(packet, header + sizeof(junk), 0, &view));
  in_a->insert(view, f.now + 1000000);
  assert_int_equal(in_a->stats().decode_errors, 1);
  // Truncated descriptors are counted, not decoded.
  view.payload_len = 1;
  in_a->insert(view, f.now);
  assert_true(in_a->stats().malformed >= 1);
  f.room->tick(f.now);
  assert_int_equal(f.room->stats().encode_errors, 0);
}

void test_no_viewer_no_encode(void**) {
  Fixture f;
  Camera a(160, 90, kRed);
  auto in_a = f.room->add(1, nullptr, std::make_shared<RecordingFeedback>());
  run_frames(f, {{&a, in_a.get()}}, 3);
  assert_int_equal(f.room->stats().frames, 0);
  assert_int_equal(in_a->stats().frames_decoded, 3);
}

// A recording gets every encoded composite from a key frame on, viewers or not,
// and nothing once it stopped.
void test_recording_gets_the_composite_without_viewers(void**) {
  Fixture f;
  Camera a(160, 90, kRed);
  auto in_a = f.room->add(1, nullptr, std::make_shared<RecordingFeedback>());
  run_frames(f, {{&a, in_a.get()}}, 3);
  assert_int_equal(f.room->stats().frames, 0);
  auto recorder = std::make_shared<CapturingRecorder>();
  f.room->start_recording(recorder);
  run_frames(f, {{&a, in_a.get()}}, 4);
  assert_int_equal(recorder->keys.size(), 4);
  assert_true(recorder->keys[0]);
  assert_int_equal(recorder->decoded, 4);
  for (size_t i = 1; i < recorder->times.size(); ++i)
    assert_int_equal(recorder->times[i] - recorder->times[i - 1], kFrameUs);
  assert_true(f.room->stop_recording() == recorder);
  run_frames(f, {{&a, in_a.get()}}, 2);
  assert_int_equal(recorder->keys.size(), 4);
  assert_int_equal(f.room->stats().frames, 4);
}

// The clock thread runs while a room records, even with nobody sending or
// viewing video, and its frames are evenly spaced on the room's clock.
void test_recording_runs_the_clock_evenly(void**) {
  RoomVideoConfig config;
  config.encoder.width = 160;
  config.encoder.height = 90;
  config.encoder.fps = 30;
  RoomVideo room(config, [] { return uint64_t{0}; });
  room.add(1, nullptr, nullptr);  // audio only
  room.start();
  assert_false(room.compositing());
  auto recorder = std::make_shared<CapturingRecorder>();
  room.start_recording(recorder);
  assert_true(room.compositing());
  for (int i = 0; i < 500 && room.stats().frames < 5; ++i) {
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, nullptr);
  }
  room.stop_recording();
  assert_false(room.compositing());
  room.stop();
  std::lock_guard lock(recorder->mutex);
  assert_true(recorder->times.size() >= 5);
  assert_true(recorder->keys[0]);
  for (size_t i = 1; i < recorder->times.size(); ++i)
    assert_int_equal((recorder->times[i] - recorder->times[i - 1]) % 33333, 0);
}

void test_clock_thread_runs_and_stops(void**) {
  RoomVideoConfig config;
  config.encoder.width = 160;
  config.encoder.height = 90;
  config.encoder.fps = 30;
  RoomVideo room(config, [] { return uint64_t{0}; });
  auto viewer = std::make_shared<DecodingViewer>();
  room.add(1, viewer, nullptr);
  room.start();
  struct timespec ts = {0, 300000000};
  nanosleep(&ts, nullptr);
  room.stop();
  const auto frames = room.stats().frames;
  assert_true(frames >= 5 && frames <= 11);
  assert_true(viewer->frames_seen >= 5);
}

// Anyone who reaches Janus' API may be able to create rooms: one nobody sends
// or views video in must not hold a canvas, an encoder or a thread.
void test_idle_room_holds_no_video_resources(void**) {
  RoomVideoConfig config;  // 1280x720 at 30 fps, as rooms are by default
  RoomVideo room(config, [] { return uint64_t{0}; });
  room.start();
  assert_false(room.compositing());
  assert_true(room.canvas().empty());
  room.add(1, nullptr, nullptr);  // audio only: a marker tile, nothing to composite
  assert_false(room.compositing());
  room.tick(0);
  assert_true(room.canvas().empty());

  auto viewer = std::make_shared<DecodingViewer>();
  room.add(2, viewer, nullptr);
  assert_true(room.compositing());
  // Polled, not slept: a sanitizer build encodes far slower.
  for (int i = 0; i < 500 && room.stats().frames == 0; ++i) {
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, nullptr);
  }
  assert_true(room.stats().frames > 0);
  room.remove(2);
  assert_true(viewer->frames_seen > 0);
  assert_false(room.compositing());
  assert_true(room.canvas().empty());

  // A sender alone needs the thread too (REMB, its tile size).
  room.add(3, nullptr, std::make_shared<RecordingFeedback>());
  assert_true(room.compositing());
  room.remove(3);
  assert_false(room.compositing());
  room.stop();
  // After stop() nothing starts it again.
  room.add(4, std::make_shared<DecodingViewer>(), nullptr);
  assert_false(room.compositing());
}

// Luma statistics of a rectangle of the composite: contrast tells text apart.
struct LumaStats {
  double stddev = 0;
  int max = 0;
  int count_of_marker = 0;  // samples of the marker square's luma
};

LumaStats luma_stats(const I420Image& img, const Rect& r) {
  double sum = 0, sq = 0;
  LumaStats out;
  for (int y = r.y; y < r.y + r.h; ++y) {
    for (int x = r.x; x < r.x + r.w; ++x) {
      const int v = img.y()[y * img.stride_y() + x];
      sum += v;
      sq += v * v;
      out.max = std::max(out.max, v);
      out.count_of_marker += v == 180;
    }
  }
  const double n = static_cast<double>(r.w) * r.h;
  out.stddev = std::sqrt(sq / n - (sum / n) * (sum / n));
  return out;
}

// The bottom fifth of a tile, without the border's width: where the name goes.
Rect name_band(const Rect& tile) {
  return Rect{tile.x + 4, tile.y + tile.h * 4 / 5, tile.w - 8, tile.h / 5 - 4};
}

// Chroma U at the middle of a tile's top edge, where the speaker border is.
int top_edge_u(const I420Image& img, const Rect& tile) {
  return img.u()[(tile.y / 2) * img.stride_uv() + (tile.x + tile.w / 2) / 2];
}

void test_names_and_speaker_border(void**) {
  std::string error;
  std::shared_ptr<const mcu::CaptionFont> font =
      mcu::CaptionFont::open(mcu::kDefaultCaptionFont, &error);
  Fixture f(LayoutKind::kGrid, font);
  auto viewer = std::make_shared<DecodingViewer>();
  Camera a(160, 90, kRed), b(160, 90, kGreen);
  auto in_a = f.room->add(1, viewer, std::make_shared<RecordingFeedback>(), "Ann");
  auto in_b = f.room->add(2, nullptr, std::make_shared<RecordingFeedback>());  // no name
  f.room->add(3, nullptr, nullptr, "Chloé");                                   // audio only
  f.room->add(4, nullptr, nullptr);  // audio only, no name
  std::vector<std::pair<Camera*, mcu::ParticipantVideo*>> both = {{&a, in_a.get()},
                                                                  {&b, in_b.get()}};
  f.speaker = 2;
  run_frames(f, both, 4);
  const auto tiles = mcu::compute_layout(LayoutKind::kGrid, kCanvasW, kCanvasH, 4);
  const I420Image& canvas = f.room->canvas();

  // A named picture has white text on a dark band; an unnamed one stays flat.
  const LumaStats ann = luma_stats(canvas, name_band(tiles[0]));
  const LumaStats bob = luma_stats(canvas, name_band(tiles[1]));
  assert_true(ann.max >= 200);
  assert_true(ann.stddev > 15);
  assert_true(bob.stddev < 2);
  expect_color(canvas, tiles[0], kRed);  // above the band, the picture
  // Without video: the name instead of the marker's square; no name, the marker.
  const LumaStats chloe = luma_stats(canvas, tiles[2]);
  assert_true(chloe.max >= 200);
  assert_int_equal(chloe.count_of_marker, 0);
  expect_marker(canvas, tiles[3]);
  // The speaker's tile has the yellow border, the others none.
  assert_in_range(top_edge_u(canvas, tiles[1]), 0, 40);
  assert_in_range(top_edge_u(canvas, tiles[0]), 60, 140);
  assert_in_range(top_edge_u(canvas, tiles[2]), 120, 136);
  // The viewer receives it all (VP8 blurs it a little).
  assert_true(luma_stats(viewer->picture, name_band(tiles[0])).stddev > 10);
  assert_in_range(top_edge_u(viewer->picture, tiles[1]), 0, 70);
  // Each name was rendered once, not per frame.
  assert_int_equal(f.room->stats().caption_renders, 2);

  // A new name: new pixels, rendered once; the speaker moves, so does the border.
  std::vector<uint8_t> before(canvas.y(), canvas.y() + canvas.width() * canvas.height());
  assert_true(f.room->set_display(1, "Annabelle Smith"));
  assert_false(f.room->set_display(99, "nobody"));
  f.speaker = 1;
  run_frames(f, both, 4);
  const Rect band = name_band(tiles[0]);
  int changed = 0;
  for (int y = band.y; y < band.y + band.h; ++y)
    for (int x = band.x; x < band.x + band.w; ++x)
      changed += canvas.y()[y * canvas.width() + x] != before[y * canvas.width() + x];
  assert_true(changed > 100);
  assert_int_equal(f.room->stats().caption_renders, 3);
  assert_in_range(top_edge_u(canvas, tiles[0]), 0, 40);
  assert_in_range(top_edge_u(canvas, tiles[1]), 30, 80);  // green again
  // A name removed: the band goes.
  f.room->set_display(1, "");
  run_frames(f, both, 2);
  assert_true(luma_stats(canvas, name_band(tiles[0])).stddev < 2);
}

void test_no_font_no_names(void**) {
  Fixture f;  // no font: no names, still a speaker border
  Camera a(160, 90, kRed);
  auto in_a = f.room->add(1, std::make_shared<DecodingViewer>(),
                          std::make_shared<RecordingFeedback>(), "Ann");
  f.room->add(2, nullptr, nullptr, "Bob");
  f.speaker = 1;
  run_frames(f, {{&a, in_a.get()}}, 3);
  const auto tiles = mcu::compute_layout(LayoutKind::kGrid, kCanvasW, kCanvasH, 2);
  assert_true(luma_stats(f.room->canvas(), name_band(tiles[0])).stddev < 2);
  expect_marker(f.room->canvas(), tiles[1]);
  assert_in_range(top_edge_u(f.room->canvas(), tiles[0]), 0, 40);
  assert_int_equal(f.room->stats().caption_renders, 0);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grid_of_three_and_marker_for_no_video),
      cmocka_unit_test(test_letterbox),
      cmocka_unit_test(test_stale_and_muted_video_become_markers),
      cmocka_unit_test(test_layout_switch_and_speaker),
      cmocka_unit_test(test_key_frames_for_viewers),
      cmocka_unit_test(test_loss_asks_for_key_frames_rate_limited),
      cmocka_unit_test(test_hostile_input),
      cmocka_unit_test(test_no_viewer_no_encode),
      cmocka_unit_test(test_recording_gets_the_composite_without_viewers),
      cmocka_unit_test(test_recording_runs_the_clock_evenly),
      cmocka_unit_test(test_clock_thread_runs_and_stops),
      cmocka_unit_test(test_idle_room_holds_no_video_resources),
      cmocka_unit_test(test_names_and_speaker_border),
      cmocka_unit_test(test_no_font_no_names),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
