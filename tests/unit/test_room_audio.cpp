// RoomAudio end to end without Janus: Opus RTP in, mixing, Opus RTP out.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "audio_test_helpers.h"
#include "ogg_opus_recorder.h"
#include "opus_codec.h"
#include "room_audio.h"
#include "rtp.h"
#include "tone_pattern.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

constexpr double kPi = 3.14159265358979323846;

// Records every packet sent to one participant.
class CaptureOutput : public mcu::AudioOutput {
 public:
  void send(const uint8_t* packet, size_t len, int level) override {
    packets.emplace_back(packet, packet + len);
    levels.push_back(level);
  }
  void idle() override { ++idles; }
  std::vector<std::vector<uint8_t>> packets;
  std::vector<int> levels;
  int idles = 0;
};

struct Talker {
  uint64_t id;
  double freq;
  mcu::OpusEncoderMono encoder;
  std::shared_ptr<mcu::ParticipantAudio> inbound;
  uint16_t seq = 100;
  uint32_t ts = 5000;
  double phase = 0;
  std::vector<std::vector<uint8_t>> sent;  // every Opus payload fed
};

// Sends one 20 ms tone frame from `t` into the room, as RTP; with an RFC 6464
// level in the header when level >= 0.
void feed(Talker& t, int64_t now_us, int level = -1, double amplitude = 8000) {
  int16_t pcm[mcu::kFrameSamples];
  for (int i = 0; i < mcu::kFrameSamples; ++i) {
    pcm[i] = static_cast<int16_t>(amplitude * std::sin(t.phase));
    t.phase += 2 * kPi * t.freq / mcu::kSampleRate;
  }
  uint8_t packet[1500];
  const int ext = level >= 0 ? 1 : 0;
  const size_t header =
      mcu::write_rtp_header(packet, sizeof(packet), 111, false, t.seq++, t.ts,
                            static_cast<uint32_t>(t.id), ext, level, level >= 0 && level < 127);
  const int n = t.encoder.encode(pcm, packet + header, sizeof(packet) - header);
  assert_true(n > 0);
  t.sent.emplace_back(packet + header, packet + header + n);
  t.ts += mcu::kFrameSamples;
  mcu::RtpPacketView view;
  assert_true(mcu::parse_rtp(packet, header + static_cast<size_t>(n), ext, &view));
  t.inbound->insert(view, now_us);
}

std::vector<int16_t> decode_all(const CaptureOutput& out, size_t skip_packets) {
  mcu::OpusDecoderMono decoder;
  std::vector<int16_t> pcm;
  int16_t frame[mcu::kMaxPacketSamples];
  for (size_t i = 0; i < out.packets.size(); ++i) {
    mcu::RtpPacketView view;
    assert_true(mcu::parse_rtp(out.packets[i].data(), out.packets[i].size(), 0, &view));
    const int n = decoder.decode(view.payload, view.payload_len, frame, mcu::kMaxPacketSamples);
    assert_true(n > 0);
    if (i >= skip_packets) pcm.insert(pcm.end(), frame, frame + n);
  }
  return pcm;
}

void test_mix_minus_through_opus(void** /*state*/) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  const double freqs[3] = {400, 700, 1100};
  std::vector<std::unique_ptr<Talker>> talkers;
  std::map<uint64_t, std::shared_ptr<CaptureOutput>> outputs;
  for (int i = 0; i < 3; ++i) {
    auto t = std::make_unique<Talker>();
    t->id = static_cast<uint64_t>(i + 1);
    t->freq = freqs[i];
    auto out = std::make_shared<CaptureOutput>();
    outputs[t->id] = out;
    t->inbound = room.add(t->id, out, {}, false);
    talkers.push_back(std::move(t));
  }
  // Silent listeners: they all share the one common mix.
  for (uint64_t id = 10; id < 16; ++id) {
    outputs[id] = std::make_shared<CaptureOutput>();
    room.add(id, outputs[id], {}, false);
  }

  const int ticks = 150;
  for (int tick = 0; tick < ticks; ++tick) {
    for (auto& t : talkers) feed(*t, tick * 20000);
    room.tick();
  }

  // Every talker hears the other two, not itself.
  for (int i = 0; i < 3; ++i) {
    const auto pcm = decode_all(*outputs[talkers[i]->id], 50);
    assert_true(pcm.size() >= 48000);
    const double own = goertzel_db(pcm, freqs[i]);
    for (int j = 0; j < 3; ++j) {
      if (j == i) continue;
      const double other = goertzel_db(pcm, freqs[j]);
      assert_true(other > own + 30.0);
    }
  }
  // Listeners hear all three.
  const auto pcm = decode_all(*outputs[12], 50);
  const double floor_db = goertzel_db(pcm, 1650);
  for (double f : freqs) assert_true(goertzel_db(pcm, f) > floor_db + 30.0);

  // One encode per speaker plus ONE for all six listeners, each tick.
  const auto stats = room.stats();
  assert_int_equal(stats.ticks, ticks);
  assert_true(stats.encodes <= static_cast<uint64_t>(ticks) * 4);
  assert_true(stats.encodes >= static_cast<uint64_t>(ticks - 20) * 4);
}

