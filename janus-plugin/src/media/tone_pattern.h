// Short beep patterns synthesized in code (no file): the join and leave tones
// and the recording-started announcement. Each beep has a 5 ms fade in and out,
// so it starts and stops without a click.
#pragma once

#include <span>

#include "ogg_opus_reader.h"

namespace mcu {

struct Beep {
  double hz = 0;  // 0: silence
  int ms = 0;
};

// 48 kHz mono; amplitude: the beeps' peak (0-32767).
Pcm synthesize_beeps(std::span<const Beep> beeps, int amplitude);

// Rising for a join, falling for a leave, played to the others in the room.
Pcm join_tone();
Pcm leave_tone();
// Played to everyone when a recording starts (the glue's consent notice):
// three rising beeps, twice, about 1.5 s.
Pcm recording_started_tone();

}  // namespace mcu
