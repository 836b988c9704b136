// Plain RTP on 127.0.0.1: one UDP socket per simulated participant, one
// thread that sends everyone's 20 ms Opus packets at real-time pace, one
// epoll/recvmmsg thread that receives every participant's mix.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "signal_gen.h"

namespace loadgen {

constexpr uint8_t kPayloadType = 111;
constexpr int kAudioLevelExtId = 1;
// A send slot this late (the load generator was not scheduled in time) is
// counted: many of them mean the generator, not the plugin, shaped the timing.
constexpr int64_t kLateSlotUs = 10000;

struct MixPacket {
  uint32_t seq = 0;        // extended sequence number
  int64_t arrival_ns = 0;  // kernel receive time, realtime clock
  std::vector<uint8_t> payload;
};

struct Participant {
  int fd = -1;
  uint16_t local_port = 0;
  sockaddr_in plugin{};      // the plugin's RTP socket for this participant
  int talker = -1;           // index into Signals::talkers, -1 = silent microphone
  bool burst_clock = false;  // its marker bursts' send times are the latency reference
  bool monitored = false;
  // Sender thread only.
  uint32_t ssrc = 0;
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  // Receiver thread only (read after it has stopped).
  uint64_t received = 0;
  uint64_t received_in_window = 0;
  uint64_t malformed = 0;
  std::vector<MixPacket> mix;  // monitored participants only
};

// Binds a UDP socket on 127.0.0.1 (ephemeral port). Returns false with *error.
bool open_participant_socket(Participant* p, bool monitored, std::string* error);
void close_participant_socket(Participant* p);

struct BurstSend {
  int64_t frame = 0;    // frame index since the sender started
  int64_t sent_ns = 0;  // realtime clock, just before sendto
};

struct SenderResult {
  std::vector<BurstSend> bursts;  // the burst clock's burst starts
  uint64_t packets = 0;
  uint64_t errors = 0;
  int64_t max_lag_us = 0;     // worst delay of a send slot behind its schedule
  int64_t max_lag_at_ms = 0;  // when it happened, since the start
  uint64_t late_slots = 0;    // slots more than kLateSlotUs behind
};

// Sends from start_ns until stop_ns (monotonic). Participants are spread over
// 20 one-millisecond slots so they do not all arrive at the same instant;
// participant i is in slot i % 20.
SenderResult run_sender(std::vector<Participant>& ps, const Signals& signals, int64_t start_ns,
                        int64_t stop_ns);

// Receives until `stop` is set. Packets arriving in [window_start_ns,
// window_end_ns) (monotonic) count towards received_in_window.
void run_receiver(std::vector<Participant>& ps, int64_t window_start_ns, int64_t window_end_ns,
                  size_t max_monitored_packets, const std::atomic<bool>& stop);

}  // namespace loadgen