void test_rtp_out_continuity(void** /*state*/) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker t;
  t.id = 1;
  t.freq = 500;
  auto talker_out = std::make_shared<CaptureOutput>();
  t.inbound = room.add(1, talker_out, {}, false);
  auto out = std::make_shared<CaptureOutput>();
  mcu::OutputOptions options;
  options.payload_type = 100;
  options.audio_level_ext_id = 1;
  room.add(2, out, options, false);

  // 60 ticks of talk, 60 of silence (no packets), 60 of talk again.
  int64_t now = 0;
  for (int phase = 0; phase < 3; ++phase) {
    for (int i = 0; i < 60; ++i, now += 20000) {
      if (phase != 1) feed(t, now);
      room.tick();
    }
  }
  assert_true(out->packets.size() > 60);
  std::vector<mcu::RtpPacketView> views(out->packets.size());
  int markers = 0;
  for (size_t i = 0; i < out->packets.size(); ++i) {
    assert_true(mcu::parse_rtp(out->packets[i].data(), out->packets[i].size(), 1, &views[i]));
    assert_int_equal(views[i].payload_type, 100);
    assert_true(views[i].audio_level >= 0);
    if (views[i].marker) ++markers;
    if (i == 0) continue;
    assert_int_equal(views[i].ssrc, views[0].ssrc);
    assert_int_equal(static_cast<uint16_t>(views[i].seq - views[i - 1].seq), 1);
    const uint32_t step = views[i].timestamp - views[i - 1].timestamp;
    assert_int_equal(step % mcu::kFrameSamples, 0);
    assert_true(step >= mcu::kFrameSamples);
  }
  // A talk spurt starts with the marker bit: at the start and after the pause.
  assert_int_equal(markers, 2);
  assert_true(views[0].marker);
  // The pause shows as a timestamp gap, not as packets of silence forever.
  assert_true(out->packets.size() < 170);
}

void test_muted_talker_is_not_heard(void** /*state*/) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker t;
  t.id = 1;
  t.freq = 600;
  t.inbound = room.add(1, std::make_shared<CaptureOutput>(), {}, true);
  auto out = std::make_shared<CaptureOutput>();
  room.add(2, out, {}, false);
  for (int i = 0; i < 50; ++i) {
    feed(t, i * 20000);
    room.tick();
  }
  assert_int_equal(out->packets.size(), 0);
  assert_true(room.set_muted(1, false));
  for (int i = 50; i < 120; ++i) {
    feed(t, i * 20000);
    room.tick();
  }
  assert_true(out->packets.size() > 40);
}

// A played file reaches every participant through Opus, and its end is reported once.
void test_played_file_is_heard_and_ends(void** /*state*/) {
  std::vector<std::string> ended;
  mcu::RoomAudio room{
      mcu::RoomAudioConfig{}, {}, [&ended](const std::string& id) { ended.push_back(id); }};
  auto a = std::make_shared<CaptureOutput>();
  auto b = std::make_shared<CaptureOutput>();
  room.add(1, a, {}, false);
  room.add(2, b, {}, false);
  auto file = std::make_shared<mcu::Pcm>(50 * mcu::kFrameSamples);
  for (size_t i = 0; i < file->size(); ++i)
    (*file)[i] = static_cast<int16_t>(
        6000 * std::sin(2 * kPi * 900 * static_cast<double>(i) / mcu::kSampleRate));
  assert_true(room.announcements().play("f", file, false));
  for (int i = 0; i < 60; ++i) room.tick();
  assert_int_equal(ended.size(), 1);
  assert_string_equal(ended[0].c_str(), "f");
  assert_false(room.announcements().playing("f"));
  for (const auto& out : {a, b}) {
    const std::vector<int16_t> pcm = decode_all(*out, 10);
    assert_true(goertzel_db(pcm, 900) > goertzel_db(pcm, 1400) + 30);
  }
}

