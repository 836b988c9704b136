#include "socket_address.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>

namespace conf {

bool resolve_numeric(const std::string& ip, uint16_t port, sockaddr_storage* out, socklen_t* len) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(ip.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) return false;
  std::memcpy(out, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  if (out->ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(out)->sin_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in6*>(out)->sin6_port = htons(port);
  }
  return true;
}

}  // namespace conf
