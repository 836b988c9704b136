// The join and leave tones (room options join_tone, leave_tone), synthesized
// once and shared by every room.
#pragma once

#include <memory>

#include "ogg_opus_reader.h"

namespace conf {

std::shared_ptr<const mcu::Pcm> join_tone_pcm();
std::shared_ptr<const mcu::Pcm> leave_tone_pcm();

}  // namespace conf
