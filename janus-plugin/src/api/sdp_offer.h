// The SDP offer the plugin makes when it calls a peer (join with
// generate_offer): what our answers accept, offered instead of answered.
// Janus' core adds ICE, DTLS and candidates before it reaches the peer.
#pragma once

#include <cstdint>
#include <string>

namespace conf {

struct SdpOfferSpec {
  uint64_t session_id = 1;  // the o= line's; below 2^63
  bool audio_level_ext = true;
  bool video = false;
};

// Payload types and header extension IDs of our offers; a peer's answer may
// still say otherwise, so read them from it.
inline constexpr int kOfferOpusPayloadType = 111;
inline constexpr int kOfferVp8PayloadType = 96;
inline constexpr int kOfferMidExtId = 1;
inline constexpr int kOfferAudioLevelExtId = 2;

// Audio: Opus 48000/2 sendrecv with in-band FEC, the mid extension and, with
// audio_level_ext, RFC 6464 levels. Video: VP8 sendrecv with NACK, PLI, FIR
// and REMB feedback.
std::string make_sdp_offer(const SdpOfferSpec& spec);

}  // namespace conf
