// A plain RTP/UDP participant's transport: a local socket from the configured
// port range, the remote address it sends the mix to, and the reading of what
// the remote sends (through the UdpReactor), from that remote only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "room_audio.h"

namespace conf {

struct PlainRtpSettings {
  std::string local_ip;  // empty: the local address that routes to the remote
  // Below both Janus' usual media range (its sample's 20000-40000) and Linux'
  // ephemeral ports (32768-60999, what Janus takes without a range), so the
  // plugin and the core do not compete for ports.
  uint16_t port_min = 10000;
  uint16_t port_max = 19999;
};

class PlainRtpEndpoint : public mcu::AudioOutput {
 public:
  // Opens and binds the socket; on failure `error` says why and ok() is false.
  // remote_port 0 (a link's join): the far port is not known yet; nothing is
  // sent and everything received is foreign until set_remote().
  PlainRtpEndpoint(const PlainRtpSettings& settings, const std::string& remote_ip,
                   uint16_t remote_port, std::string* error);
  ~PlainRtpEndpoint() override;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& local_ip() const { return local_ip_; }
  uint16_t local_port() const { return local_port_; }

  void send(const uint8_t* packet, size_t len, int level) override;

  // A new far end, of the family of the local socket; false and `error` otherwise.
  bool set_remote(const std::string& ip, uint16_t port, std::string* error);

  // Reads the next datagram into `buf`: its size, 0 when it came from anyone
  // but the declared remote (dropped and counted), -1 when nothing is left to
  // read. Datagrams from any other address or port are dropped (as AudioBridge's connect() would
  // drop them), so that nobody can speak into the room through someone else's port.
  ssize_t receive(uint8_t* buf, size_t capacity);
  uint64_t foreign_dropped() const { return foreign_dropped_; }

  uint64_t packets_sent() const { return sent_; }
  uint64_t send_errors() const { return send_errors_; }

 private:
  int fd_ = -1;
  // Set by a link's configure while the mixer sends and the reactor reads.
  mutable std::mutex remote_mutex_;
  sockaddr_storage remote_{};  // guarded by remote_mutex_
  socklen_t remote_len_ = 0;   // guarded by remote_mutex_; 0: no far port yet
  std::string local_ip_;
  uint16_t local_port_ = 0;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> send_errors_{0};
  std::atomic<uint64_t> foreign_dropped_{0};
};

}  // namespace conf
