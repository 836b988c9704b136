#include "plugin_config.h"

#include <unistd.h>

#include <cstdlib>

#include "janus_api.h"

namespace conf {

namespace {

// A category's items as a JSON object, so rooms from the file and rooms from
// `create` go through the same validation.
json_t* category_json(janus_config* config, janus_config_category* category) {
  json_t* obj = json_object();
  GList* items = janus_config_get_items(config, category);
  for (GList* l = items; l != nullptr; l = l->next) {
    auto* item = static_cast<janus_config_item*>(l->data);
    if (item->name != nullptr && item->value != nullptr) {
      json_object_set_new(obj, item->name, jcfg_value_to_json(item->value));
    }
  }
  g_list_free(items);
  return obj;
}

bool parse_port_range(const std::string& text, PlainRtpSettings* rtp) {
  const auto dash = text.find('-');
  if (dash == std::string::npos) return false;
  const long lo = std::strtol(text.substr(0, dash).c_str(), nullptr, 10);
  const long hi = std::strtol(text.substr(dash + 1).c_str(), nullptr, 10);
  if (lo < 1024 || hi > 65535 || lo >= hi) return false;
  rtp->port_min = static_cast<uint16_t>(lo);
  rtp->port_max = static_cast<uint16_t>(hi);
  return true;
}

bool read_general(json_t* general, PluginSettings* s, std::string* error) {
  if (const char* key = json_string_value(json_object_get(general, "admin_key")))
    s->admin_key = key;
  if (json_t* v = json_object_get(general, "events")) s->events = json_is_true(v);
  if (json_t* v = json_object_get(general, "string_ids")) s->string_ids = json_is_true(v);
  if (json_t* v = json_object_get(general, "caption_font")) {
    if (!json_is_string(v) || json_string_length(v) == 0) {
      *error = "general.caption_font must be the path of a font file";
      return false;
    }
    s->caption_font = json_string_value(v);
  }
  if (json_t* v = json_object_get(general, "webrtc_audio_relay")) {
    const char* mode = json_string_value(v);
    if (mode == nullptr || (std::string(mode) != "outbox" && std::string(mode) != "tick")) {
      *error = "general.webrtc_audio_relay must be \"outbox\" or \"tick\"";
      return false;
    }
    s->audio_outbox = std::string(mode) == "outbox";
  }
  struct Limit {
    const char* key;
    int* value;
    int max;
    const char* zero;  // what 0 means
  };
  const Limit limits[] = {{"max_rooms", &s->max_rooms, 1000000, "no limit"},
                          {"tick_threads", &s->tick_threads, 256, "one per core"},
                          {"stats_interval", &s->stats_interval, 86400, "never, else seconds"},
                          {"media_timeout", &s->media_timeout, 3600, "never, else seconds"},
                          {"offer_timeout", &s->offer_timeout, 3600, "never, else seconds"}};
  for (const Limit& l : limits) {
    json_t* v = json_object_get(general, l.key);
    if (v == nullptr) continue;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > l.max) {
      *error = std::string("general.") + l.key + " must be an integer from 0 (" + l.zero + ") to " +
               std::to_string(l.max);
      return false;
    }
    *l.value = static_cast<int>(json_integer_value(v));
  }
  if (const char* ip = json_string_value(json_object_get(general, "local_ip")))
    s->rtp.local_ip = ip;
  if (const char* range = json_string_value(json_object_get(general, "rtp_port_range"))) {
    if (!parse_port_range(range, &s->rtp)) {
      *error =
          std::string("general.rtp_port_range must be MIN-MAX within 1024-65535, not ") + range;
      return false;
    }
  }
  // Room defaults live in `general` too (max_speakers, default_bitrate, ...).
  json_t* defaults = json_deep_copy(general);
  json_object_del(defaults, "room");
  for (const char* k : {"admin_key", "events", "string_ids", "local_ip", "rtp_port_range",
                        "max_rooms", "tick_threads", "stats_interval", "media_timeout",
                        "offer_timeout", "caption_font", "webrtc_audio_relay"})
    json_object_del(defaults, k);
  auto e = parse_room_options(defaults, s->string_ids, false, &s->room_defaults);
  json_decref(defaults);
  if (e) {
    *error = "general: " + e->message;
    return false;
  }
  return true;
}

}  // namespace

bool load_config(const std::string& path, PluginSettings* settings, std::vector<RoomOptions>* rooms,
                 std::string* error) {
  if (access(path.c_str(), R_OK) != 0) return true;
  janus_config* config = janus_config_parse(path.c_str());
  if (config == nullptr) {
    *error = "cannot parse " + path;
    return false;
  }
  bool ok = true;
  GList* categories = janus_config_get_categories(config, nullptr);
  for (GList* l = categories; l != nullptr && ok; l = l->next) {
    auto* category = static_cast<janus_config_category*>(l->data);
    if (category->name == nullptr) continue;
    json_t* obj = category_json(config, category);
    if (std::string(category->name) == "general") {
      ok = read_general(obj, settings, error);
    }
    json_decref(obj);
  }
  // Rooms after `general`, so they start from its defaults and string_ids.
  for (GList* l = categories; l != nullptr && ok; l = l->next) {
    auto* category = static_cast<janus_config_category*>(l->data);
    if (category->name == nullptr || std::string(category->name) == "general") continue;
    json_t* obj = category_json(config, category);
    RoomOptions room = settings->room_defaults;
    // Like AudioBridge's files: "room-1234 = { ... }" names room 1234 unless it says otherwise.
    std::string name = category->name;
    if (json_object_get(obj, "room") == nullptr) {
      const std::string id = name.rfind("room-", 0) == 0 ? name.substr(5) : name;
      json_object_set_new(obj, "room", jcfg_value_to_json(id.c_str()));
    }
    if (auto e = parse_room_options(obj, settings->string_ids, true, &room)) {
      *error = "room " + name + ": " + e->message;
      ok = false;
    } else {
      rooms->push_back(room);
    }
    json_decref(obj);
  }
  g_list_free(categories);
  janus_config_destroy(config);
  return ok;
}

}  // namespace conf
