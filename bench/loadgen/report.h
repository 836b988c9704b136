// What one run measured, and how it is printed (JSON for scripts, text for people).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "burst_detect.h"
#include "room.h"
#include "rtp_io.h"

namespace loadgen {

struct RunReport {
  std::string plugin;
  uint64_t room = 0;  // the first room
  int rooms = 1;
  int participants = 0;  // in all rooms
  int talkers = 0;
  double seconds = 0;
  double warmup = 0;
  double join_seconds = 0;

  double cpu_seconds = -1;  // Janus process over the window; -1 = not measured
  long janus_rss_kb = -1;   // at the end of the window
  long janus_threads = -1;

  uint64_t expected_per_participant = 0;
  std::vector<uint64_t> received;  // per participant, in the window
  uint64_t malformed = 0;

  MixerCounters mixer;  // difference over the window

  BurstReference reference;
  std::vector<BurstObservation> bursts;

  SenderResult sender;
  std::string silent_frame;
  uint64_t janus_events = 0;
};

void print_json(const RunReport& r);
void print_text(const RunReport& r);

}  // namespace loadgen
