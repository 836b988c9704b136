#include "rooms.h"

#include <random>

#include "announcements.h"
#include "errors.h"
#include "events.h"
#include "forwarding.h"
#include "log.h"
#include "recording.h"
#include "tones.h"

namespace conf {

namespace {

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

}  // namespace

uint64_t random_id() {
  static std::mutex mutex;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mutex);
  return (rng() >> 11) + 1;
}

std::shared_ptr<Room> find_room(const std::string& id) {
  Plugin& pl = plugin();
  std::lock_guard lock(pl.rooms_mutex);
  auto it = pl.rooms.find(id);
  return it == pl.rooms.end() ? nullptr : it->second;
}

std::optional<ParseError> find_room_or_error(const std::string& id, std::shared_ptr<Room>* room) {
  *room = find_room(id);
  if (!*room) return ParseError{kErrNoSuchRoom, "No such room (" + id + ")"};
  return std::nullopt;
}

std::optional<ParseError> check_secret(const Room& room, const std::optional<std::string>& secret) {
  if (room.options.secret.empty()) return std::nullopt;
  if (secret != room.options.secret) {
    return ParseError{kErrUnauthorized, "Unauthorized (wrong or missing secret)"};
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

size_t count_links(const Room& room) {
  size_t n = 0;
  for (const auto& [id, member] : room.members) n += member.first->link ? 1 : 0;
  return n;
}

void remove_from_room(Room& room, const std::shared_ptr<Participant>& p, const char* reason,
                      janus_plugin_session* handle) {
  {
    std::lock_guard lock(room.mutex);
    if (room.members.erase(p->id) == 0) return;
  }
  room.audio->remove(p->id);
  if (room.options.leave_tone && !p->link) room.audio->play_tone(leave_tone_pcm());
  if (room.video) room.video->remove(p->id);
  if (p->plain) plugin().reactor->remove(p->plain->fd());
  log(Level::kInfo, "room %s: participant %llu (%s) left: %s", room.options.id.c_str(),
      static_cast<unsigned long long>(p->id), p->display().c_str(), reason);
  json_t* ev = room_event("event", room);
  json_object_set_new(ev, "leaving", json_integer(static_cast<json_int_t>(p->id)));
  broadcast(room, ev, p->id);
  notify(handle, "left", room, p->id);
}

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
      config, [weak](uint64_t id, bool talking) { on_talk(weak, id, talking); },
      [weak](const std::string& file_id) { announcement_played(weak, file_id); });
  if (options.video) {
    mcu::RoomVideoConfig video;
    video.encoder.width = options.video_width;
    video.encoder.height = options.video_height;
    video.encoder.fps = options.video_fps;
    video.encoder.bitrate = options.video_bitrate;
    video.layout =
        options.video_speaker_layout ? mcu::LayoutKind::kActiveSpeaker : mcu::LayoutKind::kGrid;
    video.font = pl.caption_font;
    mcu::RoomAudio* audio = room->audio.get();
    room->video = std::make_unique<mcu::RoomVideo>(video, [audio] { return audio->loudest(); });
  }
  // A video room records the composite too: its video must exist first.
  if (options.recording.record) {
    if (auto e = start_recording(*room, options.recording)) {
      *error = *e;
      return nullptr;
    }
  }
  room->audio->start();
  if (room->video) room->video->start();
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
    stop_recording(*room);
    stop_all_forwarders(*room);
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

}  // namespace conf
