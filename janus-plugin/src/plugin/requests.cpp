#include "requests.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <random>

#include "configure_request.h"
#include "errors.h"
#include "events.h"
#include "join_request.h"
#include "json_fields.h"
#include "log.h"
#include "member_request.h"
#include "request_name.h"
#include "rtp.h"
#include "sdp_answer.h"
#include "tick_thread.h"

namespace conf {

namespace {

using Error = ParseError;

uint64_t random_id() {
  static std::mutex mutex;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mutex);
  return (rng() >> 11) + 1;  // fits a JSON integer, never 0
}

const char* string_field(const json_t* obj, const char* name) {
  const json_t* v = json_object_get(obj, name);
  return json_is_string(v) ? json_string_value(v) : nullptr;
}

std::shared_ptr<Room> find_room(const std::string& id) {
  Plugin& pl = plugin();
  std::lock_guard lock(pl.rooms_mutex);
  auto it = pl.rooms.find(id);
  return it == pl.rooms.end() ? nullptr : it->second;
}

std::optional<Error> find_room_or_error(const std::string& id, std::shared_ptr<Room>* room) {
  *room = find_room(id);
  if (!*room) return Error{kErrNoSuchRoom, "No such room (" + id + ")"};
  return std::nullopt;
}

std::optional<Error> lookup_room(const json_t* message, std::shared_ptr<Room>* room) {
  std::string id;
  if (auto e = parse_room_id(message, plugin().settings.string_ids, &id)) return e;
  return find_room_or_error(id, room);
}

std::optional<Error> check_secret(const Room& room, const std::optional<std::string>& secret) {
  if (room.options.secret.empty()) return std::nullopt;
  if (secret != room.options.secret) {
    return Error{kErrUnauthorized, "Unauthorized (wrong or missing secret)"};
  }
  return std::nullopt;
}

json_t* room_event(const char* kind, const Room& room) {
  json_t* e = make_event(kind);
  json_object_set_new(e, "room", room_json(room.options.id));
  return e;
}

void notify(janus_plugin_session* handle, const char* what, const Room& room, uint64_t id) {
  json_t* info = json_object();
  json_object_set_new(info, "event", json_string(what));
  json_object_set_new(info, "room", room_json(room.options.id));
  if (id != 0) json_object_set_new(info, "id", json_integer(static_cast<json_int_t>(id)));
  notify_handlers(handle, info);
}

// Detaches a participant from its room and tells the others.
void remove_from_room(Room& room, const std::shared_ptr<Participant>& p, const char* reason,
                      janus_plugin_session* handle) {
  {
    std::lock_guard lock(room.mutex);
    if (room.members.erase(p->id) == 0) return;
  }
  room.audio->remove(p->id);
  if (room.video) room.video->remove(p->id);
  if (p->plain) plugin().reactor->remove(p->plain->fd());
  log(Level::kInfo, "room %s: participant %llu (%s) left: %s", room.options.id.c_str(),
      static_cast<unsigned long long>(p->id), p->display().c_str(), reason);
  json_t* ev = room_event("event", room);
  json_object_set_new(ev, "leaving", json_integer(static_cast<json_int_t>(p->id)));
  broadcast(room, ev, p->id);
  notify(handle, "left", room, p->id);
}

void on_talk(const std::weak_ptr<Room>& weak, uint64_t id, bool talking) {
  plugin().post([weak, id, talking] {
    auto room = weak.lock();
    if (!room || room->destroyed || !room->options.audiolevel_event) return;
    json_t* ev = room_event(talking ? "talking" : "stopped-talking", *room);
    json_object_set_new(ev, "id", json_integer(static_cast<json_int_t>(id)));
    broadcast(*room, json_deep_copy(ev), 0);
    json_t* info = json_object();
    json_object_set_new(info, "event", json_string(talking ? "talking" : "stopped-talking"));
    json_object_set_new(info, "room", room_json(room->options.id));
    json_object_set_new(info, "id", json_integer(static_cast<json_int_t>(id)));
    notify_handlers(nullptr, info);
    json_decref(ev);
  });
}

// Reads what a plain-RTP participant's remote sends.
void read_plain_rtp(const std::weak_ptr<Participant>& weak) {
  auto p = weak.lock();
  if (!p) return;
  uint8_t buf[1500];
  for (int i = 0; i < 64; ++i) {
    const ssize_t n = p->plain->receive(buf, sizeof(buf));
    if (n < 0) return;
    if (n == 0) continue;
    const auto len = static_cast<size_t>(n);
    if (mcu::looks_like_rtcp(buf, len)) continue;
    mcu::RtpPacketView view;
    if (!mcu::parse_rtp(buf, len, p->plain_audio_level_ext, &view)) {
      ++p->rtp_malformed;
      continue;
    }
    p->inbound->insert(view, mcu::monotonic_us());
  }
}

// Validates a JSEP offer and answers it.
std::optional<Error> answer_jsep(const json_t* jsep, const Room& room, SdpAnswer* answer) {
  const char* type = string_field(jsep, "type");
  const char* sdp = string_field(jsep, "sdp");
  if (type == nullptr || sdp == nullptr)
    return Error{kErrMissingElement, "Missing element (jsep type/sdp)"};
  if (std::strcmp(type, "offer") != 0) return Error{kErrInvalidSdp, "Only SDP offers are accepted"};
  std::string error;
  if (!answer_offer(sdp, room.options.audiolevel_ext, room.video != nullptr, answer, &error))
    return Error{kErrInvalidSdp, error};
  return std::nullopt;
}

// Gives the participant its tile and, per the negotiated directions, the
// composite and a decoder for its camera.
void attach_video(Room& room, Participant& p, const SdpAnswer& answer) {
  if (!room.video) return;
  std::shared_ptr<WebRtcOutput> out = p.webrtc;
  if (out && answer.vp8_payload_type >= 0) out->video_payload_type = answer.vp8_payload_type;
  const bool in = out && answer.video_in;
  const bool view = out && answer.video_out;
  auto video = room.video->add(p.id, view ? out : nullptr, in ? out : nullptr);
  if (video && p.video_muted) video->set_muted(true);
  p.video_in = std::move(video);
}

json_t* answer_jsep_json(const SdpAnswer& answer) {
  json_t* j = json_object();
  json_object_set_new(j, "type", json_string("answer"));
  json_object_set_new(j, "sdp", json_string(answer.sdp.c_str()));
  return j;
}

// Takes a participant out of the room again when its `joined` never reached
// it: nobody else has been told about it yet.
void undo_join(Room& room, Session& session, const std::shared_ptr<Participant>& p) {
  {
    std::lock_guard lock(room.mutex);
    room.members.erase(p->id);
  }
  {
    std::lock_guard lock(session.mutex);
    if (session.participant == p) session.participant.reset();
  }
  room.audio->remove(p->id);
  if (room.video) room.video->remove(p->id);
  if (p->plain) plugin().reactor->remove(p->plain->fd());
}

std::optional<Error> do_join(const std::shared_ptr<Session>& session, const char* transaction,
                             const json_t* message, const json_t* jsep) {
  Plugin& pl = plugin();
  JoinRequest request;
  if (auto e = parse_join_request(message, pl.settings.string_ids, &request)) return e;
  std::shared_ptr<Room> room;
  if (auto e = find_room_or_error(request.room, &room)) return e;
  if (!room->options.pin.empty() && request.pin != room->options.pin)
    return Error{kErrUnauthorized, "Unauthorized (wrong or missing pin)"};
  {
    std::lock_guard lock(session->mutex);
    if (session->participant) return Error{kErrAlreadyJoined, "Already in a room"};
  }

  auto p = std::make_shared<Participant>();
  p->id = request.id != 0 ? request.id : random_id();
  if (request.display) p->set_display(*request.display);
  p->muted = request.muted;
  p->room = room;

  mcu::OutputOptions options;
  std::shared_ptr<mcu::AudioOutput> output;
  SdpAnswer answer;
  if (request.rtp) {
    if (!room->options.allow_rtp_participants) {
      return Error{kErrInvalidRequest, "Plain RTP participants are not allowed in this room"};
    }
    if (jsep != nullptr) return Error{kErrInvalidRequest, "A join with rtp takes no jsep"};
    std::string error;
    p->plain = std::make_shared<PlainRtpEndpoint>(pl.settings.rtp, request.rtp->ip,
                                                  request.rtp->port, &error);
    if (!p->plain->ok()) return Error{kErrRtpSetup, "Plain RTP setup failed: " + error};
    p->plain_audio_level_ext = request.rtp->audio_level_ext;
    options.payload_type = static_cast<uint8_t>(request.rtp->payload_type);
    options.audio_level_ext_id = request.rtp->audio_level_ext;
    output = p->plain;
  } else {
    if (jsep != nullptr) {
      if (auto e = answer_jsep(jsep, *room, &answer)) return e;
    }
    std::lock_guard lock(session->mutex);
    if (!session->webrtc)
      session->webrtc = std::make_shared<WebRtcOutput>(pl.gateway, session->handle);
    p->webrtc = session->webrtc;
    if (answer.opus_payload_type >= 0) p->webrtc->payload_type = answer.opus_payload_type;
    output = p->webrtc;
  }

  json_t* others = nullptr;
  {
    std::lock_guard room_lock(room->mutex);
    if (room->destroyed) return Error{kErrNoSuchRoom, "No such room (" + room->options.id + ")"};
    if (room->members.count(p->id) > 0) {
      return Error{kErrIdExists, "User ID already exists in this room"};
    }
    if (room->options.max_participants > 0 &&
        static_cast<int>(room->members.size()) >= room->options.max_participants) {
      return Error{kErrRoomFull, "Room is full (" + std::to_string(room->options.max_participants) +
                                     " participants)"};
    }
    std::lock_guard session_lock(session->mutex);
    if (session->destroyed) return std::nullopt;
    others = json_array();
    for (auto& [id, member] : room->members) {
      json_array_append_new(others, participant_json(*member.first, room->audio->is_talking(id)));
    }
    p->inbound = room->audio->add(p->id, output, options, p->muted);
    attach_video(*room, *p, answer);
    room->members[p->id] = {p, session};
    session->participant = p;
  }
  if (p->plain) {
    std::weak_ptr<Participant> weak = p;
    pl.reactor->add(p->plain->fd(), [weak](int /*fd*/) { read_plain_rtp(weak); });
  }

  const std::string display = p->display();
  json_t* ev = room_event("joined", *room);
  json_object_set_new(ev, "id", json_integer(static_cast<json_int_t>(p->id)));
  if (!display.empty()) json_object_set_new(ev, "display", json_string(display.c_str()));
  json_object_set_new(ev, "participants", others);
  if (p->plain) {
    json_t* r = json_object();
    json_object_set_new(r, "ip", json_string(p->plain->local_ip().c_str()));
    json_object_set_new(r, "port", json_integer(p->plain->local_port()));
    json_object_set_new(r, "payload_type", json_integer(request.rtp->payload_type));
    json_object_set_new(ev, "rtp", r);
  }
  // The participant is in the room before its answer goes out, so that no
  // media is lost; an answer the core refuses takes it out again.
  if (!push_event(session->handle, transaction, ev,
                  answer.sdp.empty() ? nullptr : answer_jsep_json(answer))) {
    undo_join(*room, *session, p);
    return Error{kErrUnknown, "The joined event could not be delivered; join undone"};
  }
  log(Level::kInfo, "room %s: participant %llu (%s) joined over %s", room->options.id.c_str(),
      static_cast<unsigned long long>(p->id), display.c_str(), p->plain ? "plain RTP" : "WebRTC");

  json_t* announce = room_event("joined", *room);
  json_t* list = json_array();
  json_array_append_new(list, participant_json(*p, false));
  json_object_set_new(announce, "participants", list);
  broadcast(*room, announce, p->id);
  notify(session->handle, "joined", *room, p->id);
  return std::nullopt;
}

std::optional<Error> do_configure(const std::shared_ptr<Session>& session, const char* transaction,
                                  const json_t* message, const json_t* jsep) {
  std::shared_ptr<Participant> p;
  {
    std::lock_guard lock(session->mutex);
    p = session->participant;
  }
  auto room = p ? p->room.lock() : nullptr;
  if (!room) return Error{kErrNotJoined, "Can't configure (not in a room)"};
  ConfigureRequest request;
  if (auto e = parse_configure_request(message, &request)) return e;
  if (request.video_speaker_layout) {
    if (!room->video) return Error{kErrInvalidRequest, "This room has no video"};
    // It changes everyone's picture: a moderator's call where the room has a secret.
    if (auto e = check_secret(*room, request.secret)) return e;
  }
  SdpAnswer answer;
  if (jsep != nullptr) {
    if (p->plain) return Error{kErrInvalidRequest, "A plain RTP participant takes no jsep"};
    if (auto e = answer_jsep(jsep, *room, &answer)) return e;
    p->webrtc->payload_type = answer.opus_payload_type;
    attach_video(*room, *p, answer);
  }
  bool changed = false;
  if (request.video) {
    const bool muted = !*request.video;
    changed = muted != p->video_muted;
    p->video_muted = muted;
    if (room->video) room->video->set_video_muted(p->id, muted);
  }
  if (request.video_speaker_layout) {
    const bool speaker_layout = *request.video_speaker_layout;
    // One composite for everyone: the layout is the room's, not the caller's.
    room->video->set_layout(speaker_layout ? mcu::LayoutKind::kActiveSpeaker
                                           : mcu::LayoutKind::kGrid);
    bool was;
    {
      std::lock_guard lock(room->mutex);
      was = room->options.video_speaker_layout;
      room->options.video_speaker_layout = speaker_layout;
    }
    if (was != speaker_layout) {
      log(Level::kInfo, "room %s: video layout now %s (asked by %llu)", room->options.id.c_str(),
          video_layout_name(speaker_layout), static_cast<unsigned long long>(p->id));
      json_t* ev = room_event("event", *room);
      json_object_set_new(ev, "video_layout", json_string(video_layout_name(speaker_layout)));
      broadcast(*room, ev, 0);
    }
  }
  if (request.muted) {
    changed |= *request.muted != p->muted;
    p->muted = *request.muted;
    room->audio->set_muted(p->id, *request.muted);
  }
  if (request.display) {
    p->set_display(*request.display);
    changed = true;
  }
  json_t* ev = room_event("event", *room);
  json_object_set_new(ev, "result", json_string("ok"));
  if (!push_event(session->handle, transaction, ev,
                  answer.sdp.empty() ? nullptr : answer_jsep_json(answer))) {
    return Error{kErrUnknown, "The configure result could not be delivered"};
  }
  if (changed) {
    json_t* update = room_event("event", *room);
    json_t* list = json_array();
    json_array_append_new(list, participant_json(*p, room->audio->is_talking(p->id)));
    json_object_set_new(update, "participants", list);
    broadcast(*room, update, p->id);
    notify(session->handle, "configured", *room, p->id);
  }
  return std::nullopt;
}

std::optional<Error> do_leave(const std::shared_ptr<Session>& session, const char* transaction) {
  std::shared_ptr<Participant> p;
  {
    std::lock_guard lock(session->mutex);
    p = std::move(session->participant);
  }
  auto room = p ? p->room.lock() : nullptr;
  if (!room) return Error{kErrNotJoined, "Can't leave (not in a room)"};
  remove_from_room(*room, p, "leave request", session->handle);
  json_t* ev = room_event("left", *room);
  json_object_set_new(ev, "id", json_integer(static_cast<json_int_t>(p->id)));
  // The participant is gone either way; an error event would claim it is not.
  if (!push_event(session->handle, transaction, ev))
    log(Level::kWarn, "room %s: the left event for %llu was not delivered",
        room->options.id.c_str(), static_cast<unsigned long long>(p->id));
  return std::nullopt;
}

// Kick, mute and unmute address one participant of a room.
std::optional<Error> find_member(const json_t* message, std::shared_ptr<Room>* room,
                                 std::shared_ptr<Participant>* p,
                                 std::shared_ptr<Session>* session) {
  MemberRequest request;
  if (auto e = parse_member_request(message, plugin().settings.string_ids, &request)) return e;
  if (auto e = find_room_or_error(request.room, room)) return e;
  if (auto e = check_secret(**room, request.secret)) return e;
  std::lock_guard lock((*room)->mutex);
  auto it = (*room)->members.find(request.id);
  if (it == (*room)->members.end()) return Error{kErrNoSuchUser, "No such user in this room"};
  *p = it->second.first;
  *session = it->second.second.lock();
  return std::nullopt;
}

void close_participant_media(const std::shared_ptr<Session>& session,
                             const std::shared_ptr<Participant>& p) {
  if (session && p->webrtc && !session->destroyed) plugin().gateway->close_pc(session->handle);
}

json_t* success() {
  return make_event("success");
}

json_t* do_create(const json_t* message) {
  Plugin& pl = plugin();
  if (!pl.settings.admin_key.empty()) {
    std::optional<std::string> key;
    if (auto e = read_string(message, "admin_key", &key)) return make_error(e->code, e->message);
    if (key != pl.settings.admin_key)
      return make_error(kErrUnauthorized, "Unauthorized (wrong or missing admin_key)");
  }
  RoomOptions options = pl.settings.room_defaults;
  options.id.clear();
  if (auto e = parse_room_options(message, pl.settings.string_ids, false, &options))
    return make_error(e->code, e->message);
  ParseError error;
  auto room = create_room(options, &error);
  if (!room) return make_error(error.code, error.message);
  json_t* ev = room_event("created", *room);
  json_object_set_new(ev, "permanent", json_false());
  notify(nullptr, "created", *room, 0);
  return ev;
}

json_t* do_destroy(const json_t* message) {
  std::shared_ptr<Room> room;
  if (auto e = lookup_room(message, &room)) return make_error(e->code, e->message);
  std::optional<std::string> secret;
  if (auto e = read_string(message, "secret", &secret)) return make_error(e->code, e->message);
  if (auto e = check_secret(*room, secret)) return make_error(e->code, e->message);
  {
    Plugin& pl = plugin();
    std::lock_guard lock(pl.rooms_mutex);
    pl.rooms.erase(room->options.id);
  }
  room->destroyed = true;
  room->audio->stop();
  if (room->video) room->video->stop();
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

json_t* do_list() {
  Plugin& pl = plugin();
  json_t* list = json_array();
  std::lock_guard lock(pl.rooms_mutex);
  for (auto& [id, room] : pl.rooms) {
    if (room->options.is_private) continue;
    json_t* r = json_object();
    json_object_set_new(r, "room", room_json(id));
    json_object_set_new(r, "description", json_string(room->options.description.c_str()));
    json_object_set_new(r, "pin_required", json_boolean(!room->options.pin.empty()));
    json_object_set_new(r, "sampling_rate", json_integer(48000));
    json_object_set_new(r, "spatial_audio", json_false());
    json_object_set_new(r, "record", json_false());
    json_object_set_new(r, "muted", json_false());
    json_object_set_new(r, "max_speakers", json_integer(room->options.max_speakers));
    {
      std::lock_guard room_lock(room->mutex);
      json_object_set_new(r, "num_participants",
                          json_integer(static_cast<json_int_t>(room->members.size())));
    }
    json_array_append_new(list, r);
  }
  json_t* ev = success();
  json_object_set_new(ev, "list", list);
  return ev;
}

json_t* mixer_json(const mcu::MixerStats& s) {
  json_t* j = json_object();
  json_object_set_new(j, "ticks", json_integer(static_cast<json_int_t>(s.ticks)));
  json_object_set_new(j, "late_ticks", json_integer(static_cast<json_int_t>(s.late_ticks)));
  json_object_set_new(j, "missed_ticks", json_integer(static_cast<json_int_t>(s.missed_ticks)));
  json_object_set_new(j, "encodes", json_integer(static_cast<json_int_t>(s.encodes)));
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

json_t* do_listparticipants(const json_t* message) {
  std::shared_ptr<Room> room;
  if (auto e = lookup_room(message, &room)) return make_error(e->code, e->message);
  json_t* list = json_array();
  {
    std::lock_guard lock(room->mutex);
    for (auto& [id, member] : room->members) {
      json_array_append_new(list, participant_json(*member.first, room->audio->is_talking(id)));
    }
  }
  json_t* ev = room_event("participants", *room);
  json_object_set_new(ev, "participants", list);
  json_object_set_new(ev, "mixer", mixer_json(room->audio->stats()));
  if (room->video) json_object_set_new(ev, "video", video_json(*room));
  return ev;
}

json_t* do_kick(const json_t* message) {
  std::shared_ptr<Room> room;
  std::shared_ptr<Participant> p;
  std::shared_ptr<Session> s;
  if (auto e = find_member(message, &room, &p, &s)) return make_error(e->code, e->message);
  if (s) {
    std::lock_guard lock(s->mutex);
    if (s->participant == p) s->participant.reset();
  }
  remove_from_room(*room, p, "kicked", s ? s->handle : nullptr);
  if (s) {
    json_t* ev = room_event("event", *room);
    json_object_set_new(ev, "kicked", json_integer(static_cast<json_int_t>(p->id)));
    push_notice(s->handle, ev);
    close_participant_media(s, p);
  }
  return success();
}

json_t* do_mute(const json_t* message, bool mute) {
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

json_t* do_exists(const json_t* message) {
  std::string id;
  if (auto e = parse_room_id(message, plugin().settings.string_ids, &id))
    return make_error(e->code, e->message);
  json_t* ev = success();
  json_object_set_new(ev, "room", room_json(id));
  json_object_set_new(ev, "exists", json_boolean(find_room(id) != nullptr));
  return ev;
}

}  // namespace

std::shared_ptr<Room> create_room(RoomOptions options, ParseError* error) {
  Plugin& pl = plugin();
  std::lock_guard lock(pl.rooms_mutex);
  if (pl.settings.max_rooms > 0 && pl.rooms.size() >= static_cast<size_t>(pl.settings.max_rooms)) {
    *error = {kErrTooManyRooms,
              "Too many rooms (max_rooms = " + std::to_string(pl.settings.max_rooms) + ")"};
    return nullptr;
  }
  if (options.id.empty()) {
    do {
      options.id = std::to_string(random_id() & 0xffffffffu);
    } while (pl.rooms.count(options.id) > 0);
  } else if (pl.rooms.count(options.id) > 0) {
    *error = {kErrRoomExists, "Room " + options.id + " already exists"};
    return nullptr;
  }
  auto room = std::make_shared<Room>();
  room->options = options;
  mcu::RoomAudioConfig config;
  config.speakers.max_speakers = options.max_speakers;
  config.encoder.bitrate = options.bitrate;
  config.encoder.complexity = options.complexity;
  config.encoder.expected_loss = options.expected_loss;
  std::weak_ptr<Room> weak = room;
  room->audio = std::make_unique<mcu::RoomAudio>(
      config, [weak](uint64_t id, bool talking) { on_talk(weak, id, talking); });
  room->audio->start();
  if (options.video) {
    mcu::RoomVideoConfig video;
    video.encoder.width = options.video_width;
    video.encoder.height = options.video_height;
    video.encoder.fps = options.video_fps;
    video.encoder.bitrate = options.video_bitrate;
    video.layout =
        options.video_speaker_layout ? mcu::LayoutKind::kActiveSpeaker : mcu::LayoutKind::kGrid;
    mcu::RoomAudio* audio = room->audio.get();
    room->video = std::make_unique<mcu::RoomVideo>(video, [audio] { return audio->loudest(); });
    room->video->start();
  }
  pl.rooms[options.id] = room;
  log(Level::kInfo, "room %s created (%s), up to %d speakers mixed, video %s", options.id.c_str(),
      options.description.c_str(), options.max_speakers,
      options.video
          ? (std::to_string(options.video_width) + "x" + std::to_string(options.video_height) +
             "@" + std::to_string(options.video_fps) + " " +
             video_layout_name(options.video_speaker_layout))
                .c_str()
          : "off");
  return room;
}

void destroy_all_rooms() {
  Plugin& pl = plugin();
  std::map<std::string, std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lock(pl.rooms_mutex);
    rooms.swap(pl.rooms);
  }
  for (auto& [id, room] : rooms) {
    room->destroyed = true;
    room->audio->stop();
    if (room->video) room->video->stop();
    std::lock_guard lock(room->mutex);
    for (auto& [pid, member] : room->members) {
      if (member.first->plain) pl.reactor->remove(member.first->plain->fd());
    }
    room->members.clear();
  }
}

void participant_gone(Session& session, const char* reason) {
  std::shared_ptr<Participant> p;
  {
    std::lock_guard lock(session.mutex);
    p = std::move(session.participant);
  }
  if (!p) return;
  if (auto room = p->room.lock()) remove_from_room(*room, p, reason, session.handle);
}

json_t* handle_request(const std::shared_ptr<Session>& session, const char* transaction,
                       json_t* message, json_t* jsep, bool* async) {
  *async = false;
  json_t* reply = nullptr;
  std::string name;
  const auto name_error = parse_request_name(message, &name);
  const char* request = name.c_str();
  if (name_error) {
    reply = make_error(name_error->code, name_error->message);
  } else if (!std::strcmp(request, "create")) {
    reply = do_create(message);
  } else if (!std::strcmp(request, "destroy")) {
    reply = do_destroy(message);
  } else if (!std::strcmp(request, "exists")) {
    reply = do_exists(message);
  } else if (!std::strcmp(request, "list")) {
    reply = do_list();
  } else if (!std::strcmp(request, "listparticipants")) {
    reply = do_listparticipants(message);
  } else if (!std::strcmp(request, "kick")) {
    reply = do_kick(message);
  } else if (!std::strcmp(request, "mute") || !std::strcmp(request, "unmute")) {
    reply = do_mute(message, !std::strcmp(request, "mute"));
  } else if (!std::strcmp(request, "join") || !std::strcmp(request, "configure") ||
             !std::strcmp(request, "leave")) {
    *async = true;
    std::string kind = request;
    std::string txn = transaction != nullptr ? transaction : "";
    plugin().post([session, kind, txn, message, jsep] {
      std::optional<Error> error;
      if (!session->destroyed) {
        if (kind == "join") {
          error = do_join(session, txn.c_str(), message, jsep);
        } else if (kind == "configure") {
          error = do_configure(session, txn.c_str(), message, jsep);
        } else {
          error = do_leave(session, txn.c_str());
        }
        if (error) {
          log(Level::kWarn, "%s failed: %d %s", kind.c_str(), error->code, error->message.c_str());
          if (!push_event(session->handle, txn.c_str(), make_error(error->code, error->message)))
            log(Level::kWarn, "%s: the error event was not delivered either", kind.c_str());
        }
      }
      json_decref(message);
      if (jsep != nullptr) json_decref(jsep);
    });
    return nullptr;
  } else {
    reply = make_error(kErrInvalidRequest, std::string("Unknown request '") + request + "'");
  }
  json_decref(message);
  if (jsep != nullptr) json_decref(jsep);
  return reply;
}

}  // namespace conf