// A join tone: the others hear it, the newcomer is sent nothing while it plays.
void test_join_tone_not_for_the_newcomer(void** /*state*/) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  auto old = std::make_shared<CaptureOutput>();
  auto newcomer = std::make_shared<CaptureOutput>();
  room.add(1, old, {}, false);
  room.add(2, newcomer, {}, false);
  auto tone = std::make_shared<const mcu::Pcm>(mcu::join_tone());
  room.play_tone(tone, 2);
  const size_t tone_frames = tone->size() / mcu::kFrameSamples;
  for (size_t i = 0; i < tone_frames; ++i) room.tick();
  assert_int_equal(newcomer->packets.size(), 0);
  assert_int_equal(old->packets.size(), tone_frames);
  const std::vector<int16_t> heard = decode_all(*old, 0);
  assert_true(goertzel_db(heard, 660) > goertzel_db(heard, 1400) + 20);
  // Afterwards the newcomer hears the room like anyone: the next tone reaches it.
  room.play_tone(tone);
  for (int i = 0; i < 5; ++i) room.tick();
  assert_int_equal(newcomer->packets.size(), 5);
}

// mute_room: nobody is heard while the room is muted; afterwards each participant's own mute
// is as it was (a talker muted on its own stays muted).
void test_muted_room_mixes_nobody(void** /*state*/) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker a;
  a.id = 1;
  a.freq = 600;
  Talker b;
  b.id = 2;
  b.freq = 900;
  a.inbound = room.add(1, std::make_shared<CaptureOutput>(), {}, false);
  b.inbound = room.add(2, std::make_shared<CaptureOutput>(), {}, true);
  auto out = std::make_shared<CaptureOutput>();
  room.add(3, out, {}, false);
  room.set_room_muted(true);
  int64_t now = 0;
  const auto talk = [&](int frames) {
    for (int i = 0; i < frames; ++i, now += 20000) {
      feed(a, now);
      feed(b, now);
      room.tick();
    }
  };
  talk(50);
  assert_int_equal(out->packets.size(), 0);
  room.set_room_muted(false);
  talk(70);
  assert_true(out->packets.size() > 40);
  const std::vector<int16_t> heard = decode_all(*out, 10);
  assert_true(goertzel_db(heard, 600) > goertzel_db(heard, 900) + 20);
}

// Quiet microphones that say so (RFC 6464) are not decoded; talkers are, in full.
void test_quiet_senders_are_not_decoded(void** /*state*/) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker loud;
  loud.id = 1;
  loud.freq = 500;
  loud.inbound = room.add(1, std::make_shared<CaptureOutput>(), {}, false);
  Talker quiet;
  quiet.id = 2;
  quiet.freq = 1300;
  quiet.inbound = room.add(2, std::make_shared<CaptureOutput>(), {}, false);
  auto out = std::make_shared<CaptureOutput>();
  room.add(3, out, {}, false);

  const int ticks = 150;
  for (int i = 0; i < ticks; ++i) {
    feed(loud, i * 20000, 20);
    feed(quiet, i * 20000, 80, 2);  // -80 dBov: a silent room's hiss
    room.tick();
  }
  assert_true(quiet.inbound->skipped_decodes() >= static_cast<uint64_t>(ticks - 5));
  assert_int_equal(loud.inbound->skipped_decodes(), 0);
  const auto pcm = decode_all(*out, 50);
  assert_true(goertzel_db(pcm, 500) > goertzel_db(pcm, 1300) + 30.0);
}

