#include "sdp_streams.h"

#include <algorithm>

namespace glue {
namespace {

struct Section {
  std::string_view kind;
  bool port_open = false;
  bool sends = true;  // sendrecv unless an attribute says otherwise
  std::vector<std::string_view> msids;
};

void close_section(const Section& s, std::vector<SdpStream>& out) {
  for (std::string_view id : s.msids) {
    auto it = std::find_if(out.begin(), out.end(), [&](const SdpStream& x) { return x.id == id; });
    if (it == out.end()) it = out.insert(out.end(), SdpStream{std::string(id), false, false});
    const bool sends = s.port_open && s.sends;
    if (s.kind == "audio") it->sends_audio |= sends;
    if (s.kind == "video") it->sends_video |= sends;
  }
}

}  // namespace

std::vector<SdpStream> sdp_streams(std::string_view sdp) {
  std::vector<SdpStream> out;
  Section section;
  bool in_media = false;
  while (!sdp.empty()) {
    const size_t eol = sdp.find('\n');
    std::string_view line = sdp.substr(0, eol);
    sdp = eol == std::string_view::npos ? std::string_view() : sdp.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("m=")) {
      if (in_media) close_section(section, out);
      in_media = true;
      section = Section{};
      const size_t sp = line.find(' ');
      section.kind = line.substr(2, sp == std::string_view::npos ? sp : sp - 2);
      section.port_open = sp != std::string_view::npos && line.substr(sp + 1, 2) != "0 ";
    } else if (in_media && (line == "a=recvonly" || line == "a=inactive")) {
      section.sends = false;
    } else if (in_media && line.starts_with("a=msid:")) {
      std::string_view id = line.substr(7);
      id = id.substr(0, id.find(' '));
      if (!id.empty() && id != "-") section.msids.push_back(id);
    }
  }
  if (in_media) close_section(section, out);
  return out;
}

}  // namespace glue
