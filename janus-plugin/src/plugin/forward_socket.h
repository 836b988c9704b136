// A forwarder's transport: a non-blocking UDP socket connected to the
// destination, so the mixer thread never waits on it and errors the kernel
// reports (an ICMP port unreachable comes back as ECONNREFUSED) are counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "audio_output.h"

namespace conf {

class ForwardSocket : public mcu::AudioOutput {
 public:
  // Null with `error` set when the socket cannot be made or connected.
  static std::shared_ptr<ForwardSocket> open(const std::string& host, uint16_t port,
                                             std::string* error);
  ~ForwardSocket() override;
  ForwardSocket(const ForwardSocket&) = delete;
  ForwardSocket& operator=(const ForwardSocket&) = delete;

  void send(const uint8_t* packet, size_t len, int level) override;

  uint64_t packets_sent() const { return sent_; }
  uint64_t bytes_sent() const { return bytes_; }
  uint64_t send_errors() const { return send_errors_; }

 private:
  explicit ForwardSocket(int fd) : fd_(fd) {}

  int fd_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> send_errors_{0};
};

}  // namespace conf
