// The Application Service registration file the homeserver loads.
#pragma once

#include <string>

namespace glue {

struct Registration {
  std::string id = "matrix-glue";
  std::string url;  // where the homeserver reaches the glue
  std::string as_token;
  std::string hs_token;
  std::string sender_localpart = "conference-bot";
  std::string server_name;
  std::string prefix = "fs_";
};

// YAML text; the user namespace is exclusive and covers every focus user.
std::string registration_yaml(const Registration& r);
// A random token (hex of 32 bytes from the kernel's CSPRNG).
std::string random_token();

}  // namespace glue