void test_recording_holds_the_common_mix(void** /*state*/) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker talkers[2];
  const double freqs[2] = {400, 900};
  for (int i = 0; i < 2; ++i) {
    talkers[i].id = static_cast<uint64_t>(i + 1);
    talkers[i].freq = freqs[i];
    talkers[i].inbound = room.add(talkers[i].id, std::make_shared<CaptureOutput>(), {}, false);
  }
  const std::string path = "/tmp/room_audio_test_" + std::to_string(getpid()) + ".opus";
  std::string error;
  auto recorder = mcu::OggOpusRecorder::open(path, 32000, 5, &error);
  assert_non_null(recorder.get());
  // Ticks before the recording starts are not in it.
  for (int tick = 0; tick < 10; ++tick) room.tick();
  room.start_recording(std::move(recorder));
  assert_true(room.recording());
  const int ticks = 100;
  for (int tick = 0; tick < ticks; ++tick) {
    for (auto& t : talkers) feed(t, tick * 20000);
    room.tick();
  }
  auto done = room.stop_recording();
  assert_non_null(done.get());
  assert_false(room.recording());
  room.tick();  // nothing recorded any more
  done.reset();

  const auto pcm = read_ogg_opus(path);
  assert_true(std::abs(static_cast<long>(pcm.size()) - ticks * mcu::kFrameSamples) <
              mcu::kFrameSamples);
  // Both talkers: the recording is the mix a listener hears, not anyone's mix-minus.
  const std::vector<int16_t> tail(pcm.begin() + 48000, pcm.end());
  const double floor_db = goertzel_db(tail, 1650);
  assert_true(goertzel_db(tail, 400) > floor_db + 30);
  assert_true(goertzel_db(tail, 900) > floor_db + 30);
  unlink(path.c_str());
}

// Checks a forwarder's stream: every packet its own SSRC and payload type,
// consecutive sequence numbers, 960-sample timestamp steps, the marker bit
// on the first packet only.
void assert_continuous_stream(const CaptureOutput& out, uint32_t ssrc, uint8_t pt) {
  for (size_t i = 0; i < out.packets.size(); ++i) {
    mcu::RtpPacketView v;
    mcu::RtpPacketView prev;
    assert_true(mcu::parse_rtp(out.packets[i].data(), out.packets[i].size(), 0, &v));
    assert_int_equal(v.ssrc, ssrc);
    assert_int_equal(v.payload_type, pt);
    assert_int_equal(v.marker, i == 0);
    if (i == 0) continue;
    assert_true(mcu::parse_rtp(out.packets[i - 1].data(), out.packets[i - 1].size(), 0, &prev));
    assert_int_equal(static_cast<uint16_t>(v.seq - prev.seq), 1);
    assert_int_equal(v.timestamp - prev.timestamp, static_cast<uint32_t>(mcu::kFrameSamples));
  }
}

void test_forwarders_get_the_common_mix_every_tick(void** /*state*/) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker t;
  t.id = 1;
  t.freq = 500;
  t.inbound = room.add(1, std::make_shared<CaptureOutput>(), {}, false);
  auto forwarded = std::make_shared<CaptureOutput>();
  auto always = std::make_shared<CaptureOutput>();
  room.forwarders().add(7, forwarded, {.ssrc = 1234, .payload_type = 100, .always_on = false});
  room.forwarders().add(8, always, {.ssrc = 99, .payload_type = 111, .always_on = true});
  assert_int_equal(room.forwarders().size(), 2);

  // 100 ticks of talk, then 50 of silence: a forwarder keeps sending through the silence.
  for (int tick = 0; tick < 150; ++tick) {
    if (tick < 100) feed(t, tick * 20000);
    room.tick();
  }
  assert_int_equal(forwarded->packets.size(), 150);
  assert_continuous_stream(*forwarded, 1234, 100);
  assert_continuous_stream(*always, 99, 111);
  // The talker is alone, so its own mix is silent; the forwarded one is the common mix.
  const auto pcm = decode_all(*forwarded, 10);
  const std::vector<int16_t> talk(pcm.begin(), pcm.begin() + 80 * mcu::kFrameSamples);
  assert_true(goertzel_db(talk, 500) > goertzel_db(talk, 1650) + 30.0);
  // Listeners and forwarders share one encode of the common mix per tick; while it is the
  // lone talker's frame, its own packet instead, and one encode primes the way back.
  const auto stats = room.stats();
  assert_true(stats.passed_through >= 95);
  assert_int_equal(stats.encodes + stats.passed_through, 151);

  // An empty room: only the always_on forwarder goes on.
  room.remove(1);
  for (int tick = 0; tick < 20; ++tick) room.tick();
  assert_int_equal(forwarded->packets.size(), 150);
  assert_int_equal(always->packets.size(), 170);
  assert_continuous_stream(*always, 99, 111);

  // Removed forwarders get nothing more; an unknown one is null.
  assert_true(room.forwarders().remove(8) == always);
  assert_null(room.forwarders().remove(8).get());
  room.tick();
  assert_int_equal(always->packets.size(), 170);
}

