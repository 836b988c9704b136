// The glue's SDP handling (matrix-glue/src/core/sdp_streams.*, call_content.*): the streams an
// answer sends, and the m.call.answer / m.call.negotiate contents built around it.
#include <jansson.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "call_content.h"
#include "fuzz_check.h"
#include "sdp_streams.h"

namespace {

using JsonPtr = std::unique_ptr<json_t, decltype(&json_decref)>;

// Text jansson takes as a string value: UTF-8 without NUL.
bool json_safe(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;
  JsonPtr s(json_stringn(text.data(), text.size()), &json_decref);
  return s != nullptr;
}

// The content is a JSON object (an SDP with NUL bytes gives \u0000) carrying the SDP unchanged
// under `key` and one metadata entry per stream.
void check_content(const std::string& content, const char* key, std::string_view sdp,
                   const std::vector<glue::SdpStream>& streams) {
  json_error_t error;
  JsonPtr j(json_loadb(content.data(), content.size(), JSON_ALLOW_NUL, &error), &json_decref);
  fuzz::check(j != nullptr && json_is_object(j.get()), "call content is not a JSON object");
  if (!json_safe(sdp)) return;
  const json_t* description = json_object_get(j.get(), key);
  const json_t* text = json_object_get(description, "sdp");
  fuzz::check(json_is_string(text) && json_string_length(text) == sdp.size() &&
                  std::memcmp(json_string_value(text), sdp.data(), sdp.size()) == 0,
              "call content does not carry the SDP unchanged");
  const json_t* meta = json_object_get(j.get(), "sdp_stream_metadata");
  fuzz::check(json_is_object(meta) && json_object_size(meta) == streams.size(),
              "sdp_stream_metadata does not list every stream once");
  for (const glue::SdpStream& s : streams) {
    const json_t* m = json_object_get(meta, s.id.c_str());
    fuzz::check(json_is_object(m), "a stream is missing from sdp_stream_metadata");
    fuzz::check(json_is_true(json_object_get(m, "audio_muted")) == !s.sends_audio &&
                    json_is_true(json_object_get(m, "video_muted")) == !s.sends_video,
                "sdp_stream_metadata contradicts the SDP");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view sdp(reinterpret_cast<const char*>(data), size);
  const std::vector<glue::SdpStream> streams = glue::sdp_streams(sdp);
  for (size_t i = 0; i < streams.size(); ++i) {
    fuzz::check(!streams[i].id.empty() && streams[i].id != "-", "empty or \"-\" stream ID");
    fuzz::check(streams[i].id.find(' ') == std::string::npos, "stream ID with a space");
    for (size_t k = 0; k < i; ++k)
      fuzz::check(streams[k].id != streams[i].id, "stream listed twice");
  }
  const glue::CallIdentity id{"call-1", 1, "focus-party"};
  check_content(glue::answer_content(id, sdp), "answer", sdp, streams);
  check_content(glue::negotiate_answer_content(id, sdp), "description", sdp, streams);
  return 0;
}
