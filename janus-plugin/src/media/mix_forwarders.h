// A room's RTP forwarders: the common mix (what a listener who is not talking
// hears) sent as Opus RTP to outside destinations, each with its own SSRC,
// sequence numbers and timestamps. Unlike a participant's stream it does not
// stop in silence: a forwarder sends every tick while the room has anyone in
// it (always_on: even while it is empty), so a streaming consumer gets
// continuous timing. Transport is an AudioOutput, so this runs without Janus.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "audio_output.h"

namespace mcu {

struct ForwarderOptions {
  uint32_t ssrc = 0;
  uint8_t payload_type = 100;
  bool always_on = false;
};

class MixForwarders {
 public:
  // The common mix of this tick, encoded on first use: empty if encoding failed.
  using EncodedMix = std::function<std::span<const uint8_t>()>;

  MixForwarders();

  void add(uint32_t id, std::shared_ptr<AudioOutput> output, const ForwarderOptions& options);
  // Returns the forwarder's output once the mixer thread no longer uses it
  // (null if there is no such forwarder), so it can be closed safely.
  std::shared_ptr<AudioOutput> remove(uint32_t id);
  size_t size() const;

  // One mixer tick (mixer thread): tick is the room's tick counter (skipped
  // ticks included, so timestamps keep the wall clock), occupied whether
  // anyone is in the room, level the mix's RFC 6464 level.
  void send(uint64_t tick, bool occupied, int level, const EncodedMix& encoded);

 private:
  struct Forwarder {
    std::shared_ptr<AudioOutput> output;
    ForwarderOptions options;
    uint16_t seq = 0;
    uint32_t ts_base = 0;
    bool sending = false;  // sent last tick; the next after a pause gets the marker bit
  };

  mutable std::mutex mutex_;
  std::map<uint32_t, Forwarder> forwarders_;  // guarded by mutex_
  std::vector<uint8_t> packet_;               // mixer thread only
};

}  // namespace mcu
