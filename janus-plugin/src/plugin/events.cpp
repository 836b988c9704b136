#include "events.h"

#include <vector>

#include "log.h"

namespace conf {

json_t* make_event(const char* kind) {
  json_t* e = json_object();
  json_object_set_new(e, "conference", json_string(kind));
  json_object_set_new(e, "audiobridge", json_string(kind));
  return e;
}

json_t* make_error(int code, const std::string& message) {
  json_t* e = make_event("event");
  json_object_set_new(e, "error_code", json_integer(code));
  json_object_set_new(e, "error", json_string(message.c_str()));
  return e;
}

json_t* room_json(const std::string& room_id) {
  return room_id_json(room_id, plugin().settings.string_ids);
}

json_t* participant_json(const Participant& p, bool talking) {
  json_t* j = json_object();
  json_object_set_new(j, "id", json_integer(static_cast<json_int_t>(p.id)));
  const std::string display = p.display();
  if (!display.empty()) json_object_set_new(j, "display", json_string(display.c_str()));
  json_object_set_new(j, "setup", json_boolean(p.setup()));
  json_object_set_new(j, "muted", json_boolean(p.muted.load()));
  json_object_set_new(j, "talking", json_boolean(talking));
  json_object_set_new(j, "video", json_boolean(p.video_in.load() != nullptr && !p.video_muted));
  if (p.link) json_object_set_new(j, "link", json_true());
  if (p.plain) {
    json_object_set_new(j, "rtp", json_true());
    // Datagrams from anyone but the participant's declared ip:port.
    json_object_set_new(j, "rtp_foreign_dropped",
                        json_integer(static_cast<json_int_t>(p.plain->foreign_dropped())));
  }
  return j;
}

bool push_event(janus_plugin_session* handle, const char* transaction, json_t* event,
                json_t* jsep) {
  Plugin& pl = plugin();
  const int result = pl.gateway->push_event(handle, pl.self, transaction, event, jsep);
  json_decref(event);
  if (jsep != nullptr) json_decref(jsep);
  if (result != JANUS_OK) log(Level::kWarn, "push_event refused by the core: error %d", result);
  return result == JANUS_OK;
}

void push_notice(janus_plugin_session* handle, json_t* event) {
  (void)push_event(handle, nullptr, event);
}

void broadcast(Room& room, json_t* event, uint64_t except) {
  std::vector<std::shared_ptr<Session>> targets;
  {
    std::lock_guard lock(room.mutex);
    for (auto& [id, member] : room.members) {
      if (id == except) continue;
      if (auto s = member.second.lock(); s && !s->destroyed) targets.push_back(std::move(s));
    }
  }
  for (auto& s : targets) push_notice(s->handle, json_deep_copy(event));
  json_decref(event);
}

void notify_handlers(janus_plugin_session* handle, json_t* info) {
  Plugin& pl = plugin();
  if (pl.settings.events && pl.gateway->events_is_enabled()) {
    pl.gateway->notify_event(pl.self, handle, info);  // the core takes the reference
  } else {
    json_decref(info);
  }
}

}  // namespace conf
