#include "conference_replies.h"

namespace glue {

namespace {

std::string str(json_t* obj, const char* key) {
  const char* v = json_string_value(json_object_get(obj, key));
  return v != nullptr ? v : "";
}

JanusLocalCandidates trickled(CallRef call, json_t* c) {
  JanusLocalCandidates ev{call, {}, false};
  if (json_is_true(json_object_get(c, "completed"))) {
    ev.completed = true;
  } else if (json_is_object(c)) {
    Candidate cand;
    cand.candidate = str(c, "candidate");
    if (json_is_string(json_object_get(c, "sdpMid"))) cand.sdp_mid = str(c, "sdpMid");
    if (json_is_integer(json_object_get(c, "sdpMLineIndex"))) {
      cand.sdp_mline_index =
          static_cast<int>(json_integer_value(json_object_get(c, "sdpMLineIndex")));
    }
    ev.candidates.push_back(std::move(cand));
  }
  return ev;
}

// A plugin event: its `conference` kind, with the JSEP answer where there is one.
std::optional<Event> plugin_event(CallRef call, json_t* data, json_t* jsep) {
  const std::string kind = str(data, "conference");
  if (json_is_integer(json_object_get(data, "error_code"))) {
    return JanusCallError{call,
                          static_cast<int>(json_integer_value(json_object_get(data, "error_code"))),
                          str(data, "error")};
  }
  if (kind == "joined" && jsep != nullptr && json_object_get(data, "participants") != nullptr &&
      json_object_get(data, "id") != nullptr) {
    const json_t* id = json_object_get(data, "id");
    return JanusJoined{call, str(jsep, "sdp"),
                       json_is_integer(id) && json_integer_value(id) > 0
                           ? static_cast<std::uint64_t>(json_integer_value(id))
                           : 0};
  }
  if (kind == "event" && jsep != nullptr) return JanusConfigured{call, str(jsep, "sdp")};
  if (kind == "destroyed") {
    return JanusCallGone{call, "conference destroyed", GoneCause::kRoomDestroyed};
  }
  if (kind == "event" && (json_object_get(data, "kicked") != nullptr ||
                          json_object_get(data, "kicked_all") != nullptr)) {
    return JanusCallGone{call, "kicked", GoneCause::kKicked};
  }
  return std::nullopt;
}

}  // namespace

CreatedRoom parse_created_room(const JanusReply& reply) {
  CreatedRoom out;
  if (!reply.ok) {
    out.error_code = reply.error_code;
    out.error = reply.error;
    return out;
  }
  json_t* room = json_object_get(reply.data, "room");
  if (!json_is_integer(room) || json_integer_value(room) <= 0) {
    out.error = "no numeric room ID in the plugin's create answer";
    return out;
  }
  out.room = static_cast<std::uint64_t>(json_integer_value(room));
  return out;
}

bool parse_participants(const JanusReply& reply, std::vector<ParticipantState>* participants,
                        bool* room_muted) {
  json_t* list = json_object_get(reply.data, "participants");
  if (!reply.ok || !json_is_array(list)) return false;
  *room_muted = json_is_true(json_object_get(reply.data, "muted"));
  size_t i;
  json_t* p;
  json_array_foreach(list, i, p) {
    const json_t* id = json_object_get(p, "id");
    if (!json_is_integer(id) || json_integer_value(id) <= 0) continue;
    participants->push_back(ParticipantState{static_cast<std::uint64_t>(json_integer_value(id)),
                                             str(p, "display"),
                                             json_is_true(json_object_get(p, "muted"))});
  }
  return true;
}

namespace {

// An error answer's message, with the plugin's code.
std::string error_of(const JanusReply& reply) {
  return std::to_string(reply.error_code) + " " + reply.error;
}

}  // namespace

bool parse_plugin_load(const JanusReply& reply, PluginLoad* out, std::string* error) {
  if (!reply.ok) {
    *error = error_of(reply);
    return false;
  }
  struct Count {
    const char* key;
    long* out;
  };
  const Count counts[] = {{"rooms", &out->rooms},
                          {"participants", &out->participants},
                          {"tick_threads", &out->tick_threads},
                          {"late_ticks", &out->late_ticks},
                          {"missed_ticks", &out->missed_ticks}};
  for (const Count& c : counts) {
    const json_t* v = json_object_get(reply.data, c.key);
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
      *error = std::string("no ") + c.key + " in the plugin's load answer";
      return false;
    }
    *c.out = static_cast<long>(json_integer_value(v));
  }
  const json_t* load = json_object_get(reply.data, "tick_load");
  if (!json_is_number(load) || json_number_value(load) < 0 || json_number_value(load) > 1) {
    *error = "no tick_load from 0 to 1 in the plugin's load answer";
    return false;
  }
  out->tick_load = json_number_value(load);
  return true;
}

bool parse_room_list(const JanusReply& reply, std::vector<ListedRoom>* out, std::string* error) {
  json_t* list = json_object_get(reply.data, "list");
  if (!reply.ok || !json_is_array(list)) {
    *error = reply.ok ? "no list in the plugin's answer" : error_of(reply);
    return false;
  }
  size_t i;
  json_t* r;
  json_array_foreach(list, i, r) {
    const json_t* id = json_object_get(r, "room");
    if (!json_is_integer(id) || json_integer_value(id) <= 0) continue;
    out->push_back({static_cast<std::uint64_t>(json_integer_value(id)), str(r, "description")});
  }
  return true;
}

std::optional<LinkReply> parse_link_reply(json_t* event, bool join) {
  json_t* data = json_object_get(json_object_get(event, "plugindata"), "data");
  if (!json_is_object(data)) return std::nullopt;
  LinkReply out;
  if (json_is_integer(json_object_get(data, "error_code"))) {
    out.error_code = static_cast<int>(json_integer_value(json_object_get(data, "error_code")));
    out.error = str(data, "error");
    return out;
  }
  if (!join) {
    if (str(data, "result") != "ok") return std::nullopt;
    out.ok = true;
    return out;
  }
  json_t* rtp = json_object_get(data, "rtp");
  if (str(data, "conference") != "joined" || !json_is_object(rtp)) return std::nullopt;
  json_t* id = json_object_get(data, "id");
  json_t* port = json_object_get(rtp, "port");
  out.ip = str(rtp, "ip");
  if (!json_is_integer(id) || json_integer_value(id) <= 0 || !json_is_integer(port) ||
      json_integer_value(port) <= 0 || json_integer_value(port) > 65535 || out.ip.empty()) {
    out.error = "the link's joined event has no id or rtp ip and port";
    return out;
  }
  out.ok = true;
  out.participant = static_cast<std::uint64_t>(json_integer_value(id));
  out.port = static_cast<int>(json_integer_value(port));
  return out;
}

std::optional<Event> parse_call_event(CallRef call, json_t* event) {
  const std::string janus = str(event, "janus");
  if (janus == "webrtcup") return JanusMediaUp{call};
  if (janus == "hangup") return JanusCallGone{call, "hangup: " + str(event, "reason")};
  if (janus == "detached" || janus == "timeout") return JanusCallGone{call, janus};
  if (janus == "trickle") return trickled(call, json_object_get(event, "candidate"));
  if (janus == "event") {
    return plugin_event(call, json_object_get(json_object_get(event, "plugindata"), "data"),
                        json_object_get(event, "jsep"));
  }
  return std::nullopt;
}

}  // namespace glue
