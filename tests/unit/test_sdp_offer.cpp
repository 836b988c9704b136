// The plugin's own SDP offer (join with generate_offer), line by line.
#include <string>
#include <vector>

#include "sdp_offer.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

std::vector<std::string> lines_of(const std::string& sdp) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < sdp.size()) {
    const size_t end = sdp.find("\r\n", start);
    assert_true(end != std::string::npos);  // every line ends in CRLF
    lines.push_back(sdp.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// The lines of the m-section that starts with `m_prefix` (empty if none).
std::vector<std::string> section(const std::vector<std::string>& lines, const char* m_prefix) {
  std::vector<std::string> out;
  bool in = false;
  for (const auto& line : lines) {
    if (line.rfind("m=", 0) == 0) in = line.rfind(m_prefix, 0) == 0;
    if (in) out.push_back(line);
  }
  return out;
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
  for (const auto& l : lines)
    if (l == line) return true;
  return false;
}

void test_audio_offer(void** /*state*/) {
  const auto lines = lines_of(conf::make_sdp_offer({.session_id = 4242}));
  assert_true(lines.size() > 4);
  assert_string_equal(lines[0].c_str(), "v=0");
  assert_string_equal(lines[1].c_str(), "o=- 4242 1 IN IP4 0.0.0.0");
  assert_true(has(lines, "s=Conference"));
  assert_true(has(lines, "t=0 0"));
  const auto audio = section(lines, "m=audio ");
  assert_string_equal(audio.at(0).c_str(), "m=audio 9 UDP/TLS/RTP/SAVPF 111");
  for (const char* line :
       {"a=sendrecv", "a=mid:0", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 useinbandfec=1",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level"}) {
    if (!has(audio, line)) fail_msg("audio section lacks %s", line);
  }
  assert_true(section(lines, "m=video").empty());
  assert_int_equal(conf::kOfferOpusPayloadType, 111);
  assert_int_equal(conf::kOfferAudioLevelExtId, 2);
}

void test_audio_level_extension_optional(void** /*state*/) {
  const auto lines = lines_of(conf::make_sdp_offer({.session_id = 1, .audio_level_ext = false}));
  const auto audio = section(lines, "m=audio ");
  assert_true(has(audio, "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid"));
  for (const auto& line : lines) assert_true(line.find("ssrc-audio-level") == std::string::npos);
}

void test_video_offer(void** /*state*/) {
  const auto lines = lines_of(conf::make_sdp_offer({.session_id = 7, .video = true}));
  assert_int_equal(section(lines, "m=audio ").size() > 0, 1);
  const auto video = section(lines, "m=video ");
  assert_string_equal(video.at(0).c_str(), "m=video 9 UDP/TLS/RTP/SAVPF 96");
  for (const char* line :
       {"a=sendrecv", "a=mid:1", "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack",
        "a=rtcp-fb:96 nack pli", "a=rtcp-fb:96 ccm fir", "a=rtcp-fb:96 goog-remb",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid"}) {
    if (!has(video, line)) fail_msg("video section lacks %s", line);
  }
  // Audio first, video second: the order the mids name.
  size_t audio_at = 0;
  size_t video_at = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("m=audio", 0) == 0) audio_at = i;
    if (lines[i].rfind("m=video", 0) == 0) video_at = i;
  }
  assert_true(audio_at < video_at);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_audio_offer),
      cmocka_unit_test(test_audio_level_extension_optional),
      cmocka_unit_test(test_video_offer),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
