#include "speaker_selector.h"

#include <algorithm>

namespace mcu {
namespace {

// Level smoothing in the dB domain: rise quickly so a new talker is noticed
// within a few ticks, fall slowly so the gaps between syllables do not make a
// speaker look quieter than a steady one.
constexpr double kAttack = 0.3;
constexpr double kRelease = 0.08;

}  // namespace

bool SpeakerSelector::id_less(const State& s, uint64_t id) {
  return s.id < id;
}

SpeakerSelector::SpeakerSelector(const SpeakerConfig& config) : config_(config) {
  config_.max_speakers = std::max(config_.max_speakers, 0);
  config_.active_level = std::clamp(config_.active_level, 0, 127);
  config_.talk_start_ticks = std::max(config_.talk_start_ticks, 1);
  config_.talk_stop_ticks = std::max(config_.talk_stop_ticks, 1);
  config_.min_hold_ticks = std::max(config_.min_hold_ticks, 0);
  config_.hysteresis_db = std::max(config_.hysteresis_db, 0);
  selected_.reserve(static_cast<size_t>(config_.max_speakers));
}

SpeakerSelector::State* SpeakerSelector::find(uint64_t id) {
  auto it = std::lower_bound(states_.begin(), states_.end(), id, id_less);
  return it != states_.end() && it->id == id ? &*it : nullptr;
}

const SpeakerSelector::State* SpeakerSelector::find(uint64_t id) const {
  auto it = std::lower_bound(states_.begin(), states_.end(), id, id_less);
  return it != states_.end() && it->id == id ? &*it : nullptr;
}

bool SpeakerSelector::louder(const State& a, const State& b) {
  if (a.smoothed_db != b.smoothed_db) return a.smoothed_db > b.smoothed_db;
  return a.id < b.id;
}

void SpeakerSelector::update_talk_state(State& s, const SpeakerInput& in) {
  const bool audible = in.has_audio && !in.muted;
  const double db = audible ? -static_cast<double>(std::clamp(in.level, 0, 127)) : -127.0;
  s.smoothed_db += (db > s.smoothed_db ? kAttack : kRelease) * (db - s.smoothed_db);

  // Leaky count of voiced ticks: sustained speech reaches talk_start_ticks,
  // isolated clicks or noise bursts decay away.
  const bool voice = audible && in.level <= config_.active_level;
  s.voice_now = voice;
  if (voice) {
    s.voice_ticks = std::min(s.voice_ticks + 1, config_.talk_start_ticks);
    s.silence_ticks = 0;
  } else {
    s.voice_ticks = std::max(s.voice_ticks - 1, 0);
    ++s.silence_ticks;
  }
  if (!s.talking && s.voice_ticks >= config_.talk_start_ticks) {
    s.talking = true;
    changes_.push_back({s.id, true});
  } else if (s.talking && s.silence_ticks >= config_.talk_stop_ticks) {
    s.talking = false;
    s.voice_ticks = 0;
    changes_.push_back({s.id, false});
  }
}

const std::vector<uint64_t>& SpeakerSelector::update(std::span<const SpeakerInput> inputs) {
  changes_.clear();
  for (State& s : states_) s.seen = false;

  for (const SpeakerInput& in : inputs) {
    State* s = find(in.id);
    if (s == nullptr) {
      // Only on join: the vector stays sorted by id for the look-ups.
      auto it = std::lower_bound(states_.begin(), states_.end(), in.id, id_less);
      s = &*states_.insert(it, State{.id = in.id});
    }
    if (s->seen) continue;  // a repeated id counts once per tick
    s->seen = true;
    s->muted = in.muted;
    update_talk_state(*s, in);
  }
  std::erase_if(states_, [](const State& s) { return !s.seen; });

  // Selected speakers who left, stopped talking or were muted give up their place.
  candidates_.clear();
  ranked_.clear();
  for (State& s : states_) {
    // A voiced frame is mixed at once, not after talk_start_ticks, so that no
    // one's first syllable is cut; once in, a speaker stays for the hold time
    // through the gaps between syllables, then for as long as they talk.
    const bool eligible = !s.muted && (s.talking || s.voice_now);
    const bool stays =
        !s.muted && (s.talking || s.voice_now || s.held_ticks < config_.min_hold_ticks);
    if (s.selected && !stays) s.selected = false;
    if (s.selected) {
      ++s.held_ticks;
      ranked_.push_back(&s);
    } else if (eligible) {
      candidates_.push_back(&s);
    }
  }
  auto by_level = [](const State* a, const State* b) { return louder(*a, *b); };
  std::sort(candidates_.begin(), candidates_.end(), by_level);

  const size_t max = static_cast<size_t>(config_.max_speakers);
  for (State* c : candidates_) {
    if (ranked_.size() < max) {
      c->selected = true;
      c->held_ticks = 0;
      ranked_.push_back(c);
      continue;
    }
    // Full: the newcomer may only take the place of the quietest speaker who
    // has held theirs long enough, and only if clearly louder.
    State* weakest = nullptr;
    for (State* s : ranked_) {
      if (s->held_ticks < config_.min_hold_ticks) continue;
      if (weakest == nullptr || louder(*weakest, *s)) weakest = s;
    }
    if (weakest == nullptr) break;
    if (c->smoothed_db <= weakest->smoothed_db + config_.hysteresis_db) break;
    weakest->selected = false;
    c->selected = true;
    c->held_ticks = 0;
    *std::find(ranked_.begin(), ranked_.end(), weakest) = c;
  }

  std::sort(ranked_.begin(), ranked_.end(), by_level);
  selected_.clear();
  for (const State* s : ranked_) selected_.push_back(s->id);
  return selected_;
}

bool SpeakerSelector::is_talking(uint64_t id) const {
  const State* s = find(id);
  return s != nullptr && s->talking;
}

bool SpeakerSelector::is_selected(uint64_t id) const {
  const State* s = find(id);
  return s != nullptr && s->selected;
}

void SpeakerSelector::remove(uint64_t id) {
  std::erase_if(states_, [id](const State& s) { return s.id == id; });
  std::erase(selected_, id);
}

}  // namespace mcu
