// The plugin's rooms: making, finding and tearing them down, and what every
// request says to a room (its events, event-handler notifications, a
// participant leaving).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "parse_error.h"
#include "state.h"

namespace conf {

// Makes a room and starts its mixer. Fails with `error` if the ID is taken or
// general.max_rooms is reached.
std::shared_ptr<Room> create_room(RoomOptions options, ParseError* error);
void destroy_all_rooms();

// A random participant or room ID: fits a JSON integer, never 0.
uint64_t random_id();

std::shared_ptr<Room> find_room(const std::string& id);
// 485 when there is no such room.
std::optional<ParseError> find_room_or_error(const std::string& id, std::shared_ptr<Room>* room);
// 489 unless `secret` is the room's (or the room has none).
std::optional<ParseError> check_secret(const Room& room, const std::optional<std::string>& secret);

// {"conference": kind, "room": id}
json_t* room_event(const char* kind, const Room& room);
// Tells Janus' event handlers `what` happened in the room (id: a participant, or 0).
void notify(janus_plugin_session* handle, const char* what, const Room& room, uint64_t id);

// The room's links (members that are not people); the caller holds room.mutex.
size_t count_links(const Room& room);

// Detaches a participant from its room and tells the others.
void remove_from_room(Room& room, const std::shared_ptr<Participant>& p, const char* reason,
                      janus_plugin_session* handle);
// The session's participant leaves its room (PeerConnection gone, handle
// destroyed). reason goes to the logs and event handlers.
void participant_gone(Session& session, const char* reason);

}  // namespace conf
