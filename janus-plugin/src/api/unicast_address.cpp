#include "unicast_address.h"

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>

namespace conf {

namespace {

bool is_unicast_v4(uint32_t a) {
  const uint32_t top = a >> 24;
  // 0.0.0.0/8 "this network", 224.0.0.0/4 multicast, 240.0.0.0/4 reserved
  // (with 255.255.255.255 in it).
  return top != 0 && top < 224;
}

}  // namespace

bool is_unicast_address(const std::string& ip) {
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) return is_unicast_v4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_UNSPECIFIED(&v6) || IN6_IS_ADDR_MULTICAST(&v6)) return false;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    uint32_t a = 0;
    std::memcpy(&a, &v6.s6_addr[12], sizeof(a));
    return is_unicast_v4(ntohl(a));
  }
  return true;
}

}  // namespace conf
