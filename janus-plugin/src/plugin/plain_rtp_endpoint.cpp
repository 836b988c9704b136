#include "plain_rtp_endpoint.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "socket_address.h"

namespace conf {

namespace {

std::atomic<uint32_t> next_port_offset{0};

// The address this host would use to reach `remote` (no packet is sent).
std::string route_source(const sockaddr_storage& remote, socklen_t len) {
  int probe = socket(remote.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return {};
  std::string result;
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  if (connect(probe, reinterpret_cast<const sockaddr*>(&remote), len) == 0 &&
      getsockname(probe, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    char buf[INET6_ADDRSTRLEN] = {0};
    const void* addr =
        local.ss_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&local)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr);
    if (inet_ntop(local.ss_family, addr, buf, sizeof(buf)) != nullptr) result = buf;
  }
  close(probe);
  return result;
}

bool same_endpoint(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto& x = reinterpret_cast<const sockaddr_in&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
  const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
  return x.sin6_port == y.sin6_port &&
         std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof(x.sin6_addr)) == 0;
}

}  // namespace

PlainRtpEndpoint::PlainRtpEndpoint(const PlainRtpSettings& settings, const std::string& remote_ip,
                                   uint16_t remote_port, std::string* error) {
  // Without a far port yet, the route to the far address still picks the local one.
  constexpr uint16_t kProbePort = 9;
  if (!resolve_numeric(remote_ip, remote_port != 0 ? remote_port : kProbePort, &remote_,
                       &remote_len_)) {
    *error = "rtp.ip must be a numeric IPv4/IPv6 address and rtp.port a port number";
    return;
  }
  local_ip_ = settings.local_ip.empty() ? route_source(remote_, remote_len_) : settings.local_ip;
  if (remote_port == 0) remote_len_ = 0;
  sockaddr_storage local{};
  socklen_t local_len = 0;
  if (local_ip_.empty() || !resolve_numeric(local_ip_, 0, &local, &local_len) ||
      local.ss_family != remote_.ss_family) {
    *error = "no local address of the remote's family to receive RTP on";
    return;
  }
  int fd = socket(local.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return;
  }
  // Even ports only, as RTP convention has it; start where the last one ended
  // so that a port just released is not reused at once.
  const uint32_t span = (settings.port_max - settings.port_min) / 2 + 1;
  for (uint32_t i = 0; i < span; ++i) {
    const uint32_t offset = (next_port_offset.fetch_add(1) % span) * 2;
    const uint16_t port = static_cast<uint16_t>(settings.port_min + offset);
    if (local.ss_family == AF_INET) {
      reinterpret_cast<sockaddr_in*>(&local)->sin_port = htons(port);
    } else {
      reinterpret_cast<sockaddr_in6*>(&local)->sin6_port = htons(port);
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), local_len) == 0) {
      fd_ = fd;
      local_port_ = port;
      return;
    }
  }
  close(fd);
  *error = "no free UDP port in rtp_port_range";
}

PlainRtpEndpoint::~PlainRtpEndpoint() {
  if (fd_ >= 0) close(fd_);
}

ReceiveBatch::ReceiveBatch() {
  for (size_t i = 0; i < kSize; ++i) {
    iov_[i] = {buffers_[i].data(), kCapacity};
    headers_[i].msg_hdr.msg_iov = &iov_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
}

std::span<const uint8_t> ReceiveBatch::operator[](size_t i) const {
  const size_t k = kept_index_[i];
  return {buffers_[k].data(), headers_[k].msg_len};
}

bool PlainRtpEndpoint::receive(ReceiveBatch* batch) {
  batch->kept_ = 0;
  batch->read_ = 0;
  for (size_t i = 0; i < ReceiveBatch::kSize; ++i) {
    batch->headers_[i].msg_hdr.msg_name = &batch->from_[i];
    batch->headers_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
  }
  const int n = recvmmsg(fd_, batch->headers_.data(), ReceiveBatch::kSize, MSG_DONTWAIT, nullptr);
  if (n <= 0) return false;
  batch->read_ = static_cast<size_t>(n);
  std::lock_guard lock(remote_mutex_);
  for (size_t i = 0; i < batch->read_; ++i) {
    if (remote_len_ > 0 && same_endpoint(batch->from_[i], remote_)) {
      batch->kept_index_[batch->kept_++] = static_cast<uint8_t>(i);
    } else {
      ++foreign_dropped_;
    }
  }
  return true;
}

bool PlainRtpEndpoint::set_remote(const std::string& ip, uint16_t port, std::string* error) {
  sockaddr_storage remote{};
  socklen_t len = 0;
  if (port == 0 || !resolve_numeric(ip, port, &remote, &len)) {
    *error = "rtp.ip must be a numeric IPv4/IPv6 address and rtp.port a port number";
    return false;
  }
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
      local.ss_family != remote.ss_family) {
    *error = "rtp.ip is not of the family of the link's local address " + local_ip_;
    return false;
  }
  std::lock_guard lock(remote_mutex_);
  remote_ = remote;
  remote_len_ = len;
  return true;
}

void PlainRtpEndpoint::send(const uint8_t* packet, size_t len, int /*level*/) {
  ssize_t n = 0;
  {
    std::lock_guard lock(remote_mutex_);
    if (remote_len_ == 0) return;  // a link whose far port is not known yet
    n = sendto(fd_, packet, len, 0, reinterpret_cast<const sockaddr*>(&remote_), remote_len_);
  }
  if (n < 0) {
    ++send_errors_;
  } else {
    ++sent_;
  }
}

}  // namespace conf
