#include "registration.h"

#include <sys/random.h>

#include <cstdio>
#include <stdexcept>

namespace glue {

namespace {

// A literal string inside a regex: escape what regex syntax gives meaning to.
std::string regex_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// YAML single-quoted scalar.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string random_token() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    const ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n <= 0) throw std::runtime_error("getrandom failed");
    got += static_cast<size_t>(n);
  }
  std::string out;
  char hex[3];
  for (unsigned char b : bytes) {
    snprintf(hex, sizeof(hex), "%02x", b);
    out += hex;
  }
  return out;
}

std::string registration_yaml(const Registration& r) {
  std::string y;
  y += "# Application Service registration for matrix-glue (conference focus users).\n";
  y += "# Add its path to app_service_config_files in the homeserver's configuration.\n";
  y += "id: " + quoted(r.id) + "\n";
  y += "url: " + quoted(r.url) + "\n";
  y += "as_token: " + quoted(r.as_token) + "\n";
  y += "hs_token: " + quoted(r.hs_token) + "\n";
  y += "sender_localpart: " + quoted(r.sender_localpart) + "\n";
  y += "rate_limited: false\n";
  y += "namespaces:\n";
  y += "  users:\n";
  y += "    - exclusive: true\n";
  y +=
      "      regex: " + quoted("@" + regex_escape(r.prefix) + ".*:" + regex_escape(r.server_name)) +
      "\n";
  y += "  aliases: []\n";
  y += "  rooms: []\n";
  return y;
}

}  // namespace glue
