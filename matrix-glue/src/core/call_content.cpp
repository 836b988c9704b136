#include "call_content.h"

#include <jansson.h>

#include <cstdlib>
#include <memory>

#include "sdp_streams.h"

namespace glue {
namespace {

using JsonPtr = std::unique_ptr<json_t, decltype(&json_decref)>;

JsonPtr object() {
  return JsonPtr(json_object(), &json_decref);
}

json_t* str(std::string_view s) {
  return json_stringn(s.data(), s.size());
}

// Sorted keys make the text deterministic (tests compare it, retries resend it).
std::string dump(const JsonPtr& j) {
  char* text = json_dumps(j.get(), JSON_COMPACT | JSON_SORT_KEYS);
  std::string out = text != nullptr ? text : "{}";
  std::free(text);
  return out;
}

JsonPtr header(const CallIdentity& id) {
  JsonPtr j = object();
  json_object_set_new(j.get(), "call_id", str(id.call_id));
  if (id.version == 0) {
    json_object_set_new(j.get(), "version", json_integer(0));
  } else {
    json_object_set_new(j.get(), "version", json_string("1"));
    json_object_set_new(j.get(), "party_id", str(id.party_id));
  }
  return j;
}

json_t* description(std::string_view type, std::string_view sdp) {
  json_t* d = json_object();
  json_object_set_new(d, "type", str(type));
  json_object_set_new(d, "sdp", str(sdp));
  return d;
}

json_t* stream_metadata(std::string_view sdp) {
  json_t* meta = json_object();
  for (const SdpStream& s : sdp_streams(sdp)) {
    json_t* m = json_object();
    json_object_set_new(m, "purpose", json_string("m.usermedia"));
    json_object_set_new(m, "audio_muted", json_boolean(!s.sends_audio));
    json_object_set_new(m, "video_muted", json_boolean(!s.sends_video));
    json_object_set_new(meta, s.id.c_str(), m);
  }
  return meta;
}

}  // namespace

std::string answer_content(const CallIdentity& id, std::string_view answer_sdp) {
  JsonPtr j = header(id);
  json_object_set_new(j.get(), "answer", description("answer", answer_sdp));
  if (id.version != 0)
    json_object_set_new(j.get(), "sdp_stream_metadata", stream_metadata(answer_sdp));
  return dump(j);
}

std::string invite_content(const CallIdentity& id, std::string_view invitee,
                           std::int64_t lifetime_ms, std::string_view offer_sdp) {
  JsonPtr j = header(id);
  json_object_set_new(j.get(), "invitee", str(invitee));
  json_object_set_new(j.get(), "lifetime", json_integer(lifetime_ms));
  json_object_set_new(j.get(), "offer", description("offer", offer_sdp));
  json_object_set_new(j.get(), "sdp_stream_metadata", stream_metadata(offer_sdp));
  return dump(j);
}

std::string select_answer_content(const CallIdentity& id, std::string_view selected_party_id) {
  JsonPtr j = header(id);
  json_object_set_new(j.get(), "selected_party_id", str(selected_party_id));
  return dump(j);
}

std::string negotiate_answer_content(const CallIdentity& id, std::string_view answer_sdp) {
  JsonPtr j = header(id);
  json_object_set_new(j.get(), "description", description("answer", answer_sdp));
  json_object_set_new(j.get(), "sdp_stream_metadata", stream_metadata(answer_sdp));
  return dump(j);
}

std::string candidates_content(const CallIdentity& id, const std::vector<Candidate>& candidates) {
  JsonPtr j = header(id);
  json_t* list = json_array();
  for (const Candidate& c : candidates) {
    json_t* o = json_object();
    json_object_set_new(o, "candidate", str(c.candidate));
    if (c.sdp_mid) json_object_set_new(o, "sdpMid", str(*c.sdp_mid));
    if (c.sdp_mline_index)
      json_object_set_new(o, "sdpMLineIndex", json_integer(*c.sdp_mline_index));
    json_array_append_new(list, o);
  }
  json_object_set_new(j.get(), "candidates", list);
  return dump(j);
}

std::string hangup_content(const CallIdentity& id, std::string_view reason) {
  JsonPtr j = header(id);
  json_object_set_new(j.get(), "reason", str(reason));
  return dump(j);
}

std::string notice_content(std::string_view body) {
  JsonPtr j = object();
  json_object_set_new(j.get(), "msgtype", json_string("m.notice"));
  json_object_set_new(j.get(), "body", str(body));
  return dump(j);
}

std::string reply_notice_content(std::string_view body, std::string_view in_reply_to) {
  JsonPtr j = object();
  json_object_set_new(j.get(), "msgtype", json_string("m.notice"));
  json_object_set_new(j.get(), "body", str(body));
  json_t* reply = json_object();
  json_object_set_new(reply, "event_id", str(in_reply_to));
  json_t* relates = json_object();
  json_object_set_new(relates, "m.in_reply_to", reply);
  json_object_set_new(j.get(), "m.relates_to", relates);
  return dump(j);
}

}  // namespace glue
