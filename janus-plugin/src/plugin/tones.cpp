#include "tones.h"

#include "tone_pattern.h"

namespace conf {

std::shared_ptr<const mcu::Pcm> join_tone_pcm() {
  static const auto pcm = std::make_shared<const mcu::Pcm>(mcu::join_tone());
  return pcm;
}

std::shared_ptr<const mcu::Pcm> leave_tone_pcm() {
  static const auto pcm = std::make_shared<const mcu::Pcm>(mcu::leave_tone());
  return pcm;
}

}  // namespace conf
