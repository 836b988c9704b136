// Adaptive jitter buffer for one audio sender (one SSRC at a time).
//
// Packets go in from the network thread; the mixer pops one packet's worth of
// audio per tick. The target depth follows the RFC 3550 interarrival jitter
// estimate, between min and max frames; when the buffer holds more than the
// target for a while it drops the oldest packet to bring latency back down.
// A link's buffer (config.link) also sheds what its steady cadence does not
// need: see pop().
// The caller serialises access (one mutex per participant).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mcu {

struct JitterBufferConfig {
  int clock_rate = 48000;
  int frame_samples = 960;  // nominal packet duration (20 ms)
  int min_delay_frames = 1;
  int max_delay_frames = 10;
  int capacity = 64;      // slots; a sequence jump beyond this resets
  int max_concealed = 3;  // consecutive underrun frames concealed before going idle
  // A link from another instance: one packet every 20 ms on a LAN, which needs
  // no more delay than the phase between the two instances' ticks.
  bool link = false;
};

struct JitterBufferStats {
  uint64_t received = 0;
  uint64_t duplicates = 0;
  uint64_t late = 0;       // arrived after their playout time
  uint64_t lost = 0;       // never arrived in time (concealed)
  uint64_t dropped = 0;    // dropped to reduce latency or on overflow
  uint64_t resets = 0;     // SSRC change, sequence or timestamp jump
  uint64_t malformed = 0;  // empty or oversized payloads
};

// kReset: accepted after dropping everything (SSRC change, sequence or
// timestamp jump). kRejected: empty or oversized payload.
enum class InsertResult { kAccepted, kReset, kDuplicate, kLate, kRejected };

enum class PopKind {
  kPacket,  // `payload` holds the next packet
  kLost,    // the next packet is missing: conceal; `fec` holds the following packet if buffered
  kIdle,    // nothing to play (not started, or underrun went on too long)
};

class JitterBuffer {
 public:
  explicit JitterBuffer(const JitterBufferConfig& config = {});

  // arrival_us: monotonic arrival time. audio_level: RFC 6464 value or -1.
  InsertResult insert(uint32_t ssrc, uint16_t seq, uint32_t timestamp, const uint8_t* payload,
                      size_t len, int audio_level, int64_t arrival_us);

  // Takes the audio for the tick at now_us (monotonic). Payload bytes are copied into `payload`
  // (and, for kLost with FEC available, the following packet into `fec`), so the
  // caller can decode after releasing its lock. No allocation in steady state.
  // A link's buffer drops its oldest packets once the packets after them have,
  // for a while, always been here in time for a tick before their own (and
  // they are quiet, when levels are known): the delay then comes back down to
  // the one tick's wait that the arrival phase needs.
  PopKind pop(std::vector<uint8_t>& payload, std::vector<uint8_t>& fec, bool* has_fec,
              int* audio_level, int64_t now_us);

  void reset();

  int target_delay_frames() const { return target_frames_; }
  int buffered_packets() const { return buffered_; }
  double jitter_ms() const;
  const JitterBufferStats& stats() const { return stats_; }

 private:
  struct Slot {
    bool used = false;    // holds a packet waiting for playout
    bool played = false;  // ext_seq was played from this slot (tells duplicates from late)
    uint64_t ext_seq = 0;
    int audio_level = -1;
    int64_t arrival_us = 0;
    std::vector<uint8_t> data;
  };

  Slot& slot_for(uint64_t ext_seq) { return slots_[ext_seq % slots_.size()]; }
  uint64_t extend_seq(uint16_t seq) const;
  void update_jitter(uint32_t timestamp, int64_t arrival_us);
  void clear_slots();
  void restart(uint32_t ssrc, uint16_t seq, uint32_t timestamp);
  void store(uint64_t ext_seq, const uint8_t* payload, size_t len, int audio_level,
             int64_t arrival_us);
  void shed_link_delay(int64_t now_us);
  void drop_oldest();
  void release_below(uint64_t ext_seq);
  bool lowest_buffered(uint64_t* ext_seq) const;

  JitterBufferConfig config_;
  std::vector<Slot> slots_;
  JitterBufferStats stats_;
  bool have_stream_ = false;
  bool started_ = false;  // something was played: next_ext_seq_ bounds what is late
  bool playing_ = false;
  uint32_t ssrc_ = 0;
  uint64_t highest_ext_seq_ = 0;
  uint64_t next_ext_seq_ = 0;  // next to play (valid once started_)
  uint32_t highest_timestamp_ = 0;
  int buffered_ = 0;
  int concealed_run_ = 0;
  int over_target_ticks_ = 0;
  int early_ticks_ = 0;  // link: ticks in a row that could have played a packet earlier
  int shed_frames_ = 0;  // link: how much earlier, at least, over those ticks
  int target_frames_ = 1;
  // RFC 3550 jitter, in timestamp units, scaled by 16 as in the RFC's integer form.
  int64_t jitter_q4_ = 0;
  bool have_transit_ = false;
  uint32_t last_transit_ = 0;
};

}  // namespace mcu
