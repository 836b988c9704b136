// The pure mixing step of one tick: given each participant's decoded frame,
// select the speakers, sum them, and produce
//   * one common mix (all selected speakers) for everyone not selected, and
//   * for each selected speaker, the mix without their own voice (mix-minus),
// each through its own soft limiter. Announcements (played files) go into
// every mix, before the limiters, whoever is selected. No codecs, no I/O.
//
// A link (the mix of a linked room on another instance) is not a talker: it
// bypasses speaker selection and is always mixed, since it already carries the
// far side's selected talkers; and it always gets its mix-minus, so the far
// side never hears its own voices come back.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "opus_codec.h"
#include "soft_limiter.h"
#include "speaker_selector.h"

namespace mcu {

using Frame = std::array<int16_t, kFrameSamples>;

struct MixerInput {
  uint64_t id = 0;
  const int16_t* pcm = nullptr;  // kFrameSamples samples, or nullptr when nothing was decoded
  int level = -1;                // sender's RFC 6464 level if it provided one, else -1
  bool muted = false;
  bool link = false;
  // A frame is there but not decoded (pcm nullptr); `level` is its sender's level. See
  // AudioMixer::lone_deferred().
  bool deferred = false;
};

struct PersonalMix {
  uint64_t id = 0;
  Frame pcm{};
  bool silent = true;  // nothing but silence in it (no other speaker)
  int level = 127;
  uint64_t only = 0;  // see MixResult::common_only
};

struct MixResult {
  std::vector<uint64_t> speakers;  // selected this tick, loudest first; never a link
  Frame common{};
  bool common_silent = true;
  int common_level = 127;
  // The one input the common mix equals sample for sample (a lone speaker, no announcement,
  // untouched by the limiter), else 0: that input's own packet can stand for the mix.
  uint64_t common_only = 0;
  // False when the mixes were not computed because common_only is a deferred input: its packet
  // is the common mix, and each personal mix is either its packet too (`only`) or silence.
  bool pcm = true;
  // One per selected speaker, same order, then one per link.
  std::vector<PersonalMix> personal;
  std::vector<TalkChange> talk_changes;
};

class AudioMixer {
 public:
  explicit AudioMixer(const SpeakerConfig& config = {});

  // inputs: every participant in the room this tick. Levels are taken from
  // `level` when >= 0, else measured from `pcm`. announcement: kFrameSamples
  // samples everyone hears, or nullptr when no file plays.
  void mix(std::span<const MixerInput> inputs, MixResult& out,
           const int16_t* announcement = nullptr);

  // mix() in two steps, so that a caller can leave a frame undecoded when nobody needs its
  // samples. select(): the speakers, from the levels alone (a deferred frame counts as audio).
  void select(std::span<const MixerInput> inputs, MixResult& out);
  // The deferred input that is the only thing to hear after select() (no other selected
  // speaker's frame, no audible link, no announcement), else 0. Every other deferred input
  // must be decoded before mix_selected(), which leaves out one that is not.
  uint64_t lone_deferred(std::span<const MixerInput> inputs, const MixResult& out,
                         bool announcing) const;
  void mix_selected(std::span<const MixerInput> inputs, MixResult& out,
                    const int16_t* announcement);
  void remove(uint64_t id);
  const SpeakerSelector& selector() const { return selector_; }

 private:
  SpeakerSelector selector_;
  SoftLimiter common_limiter_;
  std::unordered_map<uint64_t, std::unique_ptr<SoftLimiter>> personal_limiters_;
  std::vector<SpeakerInput> speaker_inputs_;
  std::vector<const int16_t*> speaker_pcm_;  // per selected speaker, then per link
  std::vector<uint64_t> mixed_;              // their ids, same order
  std::array<float, kFrameSamples> bus_{};
  std::array<float, kFrameSamples> scratch_{};
};

}  // namespace mcu