std::vector<uint8_t> payload_of(const std::vector<uint8_t>& packet) {
  mcu::RtpPacketView v;
  assert_true(mcu::parse_rtp(packet.data(), packet.size(), 0, &v));
  return {v.payload, v.payload + v.payload_len};
}

// A lone talker's listeners get its own packets as they came (no encode); once a second
// talker is mixed in, the mix is encoded again, and the stream stays one stream throughout.
void test_lone_talker_passes_through(void**) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker a;
  a.id = 1;
  a.freq = 500;
  a.inbound = room.add(1, std::make_shared<CaptureOutput>(), {}, false);
  Talker b;
  b.id = 2;
  b.freq = 900;
  b.inbound = room.add(2, std::make_shared<CaptureOutput>(), {}, false);
  auto out = std::make_shared<CaptureOutput>();
  room.add(3, out, {}, false);

  for (int tick = 0; tick < 50; ++tick) {
    feed(a, tick * 20000);
    room.tick();
  }
  assert_int_equal(out->packets.size(), 50);
  for (size_t i = 10; i < 50; ++i) assert_true(payload_of(out->packets[i]) == a.sent[i]);
  const auto alone = room.stats();
  assert_true(alone.passed_through >= 45);
  assert_true(alone.encodes <= 5);

  for (int tick = 50; tick < 100; ++tick) {
    feed(a, tick * 20000);
    feed(b, tick * 20000);
    room.tick();
  }
  const auto both = room.stats();
  assert_true(both.encodes - alone.encodes >= 45);  // the common mix, and each one's mix-minus
  for (size_t i = 60; i < 100; ++i) assert_true(payload_of(out->packets[i]) != a.sent[i]);
  mcu::RtpPacketView first;
  assert_true(mcu::parse_rtp(out->packets[0].data(), out->packets[0].size(), 0, &first));
  assert_continuous_stream(*out, first.ssrc, 111);
  const auto pcm = decode_all(*out, 60);
  assert_true(goertzel_db(pcm, 500) > goertzel_db(pcm, 1650) + 30.0);
  assert_true(goertzel_db(pcm, 900) > goertzel_db(pcm, 1650) + 30.0);
}

// A lone talker whose packets carry their level is not even decoded: its packets go out as
// they came. When a second talker starts, both are decoded and mixed.
void test_lone_talker_is_not_decoded(void**) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker a;
  a.id = 1;
  a.freq = 500;
  a.inbound = room.add(1, std::make_shared<CaptureOutput>(), {}, false);
  Talker b;
  b.id = 2;
  b.freq = 900;
  b.inbound = room.add(2, std::make_shared<CaptureOutput>(), {}, false);
  auto out = std::make_shared<CaptureOutput>();
  room.add(3, out, {}, false);

  for (int tick = 0; tick < 50; ++tick) {
    feed(a, tick * 20000, 20);
    room.tick();
  }
  assert_int_equal(out->packets.size(), 50);
  for (size_t i = 0; i < 50; ++i) assert_true(payload_of(out->packets[i]) == a.sent[i]);
  assert_int_equal(a.inbound->decodes(), 0);
  assert_int_equal(room.stats().encodes, 0);

  for (int tick = 50; tick < 100; ++tick) {
    feed(a, tick * 20000, 20);
    feed(b, tick * 20000, 20);
    room.tick();
  }
  assert_true(a.inbound->decodes() >= 50);
  assert_true(b.inbound->decodes() >= 45);
  const auto pcm = decode_all(*out, 60);
  assert_true(goertzel_db(pcm, 500) > goertzel_db(pcm, 1650) + 30.0);
  assert_true(goertzel_db(pcm, 900) > goertzel_db(pcm, 1650) + 30.0);
}

