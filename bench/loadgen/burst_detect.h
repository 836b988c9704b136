// Finds talker 0's marker bursts in decoded mixes (Goertzel at the marker
// frequency, 2.5 ms blocks) and measures each one's added latency, duration and
// energy against the same analysis of the talker's own decoded stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rtp_io.h"
#include "signal_gen.h"

namespace loadgen {

// The marker as it leaves talker 0 (its own packets, decoded).
struct BurstReference {
  double amplitude = 0;  // median tone amplitude during the burst (full scale = 1)
  double onset_ms = 0;   // onset within the burst's first packet (codec look-ahead)
  double duration_ms = 0;
  double energy = 0;  // tone energy around the burst (arbitrary units)
};

struct BurstObservation {
  int monitor = 0;  // participant index
  bool detected = false;
  double latency_ms = 0;
  double duration_ms = 0;
  double energy_db = 0;  // vs. reference
};

bool analyse_reference(const TalkerStream& talker0, BurstReference* out, std::string* error);

// Bursts sent in [from_ns, to_ns) (realtime) are looked for in each monitored
// participant's mix.
std::vector<BurstObservation> detect_bursts(const std::vector<Participant>& ps,
                                            const std::vector<BurstSend>& bursts,
                                            const BurstReference& ref, int64_t from_ns,
                                            int64_t to_ns);

}  // namespace loadgen
