#include "sdp_answer.h"

#include "janus_api.h"

namespace conf {

namespace {

// Our direction is the offer's, seen from the other end.
janus_sdp_mdirection reverse(janus_sdp_mdirection d) {
  switch (d) {
    case JANUS_SDP_SENDONLY:
      return JANUS_SDP_RECVONLY;
    case JANUS_SDP_RECVONLY:
      return JANUS_SDP_SENDONLY;
    case JANUS_SDP_INACTIVE:
      return JANUS_SDP_INACTIVE;
    default:
      return JANUS_SDP_SENDRECV;
  }
}

}  // namespace

bool answer_offer(const char* offer_text, bool audio_level_ext, bool video, SdpAnswer* out,
                  std::string* error) {
  char parse_error[200] = {0};
  janus_sdp* offer = janus_sdp_parse(offer_text, parse_error, sizeof(parse_error));
  if (offer == nullptr) {
    *error = std::string("Invalid SDP offer: ") + parse_error;
    return false;
  }
  janus_sdp* answer = janus_sdp_generate_answer(offer);
  bool audio_done = false;
  bool video_done = false;
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
    } else if (video && !video_done && m->type == JANUS_SDP_VIDEO && m->port > 0 &&
               janus_sdp_get_codec_pt(offer, m->index, "vp8") >= 0) {
      video_done = true;
      const janus_sdp_mdirection direction = reverse(m->direction);
      out->video_in = direction == JANUS_SDP_SENDRECV || direction == JANUS_SDP_RECVONLY;
      out->video_out = direction == JANUS_SDP_SENDRECV || direction == JANUS_SDP_SENDONLY;
      // The default RTCP feedback (nack, nack pli, ccm fir, goog-remb) is
      // what the compositor relies on: loss recovery, key frames and REMB.
      janus_sdp_generate_answer_mline(offer, answer, m, JANUS_SDP_OA_MLINE, JANUS_SDP_VIDEO,
                                      JANUS_SDP_OA_CODEC, "vp8", JANUS_SDP_OA_DIRECTION, direction,
                                      JANUS_SDP_OA_ACCEPT_EXTMAP, JANUS_RTP_EXTMAP_MID,
                                      JANUS_SDP_OA_DONE);
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
  if (video_done) out->vp8_payload_type = janus_sdp_get_codec_pt(answer, -1, "vp8");
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

bool read_answer(const char* answer_text, bool video_offered, SdpAnswer* out, std::string* error) {
  char parse_error[200] = {0};
  janus_sdp* answer = janus_sdp_parse(answer_text, parse_error, sizeof(parse_error));
  if (answer == nullptr) {
    *error = std::string("Invalid SDP answer: ") + parse_error;
    return false;
  }
  for (GList* l = answer->m_lines; l != nullptr; l = l->next) {
    auto* m = static_cast<janus_sdp_mline*>(l->data);
    if (m->port == 0) continue;
    if (m->type == JANUS_SDP_AUDIO && out->opus_payload_type < 0) {
      out->opus_payload_type = janus_sdp_get_codec_pt(answer, m->index, "opus");
    } else if (video_offered && m->type == JANUS_SDP_VIDEO && out->vp8_payload_type < 0) {
      out->vp8_payload_type = janus_sdp_get_codec_pt(answer, m->index, "vp8");
      if (out->vp8_payload_type < 0) continue;
      const janus_sdp_mdirection direction = reverse(m->direction);
      out->video_in = direction == JANUS_SDP_SENDRECV || direction == JANUS_SDP_RECVONLY;
      out->video_out = direction == JANUS_SDP_SENDRECV || direction == JANUS_SDP_SENDONLY;
    }
  }
  janus_sdp_destroy(answer);
  if (out->opus_payload_type < 0) {
    *error = "The answer accepts no Opus audio";
    return false;
  }
  return true;
}

}  // namespace conf
