// One conference room's audio: its participants, the 20 ms mixer clock on its
// own thread, speaker selection and mix-minus, Opus encoding (the common mix
// once for every listener, a personal mix per selected speaker) and RTP
// packetisation. Transport is left to AudioOutput, so this runs without Janus.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "announcement_mixer.h"
#include "audio_mixer.h"
#include "audio_output.h"
#include "jitter_buffer.h"
#include "mix_encoder.h"
#include "mix_forwarders.h"
#include "mix_recorder.h"
#include "monotonic.h"
#include "opus_codec.h"
#include "participant_audio.h"
#include "tick_histogram.h"
#include "tick_pool.h"

namespace mcu {

struct RoomAudioConfig {
  SpeakerConfig speakers;
  OpusEncoderSettings encoder;
  JitterBufferConfig jitter;
  // Silent frames still sent after the last speaker stops, so receivers'
  // decoders fade out cleanly; after that nothing is sent until someone talks.
  int silence_tail_frames = 10;
};

struct OutputOptions {
  uint8_t payload_type = 111;
  int audio_level_ext_id = 0;  // write RFC 6464 into our RTP header (plain RTP); 0 = none
  // A link to a room on another instance (see AudioMixer): always mixed, never a
  // speaker, and sent its mix-minus every tick, silence included, so that the far
  // side can tell a quiet room from a dead link.
  bool link = false;
};

struct MixerStats {
  uint64_t ticks = 0;
  uint64_t late_ticks = 0;    // started more than 5 ms after their deadline
  uint64_t missed_ticks = 0;  // skipped entirely because the thread fell behind
  uint64_t encodes = 0;
  uint64_t passed_through = 0;  // mixes sent as their lone speaker's own packet (MixEncoder)
  int64_t max_tick_us = 0;      // longest tick's processing time
  TickHistogram tick_us;        // every tick's processing time
};

class RoomAudio {
 public:
  using TalkCallback = std::function<void(uint64_t id, bool talking)>;
  // A file played to its end (not one stopped); runs on the mixer thread.
  using PlayedCallback = std::function<void(const std::string& file_id)>;

  explicit RoomAudio(const RoomAudioConfig& config, TalkCallback on_talk = {},
                     PlayedCallback on_played = {});
  ~RoomAudio();
  RoomAudio(const RoomAudio&) = delete;
  RoomAudio& operator=(const RoomAudio&) = delete;

  // Adds a participant; the returned object takes its inbound RTP.
  std::shared_ptr<ParticipantAudio> add(uint64_t id, std::shared_ptr<AudioOutput> output,
                                        const OutputOptions& options, bool muted);
  void remove(uint64_t id);
  bool set_muted(uint64_t id, bool muted);
  // While the room is muted nobody is mixed; each participant's own mute stays as it was.
  void set_room_muted(bool muted) { room_muted_ = muted; }
  bool is_talking(uint64_t id) const;
  // The loudest selected speaker of the latest tick; it stays when everyone
  // falls silent, so the video layout does not jump back. 0 before anyone spoke.
  uint64_t loudest() const { return loudest_; }

  // Runs the mixer clock on the shared tick threads until stop().
  void start();
  void stop();

  // One mixer tick; called by the clock thread, or directly by tests and
  // benchmarks that drive time themselves (now_us: the tick's monotonic time,
  // which a link's playout compares with its packets' arrival).
  void tick() { tick(monotonic_us()); }
  void tick(int64_t now_us);

  MixerStats stats() const;

  // The common mix (what a listener who is not talking hears) goes to
  // `recorder` every tick from now on, silence included.
  void start_recording(std::shared_ptr<MixRecorder> recorder);
  // Hands the recorder back, so that finishing the file (which waits for its
  // writer) runs on the caller's thread, not the mixer's. Null if none.
  std::shared_ptr<MixRecorder> stop_recording();
  bool recording() const;

  // Files everyone hears (play_file); see AnnouncementMixer.
  AnnouncementMixer& announcements() { return announcements_; }
  // Destinations outside the room that get the common mix every tick.
  MixForwarders& forwarders() { return forwarders_; }
  // A short tone everyone hears (join and leave tones), without events.
  // `not_for` (a newcomer) is sent nothing while it plays, so it does not hear
  // its own join tone; it misses only that much of the room.
  void play_tone(std::shared_ptr<const Pcm> pcm, uint64_t not_for = 0);

 private:
  struct Member;
  void refresh_snapshot();
  void send_to(Member& m, const uint8_t* payload, size_t len, int level, bool silent);
  // The packet of `id` that a mix equal to its frame can send instead (MixEncoder).
  std::span<const uint8_t> whole_packet_of(uint64_t id) const;

  RoomAudioConfig config_;
  TalkCallback on_talk_;
  PlayedCallback on_played_;
  AnnouncementMixer announcements_;
  AnnouncementMixer tones_;
  std::atomic<uint64_t> tone_count_{0};

  mutable std::mutex members_mutex_;
  std::map<uint64_t, std::shared_ptr<Member>> members_;  // guarded by members_mutex_
  uint64_t version_ = 0;                                 // guarded by members_mutex_
  std::vector<uint64_t> removed_;                        // guarded by members_mutex_

  // Mixer thread only.
  uint64_t snapshot_version_ = ~0ull;
  std::vector<std::shared_ptr<Member>> snapshot_;
  std::vector<MixerInput> inputs_;
  AudioMixer mixer_;
  MixResult result_;
  Frame announcement_{};
  Frame tone_{};
  std::vector<std::string> played_;
  std::vector<std::string> tones_ended_;
  MixEncoder common_encoder_;
  std::vector<uint8_t> packet_;
  uint64_t tick_count_ = 0;
  std::atomic<uint64_t> loudest_{0};

  mutable std::mutex stats_mutex_;
  MixerStats stats_;  // guarded by stats_mutex_

  std::atomic<bool> room_muted_{false};

  mutable std::mutex recorder_mutex_;
  std::shared_ptr<MixRecorder> recorder_;  // guarded by recorder_mutex_

  MixForwarders forwarders_;

  TickTask clock_;  // last: stopped before the rest goes
};

}  // namespace mcu
