// The media streams an SDP sends (from its `a=msid` lines), for `sdp_stream_metadata`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace glue {

struct SdpStream {
  std::string id;  // the msid stream ID
  bool sends_audio = false;
  bool sends_video = false;
};

// In order of first appearance. A stream "sends" a kind when one of its m-sections of that
// kind has a non-zero port and direction sendrecv or sendonly.
std::vector<SdpStream> sdp_streams(std::string_view sdp);

}  // namespace glue
