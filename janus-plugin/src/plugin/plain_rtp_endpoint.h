// A plain RTP/UDP participant's transport: a local socket from the configured
// port range, the remote address it sends the mix to, and the reading of what
// the remote sends (through the UdpReactor), from that remote only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
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

// Room for the datagrams one receive() call reads: with hundreds of sockets ready every 20 ms,
// a system call per datagram (and one more to learn the queue is empty) was most of the
// reader's time.
class ReceiveBatch {
 public:
  static constexpr size_t kSize = 16;
  static constexpr size_t kCapacity = 1500;

  ReceiveBatch();
  ReceiveBatch(const ReceiveBatch&) = delete;
  ReceiveBatch& operator=(const ReceiveBatch&) = delete;

  // The datagrams from the remote, in arrival order.
  size_t size() const { return kept_; }
  std::span<const uint8_t> operator[](size_t i) const;
  // All the last call read, foreign ones included: fewer than kSize means the queue is empty.
  size_t read() const { return read_; }

 private:
  friend class PlainRtpEndpoint;
  std::array<std::array<uint8_t, kCapacity>, kSize> buffers_{};
  std::array<iovec, kSize> iov_{};
  std::array<sockaddr_storage, kSize> from_{};
  std::array<mmsghdr, kSize> headers_{};
  std::array<uint8_t, kSize> kept_index_{};
  size_t kept_ = 0;
  size_t read_ = 0;
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

  // Reads what is queued, up to a batch, in one system call: false when nothing was. Datagrams
  // from any address or port but the declared remote are dropped and counted (as AudioBridge's
  // connect() would drop them), so that nobody can speak into the room through someone else's
  // port; before set_remote() of a link, everything is foreign.
  bool receive(ReceiveBatch* batch);
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
