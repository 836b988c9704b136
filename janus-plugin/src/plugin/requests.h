// The request API (see README: requests and error codes): one dispatcher
// from the request name to its handler (room_requests, participant_requests).
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

// Janus' Admin API (message_plugin): `stats` and every synchronous request, with the same
// checks (admin_key, room secrets) as through a handle. Borrows message.
json_t* handle_admin_request(const json_t* message);

}  // namespace conf