// A recording needs the mix's samples: a lone talker is decoded while one runs.
void test_recording_decodes_the_lone_talker(void**) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker a;
  a.id = 1;
  a.freq = 500;
  a.inbound = room.add(1, std::make_shared<CaptureOutput>(), {}, false);
  room.add(2, std::make_shared<CaptureOutput>(), {}, false);
  const std::string path = "/tmp/room_audio_lone_" + std::to_string(getpid()) + ".opus";
  std::string error;
  room.start_recording(mcu::OggOpusRecorder::open(path, 32000, 5, &error));
  assert_true(room.recording());
  for (int tick = 0; tick < 100; ++tick) {
    feed(a, tick * 20000, 20);
    room.tick();
  }
  assert_true(a.inbound->decodes() >= 95);
  room.stop_recording().reset();
  const auto pcm = read_ogg_opus(path);
  const std::vector<int16_t> tail(pcm.begin() + 48000, pcm.end());
  assert_true(goertzel_db(tail, 500) > goertzel_db(tail, 1650) + 30);
  unlink(path.c_str());
}

// An output that holds packets back (the WebRTC outbox) learns of every tick:
// each tick brings each output one packet or one idle(), also after the
// silence tail, when nothing more is sent.
void test_every_tick_sends_or_idles(void**) {
  mcu::RoomAudio room{mcu::RoomAudioConfig{}};
  Talker talker;
  talker.id = 1;
  talker.freq = 440;
  auto talker_out = std::make_shared<CaptureOutput>();
  talker.inbound = room.add(talker.id, talker_out, {}, false);
  auto listener = std::make_shared<CaptureOutput>();
  room.add(2, listener, {}, false);
  const int ticks = 100;
  for (int tick = 0; tick < ticks; ++tick) {
    if (tick < 30) feed(talker, tick * 20000);
    room.tick();
  }
  assert_true(!listener->packets.empty());
  assert_true(listener->idles > 0);
  assert_int_equal(listener->packets.size() + static_cast<size_t>(listener->idles), ticks);
  assert_int_equal(talker_out->packets.size() + static_cast<size_t>(talker_out->idles), ticks);
}

// One end of a link between two rooms: what the room sends the link arrives as
// the far room's link input, as the network would bring it.
class LinkWire : public mcu::AudioOutput {
 public:
  void send(const uint8_t* packet, size_t len, int /*level*/) override {
    ++sent;
    mcu::RtpPacketView view;
    assert_true(mcu::parse_rtp(packet, len, 0, &view));
    if (far) far->insert(view, *now_us);
  }
  void idle() override { ++idles; }
  std::shared_ptr<mcu::ParticipantAudio> far;
  const int64_t* now_us = nullptr;
  int sent = 0;
  int idles = 0;
};

// Two rooms joined by a link, a talker and a listener in each: both listeners
// hear both talkers, and no talker hears itself come back through the link.
// The link is sent something every tick, silence included.
void test_linked_rooms_hear_each_other_without_echo(void**) {
  int64_t now = 0;
  mcu::RoomAudio a{mcu::RoomAudioConfig{}};
  mcu::RoomAudio b{mcu::RoomAudioConfig{}};
  auto a_to_b = std::make_shared<LinkWire>();
  auto b_to_a = std::make_shared<LinkWire>();
  a_to_b->now_us = &now;
  b_to_a->now_us = &now;
  const mcu::OutputOptions link{.link = true};
  auto a_link_in = a.add(100, a_to_b, link, false);
  auto b_link_in = b.add(100, b_to_a, link, false);
  a_to_b->far = b_link_in;
  b_to_a->far = a_link_in;

  Talker ta;
  ta.id = 1;
  ta.freq = 440;
  Talker tb;
  tb.id = 1;
  tb.freq = 1000;
  auto ta_out = std::make_shared<CaptureOutput>();
  auto tb_out = std::make_shared<CaptureOutput>();
  ta.inbound = a.add(1, ta_out, {}, false);
  tb.inbound = b.add(1, tb_out, {}, false);
  auto la = std::make_shared<CaptureOutput>();
  auto lb = std::make_shared<CaptureOutput>();
  a.add(2, la, {}, false);
  b.add(2, lb, {}, false);

  const int ticks = 200;
  for (int tick = 0; tick < ticks; ++tick) {
    now = tick * 20000;
    feed(ta, now);
    feed(tb, now);
    a.tick(now);
    b.tick(now);
  }
  for (const auto& listener : {la, lb}) {
    const auto pcm = decode_all(*listener, 60);
    const double floor_db = goertzel_db(pcm, 1650);
    assert_true(goertzel_db(pcm, 440) > floor_db + 30.0);
    assert_true(goertzel_db(pcm, 1000) > floor_db + 30.0);
  }
  const auto heard_a = decode_all(*ta_out, 60);
  assert_true(goertzel_db(heard_a, 1000) > goertzel_db(heard_a, 440) + 30.0);
  const auto heard_b = decode_all(*tb_out, 60);
  assert_true(goertzel_db(heard_b, 440) > goertzel_db(heard_b, 1000) + 30.0);
  assert_false(a.is_talking(100));
  assert_int_equal(a.loudest(), 1);

  // Everyone falls silent: the link still gets a packet every tick.
  const int before = a_to_b->sent;
  for (int tick = ticks; tick < ticks + 100; ++tick) {
    now = tick * 20000;
    a.tick(now);
    b.tick(now);
  }
  assert_int_equal(a_to_b->sent - before, 100);
  assert_int_equal(a_to_b->idles, 0);
  assert_true(la->idles > 0);
}

