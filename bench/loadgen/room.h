// The plugin-level requests the benchmark makes: create a room, join plain-RTP
// participants, read the mixer counters, destroy the room. Requests have the
// same shape for janus.plugin.conference and janus.plugin.audiobridge.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "janus_http.h"
#include "rtp_io.h"

namespace loadgen {

struct MixerCounters {
  bool present = false;  // only our plugin reports them
  std::string error;     // why they could not be read
  int64_t ticks = 0, late_ticks = 0, missed_ticks = 0, encodes = 0, max_tick_us = 0;
};

class Room {
 public:
  Room(JanusHttp& janus, std::string plugin) : janus_(janus), plugin_(std::move(plugin)) {}

  bool create(std::string* error);
  // Attaches a handle per participant and joins it with its RTP address; on
  // return each participant knows the plugin's RTP socket.
  bool join_all(std::span<Participant> ps, double timeout_s, std::string* error);
  bool counters(MixerCounters* out, std::string* error);
  bool destroy(std::string* error);
  uint64_t id() const { return room_; }

 private:
  JanusHttp& janus_;
  std::string plugin_;
  uint64_t control_ = 0;
  uint64_t room_ = 0;
};

}  // namespace loadgen
