#include "audio_mixer.h"

#include <algorithm>

#include "audio_level.h"

namespace mcu {

namespace {

// A link sends every tick, silence included; what is quieter than this (RFC 6464,
// -80 dBov) is the coding noise of silence, and counts as nothing to hear, so
// that listeners' streams still pause when the whole conference is quiet.
constexpr int kLinkAudibleLevel = 80;

// The input a mix equals sample for sample: when it has exactly one contributor (`pcm` of
// `id`) and the limiter left it as it was; else 0.
uint64_t only_input(int contributors, uint64_t id, const int16_t* pcm, const Frame& mix) {
  if (contributors != 1 || pcm == nullptr) return 0;
  return std::equal(mix.begin(), mix.end(), pcm) ? id : 0;
}

// A link's frame that carries something to hear; nullptr for silence.
const int16_t* audible_link_pcm(const MixerInput& in) {
  if (in.muted || in.pcm == nullptr) return nullptr;
  const int level = in.level >= 0 ? in.level : rfc6464_level(in.pcm, kFrameSamples);
  return level > kLinkAudibleLevel ? nullptr : in.pcm;
}

const MixerInput* find_input(std::span<const MixerInput> inputs, uint64_t id) {
  for (const MixerInput& in : inputs) {
    if (in.id == id) return &in;
  }
  return nullptr;
}

}  // namespace

AudioMixer::AudioMixer(const SpeakerConfig& config) : selector_(config) {
  const auto max = static_cast<size_t>(std::max(config.max_speakers, 0));
  speaker_pcm_.reserve(max);
  personal_limiters_.reserve(max);
}

void AudioMixer::mix(std::span<const MixerInput> inputs, MixResult& out,
                     const int16_t* announcement) {
  select(inputs, out);
  mix_selected(inputs, out, announcement);
}

void AudioMixer::select(std::span<const MixerInput> inputs, MixResult& out) {
  speaker_inputs_.clear();
  for (const MixerInput& in : inputs) {
    if (in.link) continue;
    SpeakerInput& s = speaker_inputs_.emplace_back();
    s.id = in.id;
    s.muted = in.muted;
    s.has_audio = in.pcm != nullptr || in.deferred;
    if (!s.has_audio || in.muted) {  // the selector ignores a muted level: skip measuring
      s.level = kSilentLevel;
    } else if (in.level >= 0) {
      s.level = std::min(in.level, kSilentLevel);
    } else {
      s.level = rfc6464_level(in.pcm, kFrameSamples);
    }
  }

  const std::vector<uint64_t>& selected = selector_.update(speaker_inputs_);
  out.speakers.assign(selected.begin(), selected.end());
  const std::vector<TalkChange>& changes = selector_.talk_changes();
  out.talk_changes.assign(changes.begin(), changes.end());
}

uint64_t AudioMixer::lone_deferred(std::span<const MixerInput> inputs, const MixResult& out,
                                   bool announcing) const {
  if (announcing) return 0;
  uint64_t lone = 0;
  int heard = 0;
  for (uint64_t id : out.speakers) {
    const MixerInput* in = find_input(inputs, id);
    if (in == nullptr || (in->pcm == nullptr && !in->deferred)) continue;
    ++heard;
    if (in->deferred && in->pcm == nullptr) lone = id;
  }
  for (const MixerInput& in : inputs) {
    if (in.link && audible_link_pcm(in) != nullptr) ++heard;
  }
  return heard == 1 ? lone : 0;
}

void AudioMixer::mix_selected(std::span<const MixerInput> inputs, MixResult& out,
                              const int16_t* announcement) {
  // Few speakers, many inputs: a linear look-up per speaker beats building a map.
  speaker_pcm_.clear();
  mixed_.assign(out.speakers.begin(), out.speakers.end());
  int contributors = 0;
  const MixerInput* lone = nullptr;
  for (uint64_t id : out.speakers) {
    const MixerInput* in = find_input(inputs, id);
    const int16_t* pcm = in != nullptr ? in->pcm : nullptr;
    if (pcm == nullptr && in != nullptr && in->deferred) lone = in;
    speaker_pcm_.push_back(pcm);
    if (pcm != nullptr) ++contributors;
  }
  for (const MixerInput& in : inputs) {
    if (!in.link) continue;
    const int16_t* pcm = audible_link_pcm(in);
    mixed_.push_back(in.id);
    speaker_pcm_.push_back(pcm);
    if (pcm != nullptr) ++contributors;
  }
  std::erase_if(personal_limiters_, [this](const auto& entry) {
    return std::find(mixed_.begin(), mixed_.end(), entry.first) == mixed_.end();
  });
  out.personal.resize(mixed_.size());
  if (lone != nullptr && contributors == 0 && announcement == nullptr) {
    // The lone speaker's packet is every mix there is: nothing to sum, limit or measure.
    out.pcm = false;
    out.common_silent = false;
    out.common_level = lone->level;
    out.common_only = lone->id;
    for (size_t k = 0; k < mixed_.size(); ++k) {
      PersonalMix& p = out.personal[k];
      p.id = mixed_[k];
      p.silent = p.id == lone->id;
      p.level = p.silent ? kSilentLevel : lone->level;
      p.only = p.silent ? 0 : lone->id;
      if (p.silent) p.pcm.fill(0);  // its silence tail may still be encoded
    }
    return;
  }
  out.pcm = true;

  // Sums of at most a few int16 frames are exact in float, so mix-minus below
  // the limiter threshold is bit-exact.
  bus_.fill(0.0f);
  for (const int16_t* pcm : speaker_pcm_) {
    if (pcm == nullptr) continue;
    for (int i = 0; i < kFrameSamples; ++i) bus_[i] += static_cast<float>(pcm[i]);
  }
  if (announcement != nullptr) {
    for (int i = 0; i < kFrameSamples; ++i) bus_[i] += static_cast<float>(announcement[i]);
  }
  const int others = announcement != nullptr ? 1 : 0;  // heard by every speaker too
  common_limiter_.process(bus_.data(), out.common.data(), kFrameSamples);
  out.common_silent = contributors + others == 0;
  out.common_level =
      out.common_silent ? kSilentLevel : rfc6464_level(out.common.data(), kFrameSamples);
  // With a single contributor, the first mixed input (speaker or link) with a frame is the one.
  size_t first = 0;
  while (first < speaker_pcm_.size() && speaker_pcm_[first] == nullptr) ++first;
  out.common_only = first < speaker_pcm_.size() ? only_input(contributors + others, mixed_[first],
                                                             speaker_pcm_[first], out.common)
                                                : 0;
  for (size_t k = 0; k < mixed_.size(); ++k) {
    PersonalMix& p = out.personal[k];
    p.id = mixed_[k];
    const int16_t* own = speaker_pcm_[k];
    if (own != nullptr) {
      for (int i = 0; i < kFrameSamples; ++i) scratch_[i] = bus_[i] - static_cast<float>(own[i]);
    } else {
      scratch_ = bus_;
    }
    std::unique_ptr<SoftLimiter>& limiter = personal_limiters_[p.id];
    if (!limiter) limiter = std::make_unique<SoftLimiter>();
    limiter->process(scratch_.data(), p.pcm.data(), kFrameSamples);
    const int heard = contributors + others - (own != nullptr ? 1 : 0);
    p.silent = heard == 0;
    p.level = p.silent ? kSilentLevel : rfc6464_level(p.pcm.data(), kFrameSamples);
    p.only = 0;
    for (size_t j = 0; j < speaker_pcm_.size() && heard == 1; ++j) {
      if (j != k && speaker_pcm_[j] != nullptr) {
        p.only = only_input(heard, mixed_[j], speaker_pcm_[j], p.pcm);
      }
    }
  }
}

void AudioMixer::remove(uint64_t id) {
  selector_.remove(id);
  personal_limiters_.erase(id);
}

}  // namespace mcu