// When a burst first reaches a listener (ms on the rooms' shared clock): the
// time of the tick that sends the first packet carrying it, plus where in that
// frame it rises.
class OnsetCapture : public mcu::AudioOutput {
 public:
  explicit OnsetCapture(const int64_t* now_us) : now_us_(now_us) {}
  void send(const uint8_t* packet, size_t len, int /*level*/) override {
    mcu::RtpPacketView view;
    assert_true(mcu::parse_rtp(packet, len, 0, &view));
    int16_t pcm[mcu::kMaxPacketSamples];
    const int n = decoder_.decode(view.payload, view.payload_len, pcm, mcu::kMaxPacketSamples);
    for (int i = 0; i < n && !loud_; ++i) {
      if (std::abs(pcm[i]) > 1000) {
        onsets_ms.push_back(static_cast<double>(*now_us_) / 1000.0 + i * 1000.0 / mcu::kSampleRate);
        loud_ = true;
      }
    }
    // Quiet again: the next loud frame is the next burst.
    if (loud_ && n > 0 && std::all_of(pcm, pcm + n, [](int16_t v) { return std::abs(v) < 300; }))
      loud_ = false;
  }
  void idle() override { loud_ = false; }
  std::vector<double> onsets_ms;

 private:
  const int64_t* now_us_;
  bool loud_ = false;
  mcu::OpusDecoderMono decoder_;
};

