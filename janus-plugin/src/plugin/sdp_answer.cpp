#include "sdp_answer.h"

#include "janus_api.h"

namespace conf {

bool answer_offer(const char* offer_text, bool audio_level_ext, SdpAnswer* out,
                  std::string* error) {
  char parse_error[200] = {0};
  janus_sdp* offer = janus_sdp_parse(offer_text, parse_error, sizeof(parse_error));
  if (offer == nullptr) {
    *error = std::string("Invalid SDP offer: ") + parse_error;
    return false;
  }
  janus_sdp* answer = janus_sdp_generate_answer(offer);
  bool audio_done = false;
  for (GList* l = offer->m_lines; l != nullptr; l = l->next) {
    auto* m = static_cast<janus_sdp_mline*>(l->data);
    const bool take = !audio_done && m->type == JANUS_SDP_AUDIO && m->port > 0 &&
                      janus_sdp_get_codec_pt(offer, m->index, "opus") >= 0;
    if (take) {
      audio_done = true;
      // RFC 6464 levels let the mixer pick speakers without decoding them.
      const char* level_ext = audio_level_ext ? JANUS_RTP_EXTMAP_AUDIO_LEVEL : JANUS_RTP_EXTMAP_MID;
      janus_sdp_generate_answer_mline(offer, answer, m, JANUS_SDP_OA_MLINE, JANUS_SDP_AUDIO,
                                      JANUS_SDP_OA_CODEC, "opus", JANUS_SDP_OA_DIRECTION,
                                      JANUS_SDP_SENDRECV, JANUS_SDP_OA_FMTP, "useinbandfec=1",
                                      JANUS_SDP_OA_ACCEPT_EXTMAP, JANUS_RTP_EXTMAP_MID,
                                      JANUS_SDP_OA_ACCEPT_EXTMAP, level_ext, JANUS_SDP_OA_DONE);
    } else {
      janus_sdp_generate_answer_mline(offer, answer, m, JANUS_SDP_OA_MLINE, m->type,
                                      JANUS_SDP_OA_ENABLED, FALSE, JANUS_SDP_OA_DONE);
    }
  }
  if (!audio_done) {
    janus_sdp_destroy(offer);
    janus_sdp_destroy(answer);
    *error = "The offer has no audio m-line with Opus";
    return false;
  }
  g_free(answer->s_name);
  answer->s_name = g_strdup("Conference");
  out->opus_payload_type = janus_sdp_get_codec_pt(answer, -1, "opus");
  char* text = janus_sdp_write(answer);
  out->sdp = text != nullptr ? text : "";
  g_free(text);
  janus_sdp_destroy(offer);
  janus_sdp_destroy(answer);
  if (out->sdp.empty() || out->opus_payload_type < 0) {
    *error = "Could not write the SDP answer";
    return false;
  }
  return true;
}

}  // namespace conf
