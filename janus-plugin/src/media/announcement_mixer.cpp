#include "announcement_mixer.h"

#include <algorithm>

#include "opus_codec.h"

namespace mcu {

bool AnnouncementMixer::play(const std::string& id, std::shared_ptr<const Pcm> pcm, bool loop) {
  std::lock_guard lock(mutex_);
  return playing_.try_emplace(id, Playback{std::move(pcm), 0, loop}).second;
}

bool AnnouncementMixer::stop(const std::string& id) {
  std::lock_guard lock(mutex_);
  return playing_.erase(id) > 0;
}

bool AnnouncementMixer::playing(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return playing_.count(id) > 0;
}

size_t AnnouncementMixer::count() const {
  std::lock_guard lock(mutex_);
  return playing_.size();
}

bool AnnouncementMixer::next_frame(int16_t* out, std::vector<std::string>* ended) {
  std::lock_guard lock(mutex_);
  if (playing_.empty()) return false;
  sum_.assign(kFrameSamples, 0);
  for (auto it = playing_.begin(); it != playing_.end();) {
    Playback& p = it->second;
    const Pcm& pcm = *p.pcm;
    for (int i = 0; i < kFrameSamples; ++i) {
      if (p.position == pcm.size()) {
        if (!p.loop) break;
        p.position = 0;
      }
      sum_[static_cast<size_t>(i)] += pcm[p.position++];
    }
    if (p.position == pcm.size() && !p.loop) {
      ended->push_back(it->first);
      it = playing_.erase(it);
    } else {
      ++it;
    }
  }
  for (int i = 0; i < kFrameSamples; ++i)
    out[i] = static_cast<int16_t>(std::clamp(sum_[static_cast<size_t>(i)], -32768, 32767));
  return true;
}

}  // namespace mcu
