#include "room_requests.h"

#include "admin_request.h"
#include "errors.h"
#include "events.h"
#include "forwarding.h"
#include "log.h"
#include "member_request.h"
#include "recording.h"
#include "room_request.h"
#include "rooms.h"

namespace conf {

namespace {

// Kick, mute and unmute address one participant of a room.
std::optional<ParseError> find_member(const json_t* message, std::shared_ptr<Room>* room,
                                      std::shared_ptr<Participant>* p,
                                      std::shared_ptr<Session>* session) {
  MemberRequest request;
  if (auto e = parse_member_request(message, plugin().settings.string_ids, &request)) return e;
  if (auto e = find_room_or_error(request.room, room)) return e;
  if (auto e = check_secret(**room, request.secret)) return e;
  std::lock_guard lock((*room)->mutex);
  auto it = (*room)->members.find(request.id);
  if (it == (*room)->members.end()) return ParseError{kErrNoSuchUser, "No such user in this room"};
  *p = it->second.first;
  *session = it->second.second.lock();
  return std::nullopt;
}

void close_participant_media(const std::shared_ptr<Session>& session,
                             const std::shared_ptr<Participant>& p) {
  if (session && p->webrtc && !session->destroyed) plugin().gateway->close_pc(session->handle);
}

// A moderator removes a participant: it is told (`key`: its ID) and its PeerConnection closed.
void kick_member(Room& room, const std::shared_ptr<Participant>& p,
                 const std::shared_ptr<Session>& s, const char* key) {
  if (s) {
    std::lock_guard lock(s->mutex);
    if (s->participant == p) s->participant.reset();
  }
  remove_from_room(room, p, "kicked", s ? s->handle : nullptr);
  if (!s) return;
  json_t* ev = room_event("event", room);
  json_object_set_new(ev, key, json_integer(static_cast<json_int_t>(p->id)));
  push_notice(s->handle, ev);
  close_participant_media(s, p);
}

json_t* success() {
  return make_event("success");
}

json_t* mixer_json(const mcu::MixerStats& s) {
  json_t* j = json_object();
  json_object_set_new(j, "ticks", json_integer(static_cast<json_int_t>(s.ticks)));
  json_object_set_new(j, "late_ticks", json_integer(static_cast<json_int_t>(s.late_ticks)));
  json_object_set_new(j, "missed_ticks", json_integer(static_cast<json_int_t>(s.missed_ticks)));
  json_object_set_new(j, "encodes", json_integer(static_cast<json_int_t>(s.encodes)));
  json_object_set_new(j, "passed_through", json_integer(static_cast<json_int_t>(s.passed_through)));
  json_object_set_new(j, "max_tick_us", json_integer(static_cast<json_int_t>(s.max_tick_us)));
  return j;
}

json_t* video_json(const Room& room) {
  const mcu::RoomVideoStats s = room.video->stats();
  const auto& e = room.video->config().encoder;
  json_t* j = json_object();
  json_object_set_new(j, "width", json_integer(e.width));
  json_object_set_new(j, "height", json_integer(e.height));
  json_object_set_new(j, "fps", json_integer(e.fps));
  json_object_set_new(j, "bitrate", json_integer(e.bitrate));
  json_object_set_new(
      j, "layout",
      json_string(video_layout_name(room.video->layout() == mcu::LayoutKind::kActiveSpeaker)));
  json_object_set_new(j, "frames", json_integer(static_cast<json_int_t>(s.frames)));
  json_object_set_new(j, "key_frames", json_integer(static_cast<json_int_t>(s.key_frames)));
  json_object_set_new(j, "bytes", json_integer(static_cast<json_int_t>(s.bytes)));
  json_object_set_new(j, "late_ticks", json_integer(static_cast<json_int_t>(s.late_ticks)));
  json_object_set_new(j, "missed_ticks", json_integer(static_cast<json_int_t>(s.missed_ticks)));
  json_object_set_new(j, "encode_errors", json_integer(static_cast<json_int_t>(s.encode_errors)));
  json_object_set_new(j, "compose_us", json_integer(static_cast<json_int_t>(s.compose_us)));
  json_object_set_new(j, "encode_us", json_integer(static_cast<json_int_t>(s.encode_us)));
  json_object_set_new(j, "max_tick_us", json_integer(static_cast<json_int_t>(s.max_tick_us)));
  return j;
}

json_t* set_muted(const json_t* message, bool mute) {
  std::shared_ptr<Room> room;
  std::shared_ptr<Participant> p;
  std::shared_ptr<Session> s;
  if (auto e = find_member(message, &room, &p, &s)) return make_error(e->code, e->message);
  if (p->muted != mute) {
    p->muted = mute;
    room->audio->set_muted(p->id, mute);
    json_t* update = room_event("event", *room);
    json_t* list = json_array();
    json_array_append_new(list, participant_json(*p, false));
    json_object_set_new(update, "participants", list);
    broadcast(*room, update, 0);
  }
  return success();
}

// mute_room, unmute_room and kick_all address a whole room, guarded by its secret.
std::optional<ParseError> find_room_for_moderator(const json_t* message,
                                                  std::shared_ptr<Room>* room) {
  RoomRequest request;
  if (auto e = parse_room_request(message, plugin().settings.string_ids, &request)) return e;
  if (auto e = find_room_or_error(request.room, room)) return e;
  return check_secret(**room, request.secret);
}

json_t* set_room_muted(const json_t* message, bool mute) {
  std::shared_ptr<Room> room;
  if (auto e = find_room_for_moderator(message, &room)) return make_error(e->code, e->message);
  if (room->muted.exchange(mute) != mute) {
    room->audio->set_room_muted(mute);
    json_t* update = room_event("event", *room);
    json_object_set_new(update, "muted", json_boolean(mute));
    broadcast(*room, update, 0);
    notify(nullptr, mute ? "room-muted" : "room-unmuted", *room, 0);
    log(Level::kInfo, "room %s %s", room->options.id.c_str(), mute ? "muted" : "unmuted");
  }
  return success();
}

}  // namespace

json_t* handle_mute_room(const json_t* message) {
  return set_room_muted(message, true);
}

json_t* handle_unmute_room(const json_t* message) {
  return set_room_muted(message, false);
}

json_t* handle_kick_all(const json_t* message) {
  std::shared_ptr<Room> room;
  if (auto e = find_room_for_moderator(message, &room)) return make_error(e->code, e->message);
  std::vector<std::pair<std::shared_ptr<Participant>, std::shared_ptr<Session>>> members;
  {
    std::lock_guard lock(room->mutex);
    for (auto& [id, member] : room->members)
      members.emplace_back(member.first, member.second.lock());
  }
  for (auto& [p, s] : members) kick_member(*room, p, s, "kicked_all");
  log(Level::kInfo, "room %s: all %zu participants kicked", room->options.id.c_str(),
      members.size());
  return success();
}

json_t* handle_create(const json_t* message) {
  Plugin& pl = plugin();
  CreateRequest request;
  if (auto e = parse_create_request(message, pl.settings.string_ids, pl.settings.room_defaults,
                                    &request))
    return make_error(e->code, e->message);
  if (!pl.settings.admin_key.empty() && request.admin_key != pl.settings.admin_key)
    return make_error(kErrUnauthorized, "Unauthorized (wrong or missing admin_key)");
  ParseError error;
  auto room = create_room(request.options, &error);
  if (!room) return make_error(error.code, error.message);
  json_t* ev = room_event("created", *room);
  json_object_set_new(ev, "permanent", json_false());
  notify(nullptr, "created", *room, 0);
  return ev;
}

json_t* handle_destroy(const json_t* message) {
  RoomRequest request;
  if (auto e = parse_room_request(message, plugin().settings.string_ids, &request))
    return make_error(e->code, e->message);
  std::shared_ptr<Room> room;
  if (auto e = find_room_or_error(request.room, &room)) return make_error(e->code, e->message);
  if (auto e = check_secret(*room, request.secret)) return make_error(e->code, e->message);
  {
    Plugin& pl = plugin();
    std::lock_guard lock(pl.rooms_mutex);
    pl.rooms.erase(room->options.id);
  }
  room->destroyed = true;
  room->audio->stop();
  if (room->video) room->video->stop();
  {
    std::lock_guard lock(room->recording_mutex);
    stop_recording(*room);
  }
  stop_all_forwarders(*room);
  decltype(room->members) members;
  {
    std::lock_guard lock(room->mutex);
    members.swap(room->members);
  }
  for (auto& [id, member] : members) {
    auto& [p, weak] = member;
    if (p->plain) plugin().reactor->remove(p->plain->fd());
    if (auto s = weak.lock()) {
      {
        std::lock_guard lock(s->mutex);
        if (s->participant == p) s->participant.reset();
      }
      push_notice(s->handle, room_event("destroyed", *room));
      close_participant_media(s, p);
    }
  }
  log(Level::kInfo, "room %s destroyed (%zu participants removed)", room->options.id.c_str(),
      members.size());
  notify(nullptr, "destroyed", *room, 0);
  json_t* ev = room_event("destroyed", *room);
  json_object_set_new(ev, "permanent", json_false());
  return ev;
}

json_t* handle_exists(const json_t* message) {
  RoomRequest request;
  if (auto e = parse_room_request(message, plugin().settings.string_ids, &request))
    return make_error(e->code, e->message);
  json_t* ev = success();
  json_object_set_new(ev, "room", room_json(request.room));
  json_object_set_new(ev, "exists", json_boolean(find_room(request.room) != nullptr));
  return ev;
}

// Private rooms are listed only for the admin_key, as AudioBridge does: an operator (or the
// glue reconciling its rooms) sees them all.
json_t* handle_list(const json_t* message) {
  Plugin& pl = plugin();
  AdminRequest request;
  if (auto e = parse_admin_request(message, &request)) return make_error(e->code, e->message);
  const AdminAccess access = admin_access(request, pl.settings.admin_key);
  if (access == AdminAccess::kRefused)
    return make_error(kErrUnauthorized, "Unauthorized (wrong admin_key)");
  json_t* list = json_array();
  std::lock_guard lock(pl.rooms_mutex);
  for (auto& [id, room] : pl.rooms) {
    if (room->options.is_private && access != AdminAccess::kAdmin) continue;
    json_t* r = json_object();
    json_object_set_new(r, "room", room_json(id));
    json_object_set_new(r, "description", json_string(room->options.description.c_str()));
    json_object_set_new(r, "pin_required", json_boolean(!room->options.pin.empty()));
    json_object_set_new(r, "sampling_rate", json_integer(48000));
    json_object_set_new(r, "spatial_audio", json_false());
    json_object_set_new(r, "record", json_boolean(room->audio->recording()));
    json_object_set_new(r, "muted", json_boolean(room->muted.load()));
    json_object_set_new(r, "max_speakers", json_integer(room->options.max_speakers));
    json_object_set_new(r, "join_tone", json_boolean(room->options.join_tone));
    json_object_set_new(r, "leave_tone", json_boolean(room->options.leave_tone));
    {
      std::lock_guard room_lock(room->mutex);
      const size_t links = count_links(*room);
      json_object_set_new(r, "num_participants",
                          json_integer(static_cast<json_int_t>(room->members.size() - links)));
      json_object_set_new(r, "num_links", json_integer(static_cast<json_int_t>(links)));
    }
    json_array_append_new(list, r);
  }
  json_t* ev = success();
  json_object_set_new(ev, "list", list);
  return ev;
}

json_t* handle_listparticipants(const json_t* message) {
  RoomRequest request;
  if (auto e = parse_room_request(message, plugin().settings.string_ids, &request))
    return make_error(e->code, e->message);
  std::shared_ptr<Room> room;
  if (auto e = find_room_or_error(request.room, &room)) return make_error(e->code, e->message);
  json_t* list = json_array();
  {
    std::lock_guard lock(room->mutex);
    for (auto& [id, member] : room->members) {
      json_array_append_new(list, participant_json(*member.first, room->audio->is_talking(id)));
    }
  }
  json_t* ev = room_event("participants", *room);
  json_object_set_new(ev, "muted", json_boolean(room->muted.load()));
  json_object_set_new(ev, "participants", list);
  json_object_set_new(ev, "mixer", mixer_json(room->audio->stats()));
  if (room->video) json_object_set_new(ev, "video", video_json(*room));
  return ev;
}

json_t* handle_kick(const json_t* message) {
  std::shared_ptr<Room> room;
  std::shared_ptr<Participant> p;
  std::shared_ptr<Session> s;
  if (auto e = find_member(message, &room, &p, &s)) return make_error(e->code, e->message);
  kick_member(*room, p, s, "kicked");
  return success();
}

json_t* handle_mute(const json_t* message) {
  return set_muted(message, true);
}

json_t* handle_unmute(const json_t* message) {
  return set_muted(message, false);
}

}  // namespace conf
