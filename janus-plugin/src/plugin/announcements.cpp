#include "announcements.h"

#include "errors.h"
#include "events.h"
#include "log.h"
#include "ogg_opus_reader.h"
#include "play_file_request.h"
#include "rooms.h"

namespace conf {

namespace {

// Participants and event handlers learn when a file starts or stops playing.
void tell_announcement(Room& room, const std::string& file_id, bool started) {
  const char* what = started ? "announcement-started" : "announcement-stopped";
  json_t* ev = room_event(what, room);
  json_object_set_new(ev, "file_id", json_string(file_id.c_str()));
  broadcast(room, ev, 0);
  json_t* info = json_object();
  json_object_set_new(info, "event", json_string(what));
  json_object_set_new(info, "room", room_json(room.options.id));
  json_object_set_new(info, "file_id", json_string(file_id.c_str()));
  notify_handlers(nullptr, info);
}

std::optional<ParseError> find_room_for_file(const RoomRequest& request,
                                             std::shared_ptr<Room>* room) {
  if (auto e = find_room_or_error(request.room, room)) return e;
  return check_secret(**room, request.secret);
}

json_t* file_reply(const Room& room, const std::string& file_id) {
  json_t* ev = room_event("success", room);
  json_object_set_new(ev, "file_id", json_string(file_id.c_str()));
  return ev;
}

std::string new_file_id(mcu::AnnouncementMixer& files) {
  std::string id;
  do {
    id = std::to_string(random_id());
  } while (files.playing(id));
  return id;
}

}  // namespace

json_t* handle_play_file(const json_t* message) {
  PlayFileRequest request;
  if (auto e = parse_play_file_request(message, plugin().settings.string_ids, &request))
    return make_error(e->code, e->message);
  std::shared_ptr<Room> room;
  if (auto e = find_room_for_file(request.room, &room)) return make_error(e->code, e->message);
  mcu::AnnouncementMixer& files = room->audio->announcements();
  if (files.count() >= kMaxAnnouncementsPerRoom)
    return make_error(kErrUnknown, "Too many files playing in this room (at most " +
                                       std::to_string(kMaxAnnouncementsPerRoom) + ")");
  if (!request.file_id.empty() && files.playing(request.file_id))
    return make_error(kErrIdExists, "File ID exists (" + request.file_id + ")");
  std::string error;
  auto pcm = mcu::read_ogg_opus_mono(request.filename, mcu::kMaxAnnouncementSeconds, &error);
  if (!pcm) return make_error(kErrUnknown, "Error opening file " + request.filename + ": " + error);
  const std::string file_id = request.file_id.empty() ? new_file_id(files) : request.file_id;
  const double seconds = static_cast<double>(pcm->size()) / 48000.0;
  if (!files.play(file_id, std::move(pcm), request.loop))
    return make_error(kErrIdExists, "File ID exists (" + file_id + ")");
  log(Level::kInfo, "room %s: playing %s as %s (%.1f s%s)", room->options.id.c_str(),
      request.filename.c_str(), file_id.c_str(), seconds, request.loop ? ", looped" : "");
  tell_announcement(*room, file_id, true);
  return file_reply(*room, file_id);
}

json_t* handle_is_playing(const json_t* message) {
  FileRequest request;
  if (auto e = parse_file_request(message, plugin().settings.string_ids, &request))
    return make_error(e->code, e->message);
  std::shared_ptr<Room> room;
  if (auto e = find_room_for_file(request.room, &room)) return make_error(e->code, e->message);
  json_t* ev = file_reply(*room, request.file_id);
  json_object_set_new(ev, "playing",
                      json_boolean(room->audio->announcements().playing(request.file_id)));
  return ev;
}

json_t* handle_stop_file(const json_t* message) {
  FileRequest request;
  if (auto e = parse_file_request(message, plugin().settings.string_ids, &request))
    return make_error(e->code, e->message);
  std::shared_ptr<Room> room;
  if (auto e = find_room_for_file(request.room, &room)) return make_error(e->code, e->message);
  if (!room->audio->announcements().stop(request.file_id))
    return make_error(kErrNoSuchFile, "No such file playing (" + request.file_id + ")");
  log(Level::kInfo, "room %s: stopped %s", room->options.id.c_str(), request.file_id.c_str());
  tell_announcement(*room, request.file_id, false);
  return file_reply(*room, request.file_id);
}

void announcement_played(const std::weak_ptr<Room>& weak, const std::string& file_id) {
  plugin().post([weak, file_id] {
    auto room = weak.lock();
    if (!room || room->destroyed) return;
    log(Level::kInfo, "room %s: %s played to its end", room->options.id.c_str(), file_id.c_str());
    tell_announcement(*room, file_id, false);
  });
}

}  // namespace conf
