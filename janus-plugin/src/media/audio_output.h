// Where outgoing audio RTP goes: a participant's PeerConnection or plain-RTP
// socket, or a forwarder's destination.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mcu {

// send() runs on the mixer thread and must not block.
class AudioOutput {
 public:
  virtual ~AudioOutput() = default;
  // packet: a complete RTP packet; level: RFC 6464 level of the audio in it.
  virtual void send(const uint8_t* packet, size_t len, int level) = 0;
  // Nothing for this output in this tick; an output that holds packets back
  // lets them go now.
  virtual void idle() {}
};

}  // namespace mcu
