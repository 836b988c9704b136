// rtp_forward, stop_rtp_forward and listforwarders: a room's mix sent to plain
// RTP destinations, guarded by the room's secret or the admin_key.
#pragma once

#include <jansson.h>

#include "state.h"

namespace conf {

// Forwarders a room may have at once.
constexpr size_t kMaxForwardersPerRoom = 16;

json_t* handle_rtp_forward(const json_t* message);
json_t* handle_stop_rtp_forward(const json_t* message);
json_t* handle_listforwarders(const json_t* message);

// Stops every forwarder of a room that is being destroyed and closes its socket.
void stop_all_forwarders(Room& room);

}  // namespace conf
