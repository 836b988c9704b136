#include "conference_requests.h"

namespace glue {

namespace {

// A plugin with an admin_key wants it; one without ignores it, so only a configured one is sent.
json_t* with_admin_key(json_t* body, const std::string& admin_key) {
  if (!admin_key.empty())
    json_object_set_new(body, "admin_key", json_stringn(admin_key.data(), admin_key.size()));
  return body;
}

}  // namespace

json_t* to_json(const CreateRoomRequest& r) {
  return with_admin_key(
      json_pack("{s:s, s:s%, s:b}", "request", "create", "description", r.description.data(),
                r.description.size(), "is_private", r.is_private ? 1 : 0),
      r.admin_key);
}

json_t* to_json(const ListRoomsRequest& r) {
  return with_admin_key(json_pack("{s:s}", "request", "list"), r.admin_key);
}

json_t* to_json(const LoadRequest& r) {
  return with_admin_key(json_pack("{s:s}", "request", "load"), r.admin_key);
}

json_t* to_json(const DestroyRoomRequest& r) {
  return json_pack("{s:s, s:I}", "request", "destroy", "room", static_cast<json_int_t>(r.room));
}

json_t* to_json(const JoinRequest& r) {
  json_t* j = json_pack("{s:s, s:I, s:s}", "request", "join", "room",
                        static_cast<json_int_t>(r.room), "display", r.display.c_str());
  if (r.generate_offer) {
    json_object_set_new(j, "generate_offer", json_true());
    if (r.offer_video) json_object_set_new(j, "offer_video", json_true());
  }
  return j;
}

json_t* to_json(const ConfigureRequest& r) {
  json_t* j = json_pack("{s:s}", "request", "configure");
  if (r.display)
    json_object_set_new(j, "display", json_stringn(r.display->data(), r.display->size()));
  return j;
}

// The far address is required even before its port is known: a placeholder of the same
// family (the plugin's own address family) until the `configure` names the real one.
json_t* to_json(const LinkJoinRequest& r) {
  const std::string ip = r.far_ip.empty() ? "127.0.0.1" : r.far_ip;
  json_t* rtp = json_pack("{s:s%}", "ip", ip.data(), ip.size());
  if (r.far_port > 0) json_object_set_new(rtp, "port", json_integer(r.far_port));
  return with_admin_key(
      json_pack("{s:s, s:I, s:b, s:s%, s:i, s:o}", "request", "join", "room",
                static_cast<json_int_t>(r.room), "link", 1, "display", r.display.data(),
                r.display.size(), "link_timeout", r.link_timeout_s, "rtp", rtp),
      r.admin_key);
}

json_t* to_json(const LinkConfigureRequest& r) {
  return json_pack("{s:s, s:{s:s%, s:i}}", "request", "configure", "rtp", "ip", r.far_ip.data(),
                   r.far_ip.size(), "port", r.far_port);
}

json_t* to_json(const LeaveRequest& /*r*/) {
  return json_pack("{s:s}", "request", "leave");
}

// The room has no secret (the glue creates it without one): none is sent.
json_t* to_json(const CommandRequest& r) {
  const auto room = static_cast<json_int_t>(r.room);
  const auto id = static_cast<json_int_t>(r.request.participant);
  switch (r.request.kind) {
    case RoomRequestKind::kMute:
      return json_pack("{s:s, s:I, s:I}", "request", "mute", "room", room, "id", id);
    case RoomRequestKind::kUnmute:
      return json_pack("{s:s, s:I, s:I}", "request", "unmute", "room", room, "id", id);
    case RoomRequestKind::kKick:
      return json_pack("{s:s, s:I, s:I}", "request", "kick", "room", room, "id", id);
    case RoomRequestKind::kMuteRoom:
      return json_pack("{s:s, s:I}", "request", "mute_room", "room", room);
    case RoomRequestKind::kUnmuteRoom:
      return json_pack("{s:s, s:I}", "request", "unmute_room", "room", room);
    case RoomRequestKind::kRecordStart:
    case RoomRequestKind::kRecordStop:
      return json_pack("{s:s, s:I, s:b}", "request", "enable_recording", "room", room, "record",
                       r.request.kind == RoomRequestKind::kRecordStart ? 1 : 0);
    case RoomRequestKind::kPlayFile:
      return json_pack("{s:s, s:I, s:s, s:s}", "request", "play_file", "room", room, "file_id",
                       "recording-started", "filename", r.request.file.c_str());
    case RoomRequestKind::kLayout:
      return json_pack("{s:s, s:s}", "request", "configure", "video_layout",
                       r.request.layout.c_str());
    case RoomRequestKind::kListParticipants:
      break;
  }
  return json_pack("{s:s, s:I}", "request", "listparticipants", "room", room);
}

json_t* offer_jsep(const std::string& sdp) {
  return json_pack("{s:s, s:s}", "type", "offer", "sdp", sdp.c_str());
}

json_t* answer_jsep(const std::string& sdp) {
  return json_pack("{s:s, s:s}", "type", "answer", "sdp", sdp.c_str());
}

json_t* trickle_candidates(const std::vector<Candidate>& candidates) {
  json_t* list = json_array();
  for (const Candidate& c : candidates) {
    json_t* j = json_pack("{s:s}", "candidate", c.candidate.c_str());
    if (c.sdp_mid) json_object_set_new(j, "sdpMid", json_string(c.sdp_mid->c_str()));
    if (c.sdp_mline_index)
      json_object_set_new(j, "sdpMLineIndex", json_integer(*c.sdp_mline_index));
    json_array_append_new(list, j);
  }
  return list;
}

json_t* trickle_completed() {
  return json_pack("{s:b}", "completed", 1);
}

}  // namespace glue
