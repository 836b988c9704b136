// Where a plain-RTP participant's mix may be sent: one numeric unicast host.
#pragma once

#include <string>

namespace conf {

// False for anything but a numeric IPv4/IPv6 address of one host: the
// unspecified address, multicast, broadcast and the reserved 240.0.0.0/4 would
// have the mix sprayed at a group or at nobody. Loopback is a host.
bool is_unicast_address(const std::string& ip);

}  // namespace conf