// A link across a LAN between two processes: each packet lands a fraction of a
// millisecond after it was sent, give or take scheduling noise, in order. Now
// and then the far side's receiving thread stalls, and what was sent meanwhile
// lands in one go when it wakes.
class LanWire : public mcu::AudioOutput {
 public:
  explicit LanWire(const int64_t* now_us) : now_us_(now_us) {}
  void send(const uint8_t* packet, size_t len, int /*level*/) override {
    const int64_t noise = static_cast<int64_t>(random_() % kNoiseUs);
    const int64_t due = std::max(*now_us_ + kBaseUs + noise, last_due_);
    last_due_ = due;
    in_flight_.push_back({std::vector<uint8_t>(packet, packet + len), due});
  }
  void idle() override { assert_true(false); }  // a link is sent something every tick
  // The far side's receiver does not run until `until_us`.
  void stall(int64_t until_us) { last_due_ = std::max(last_due_, until_us); }
  // Hands the far room what has landed by now_us.
  void deliver(int64_t now_us) {
    size_t n = 0;
    for (; n < in_flight_.size() && in_flight_[n].due_us <= now_us; ++n) {
      mcu::RtpPacketView view;
      assert_true(mcu::parse_rtp(in_flight_[n].bytes.data(), in_flight_[n].bytes.size(), 1, &view));
      far->insert(view, in_flight_[n].due_us);
    }
    in_flight_.erase(in_flight_.begin(), in_flight_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  std::shared_ptr<mcu::ParticipantAudio> far;

 private:
  static constexpr int64_t kBaseUs = 300;
  static constexpr uint32_t kNoiseUs = 1500;
  struct InFlight {
    std::vector<uint8_t> bytes;
    int64_t due_us;
  };
  const int64_t* now_us_;
  int64_t last_due_ = 0;
  std::vector<InFlight> in_flight_;
  std::mt19937 random_{7};
};

// The hops of bursts through two linked rooms whose ticks are `phase_us` apart
// (the far room's after the near room's), with LAN noise on the link and two
// stalls of the far side's receiver early on. Only bursts from two seconds
// after the last stall count: what is asked of a hop is its steady delay.
std::vector<double> hops_ms(int64_t phase_us) {
  constexpr int kTicks = 450;
  constexpr int kBurstEvery = 50;
  constexpr int kBurstFrames = 5;
  constexpr int kFirstCounted = 200;
  int64_t now = 0;
  mcu::RoomAudio a{mcu::RoomAudioConfig{}};
  mcu::RoomAudio b{mcu::RoomAudioConfig{}};
  auto a_to_b = std::make_shared<LanWire>(&now);
  auto b_to_a = std::make_shared<LanWire>(&now);
  // With RFC 6464 levels on the link, as the cascade tests join it: they tell what is quiet.
  const mcu::OutputOptions link{.audio_level_ext_id = 1, .link = true};
  a_to_b->far = b.add(100, b_to_a, link, false);
  b_to_a->far = a.add(100, a_to_b, link, false);
  Talker talker;
  talker.id = 1;
  talker.freq = 1000;
  talker.inbound = a.add(1, std::make_shared<CaptureOutput>(), {}, false);
  auto near = std::make_shared<OnsetCapture>(&now);
  auto far = std::make_shared<OnsetCapture>(&now);
  a.add(2, near, {}, false);
  b.add(2, far, {}, false);
  for (int tick = 0; tick < kTicks; ++tick) {
    const int64_t a_at = tick * 20000LL;
    const int64_t b_at = a_at + phase_us;
    if (tick == 40 || tick == 100) a_to_b->stall(a_at + 35000);
    const bool loud = tick >= kFirstCounted - kBurstEvery && tick % kBurstEvery < kBurstFrames;
    feed(talker, a_at - 2000, -1, loud ? 8000 : 0);
    now = a_at;
    b_to_a->deliver(now);
    a.tick(now);
    now = b_at;
    a_to_b->deliver(now);
    b.tick(now);
  }
  assert_int_equal(near->onsets_ms.size(), far->onsets_ms.size());
  std::vector<double> hops;
  for (size_t i = 0; i < near->onsets_ms.size(); ++i) {
    if (near->onsets_ms[i] < kFirstCounted * 20.0) continue;
    hops.push_back(far->onsets_ms[i] - near->onsets_ms[i]);
  }
  assert_true(hops.size() >= 4);
  return hops;
}

// Whatever the phase between the two rooms' ticks, a hop adds one tick's wait
// at most (plus a margin for the link's noise, and the Opus look-ahead of the
// far room's encode), also after stalls held the link's packets back: a link
// does not keep the delay a stall once needed.
void test_link_hop_latency(void**) {
  double best = 1e9;
  double worst = -1e9;
  for (int64_t phase_us = 0; phase_us < 20000; phase_us += 1000) {
    for (const double hop : hops_ms(phase_us)) {
      best = std::min(best, hop);
      worst = std::max(worst, hop);
    }
  }
  print_message("over 20 tick phases a hop adds %.1f to %.1f ms\n", best, worst);
  assert_true(best >= 0);
  assert_true(worst <= 40.0);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_mix_minus_through_opus),
      cmocka_unit_test(test_every_tick_sends_or_idles),
      cmocka_unit_test(test_rtp_out_continuity),
      cmocka_unit_test(test_muted_talker_is_not_heard),
      cmocka_unit_test(test_muted_room_mixes_nobody),
      cmocka_unit_test(test_quiet_senders_are_not_decoded),
      cmocka_unit_test(test_recording_holds_the_common_mix),
      cmocka_unit_test(test_forwarders_get_the_common_mix_every_tick),
      cmocka_unit_test(test_lone_talker_passes_through),
      cmocka_unit_test(test_lone_talker_is_not_decoded),
      cmocka_unit_test(test_recording_decodes_the_lone_talker),
      cmocka_unit_test(test_played_file_is_heard_and_ends),
      cmocka_unit_test(test_join_tone_not_for_the_newcomer),
      cmocka_unit_test(test_linked_rooms_hear_each_other_without_echo),
      cmocka_unit_test(test_link_hop_latency),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
