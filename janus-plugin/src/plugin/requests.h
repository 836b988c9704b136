// The request API (see README: requests and error codes).
#pragma once

#include <memory>
#include <string>

#include "state.h"

namespace conf {

// Synchronous requests are answered here; for join/configure/leave `*async`
// is set and the work is queued (the request's reply comes as an event).
// Takes ownership of message and jsep.
json_t* handle_request(const std::shared_ptr<Session>& session, const char* transaction,
                       json_t* message, json_t* jsep, bool* async);

// Makes a room and starts its mixer. Fails with `error` if the ID is taken.
std::shared_ptr<Room> create_room(RoomOptions options, ParseError* error);
void destroy_all_rooms();

// The session's participant leaves its room (PeerConnection gone, handle
// destroyed). reason goes to the logs and event handlers.
void participant_gone(Session& session, const char* reason);

}  // namespace conf
