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

}  // namespace conf
