// JSON messages the plugin sends: answers, events to participants, and
// notifications to Janus event handlers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "state.h"

namespace conf {

// {"conference": kind, "audiobridge": kind}: the second key lets clients
// written for Janus' AudioBridge read our messages unchanged.
json_t* make_event(const char* kind);
json_t* make_error(int code, const std::string& message);
json_t* room_json(const std::string& room_id);
json_t* participant_json(const Participant& p, bool talking);

// Pushes `event` (and `jsep`) to the handle as the answer to a request;
// releases both. False when the core refused it (e.g. it could not take the
// SDP, or the handle is gone): the request then has not been answered.
[[nodiscard]] bool push_event(janus_plugin_session* handle, const char* transaction, json_t* event,
                              json_t* jsep = nullptr);
// Pushes an event nobody asked for (kicked, destroyed, others' news); a
// refusal is only logged. Releases `event`.
void push_notice(janus_plugin_session* handle, json_t* event);
// Pushes a copy of `event` to every member of the room but `except`; releases it.
void broadcast(Room& room, json_t* event, uint64_t except);
// Hands `info` to Janus' event handlers if enabled; releases it.
void notify_handlers(janus_plugin_session* handle, json_t* info);

}  // namespace conf
