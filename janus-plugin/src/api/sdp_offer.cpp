#include "sdp_offer.h"

namespace conf {

namespace {

constexpr const char* kMidExt = "urn:ietf:params:rtp-hdrext:sdes:mid";
constexpr const char* kAudioLevelExt = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

std::string media_line(const char* kind, int payload_type, const char* mid) {
  const std::string pt = std::to_string(payload_type);
  return std::string("m=") + kind + " 9 UDP/TLS/RTP/SAVPF " + pt +
         "\r\n"
         "c=IN IP4 0.0.0.0\r\n"
         "a=sendrecv\r\n"
         "a=mid:" +
         mid + "\r\n";
}

std::string extmap(int id, const char* uri) {
  return "a=extmap:" + std::to_string(id) + " " + uri + "\r\n";
}

}  // namespace

std::string make_sdp_offer(const SdpOfferSpec& spec) {
  const std::string opus = std::to_string(kOfferOpusPayloadType);
  std::string sdp = "v=0\r\no=- " + std::to_string(spec.session_id) +
                    " 1 IN IP4 0.0.0.0\r\n"
                    "s=Conference\r\n"
                    "t=0 0\r\n";
  sdp += media_line("audio", kOfferOpusPayloadType, "0");
  sdp += "a=rtpmap:" + opus + " opus/48000/2\r\n";
  sdp += "a=fmtp:" + opus + " useinbandfec=1\r\n";
  sdp += extmap(kOfferMidExtId, kMidExt);
  // Levels let the mixer pick speakers without decoding them.
  if (spec.audio_level_ext) sdp += extmap(kOfferAudioLevelExtId, kAudioLevelExt);
  if (spec.video) {
    const std::string vp8 = std::to_string(kOfferVp8PayloadType);
    sdp += media_line("video", kOfferVp8PayloadType, "1");
    sdp += "a=rtpmap:" + vp8 + " VP8/90000\r\n";
    // Loss recovery, key frames for the compositor and viewers, and REMB.
    for (const char* fb : {"nack", "nack pli", "ccm fir", "goog-remb"})
      sdp += "a=rtcp-fb:" + vp8 + " " + fb + "\r\n";
    sdp += extmap(kOfferMidExtId, kMidExt);
  }
  return sdp;
}

}  // namespace conf
