// Decides who is talking and which few talkers are mixed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mcu {

struct SpeakerConfig {
  int max_speakers = 3;
  // A frame at or louder than this RFC 6464 level (e.g. 55 = -55 dBov) counts as voice.
  int active_level = 55;
  // Ticks (20 ms) of voice within the recent window before a participant is talking,
  // and of silence before they stop.
  int talk_start_ticks = 5;
  int talk_stop_ticks = 40;
  // A selected speaker keeps its place for at least this many ticks, and a newcomer
  // only displaces a selected speaker when louder by this many dB (smoothed).
  int min_hold_ticks = 25;
  int hysteresis_db = 6;
};

struct SpeakerInput {
  uint64_t id = 0;
  int level = 127;         // RFC 6464 level of this tick's frame (127 = silent / no audio)
  bool has_audio = false;  // a frame was decoded or concealed this tick
  bool muted = false;
};

struct TalkChange {
  uint64_t id = 0;
  bool talking = false;
};

class SpeakerSelector {
 public:
  explicit SpeakerSelector(const SpeakerConfig& config = {});

  // Call once per tick with every participant. Participants not listed are
  // forgotten. Returns the selected speakers (at most max_speakers), loudest first.
  const std::vector<uint64_t>& update(std::span<const SpeakerInput> inputs);

  // Talking state changes produced by the last update().
  const std::vector<TalkChange>& talk_changes() const { return changes_; }
  bool is_talking(uint64_t id) const;
  bool is_selected(uint64_t id) const;
  void remove(uint64_t id);

 private:
  struct State {
    uint64_t id = 0;
    double smoothed_db = -127.0;  // exponentially smoothed level, dBov
    int voice_ticks = 0;          // recent voice count (leaky)
    int silence_ticks = 0;
    bool talking = false;
    bool voice_now = false;  // this tick's frame is voice
    bool selected = false;
    int held_ticks = 0;
    bool seen = false;
    bool muted = false;
  };
  State* find(uint64_t id);
  const State* find(uint64_t id) const;
  static bool id_less(const State& s, uint64_t id);
  static bool louder(const State& a, const State& b);
  void update_talk_state(State& s, const SpeakerInput& in);

  SpeakerConfig config_;
  std::vector<State> states_;  // sorted by id
  std::vector<uint64_t> selected_;
  std::vector<TalkChange> changes_;
  // Per-update scratch, kept to avoid allocating every tick.
  std::vector<State*> candidates_;
  std::vector<State*> ranked_;
};

}  // namespace mcu
