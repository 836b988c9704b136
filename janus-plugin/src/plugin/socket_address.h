// A numeric IPv4/IPv6 address and port as a socket address (no DNS lookup).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace conf {

bool resolve_numeric(const std::string& ip, uint16_t port, sockaddr_storage* out, socklen_t* len);

}  // namespace conf
