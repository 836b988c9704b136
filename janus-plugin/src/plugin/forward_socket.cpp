#include "forward_socket.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "socket_address.h"

namespace conf {

std::shared_ptr<ForwardSocket> ForwardSocket::open(const std::string& host, uint16_t port,
                                                   std::string* error) {
  sockaddr_storage remote{};
  socklen_t len = 0;
  if (!resolve_numeric(host, port, &remote, &len)) {
    *error = "not a numeric address: " + host;
    return nullptr;
  }
  const int fd = socket(remote.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return nullptr;
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&remote), len) != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    close(fd);
    return nullptr;
  }
  return std::shared_ptr<ForwardSocket>(new ForwardSocket(fd));
}

ForwardSocket::~ForwardSocket() {
  close(fd_);
}

void ForwardSocket::send(const uint8_t* packet, size_t len, int /*level*/) {
  if (::send(fd_, packet, len, MSG_DONTWAIT | MSG_NOSIGNAL) == static_cast<ssize_t>(len)) {
    ++sent_;
    bytes_ += len;
  } else {
    ++send_errors_;
  }
}

}  // namespace conf
