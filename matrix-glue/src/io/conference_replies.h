// What janus.plugin.conference and the Janus core answer the glue, read into typed values: the
// one place where the replies and a call's events are interpreted.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "events.h"
#include "janus_api.h"

namespace glue {

// A `create` answer: the plugin's room ID, or why there is none.
struct CreatedRoom {
  std::uint64_t room = 0;  // 0: not created
  int error_code = 0;
  std::string error;
};
CreatedRoom parse_created_room(const JanusReply& reply);

// A `listparticipants` answer: each participant's `id`, `display` and `muted`, and the room's
// `muted`; false when the answer has no participants list.
bool parse_participants(const JanusReply& reply, std::vector<ParticipantState>* participants,
                        bool* room_muted);

// One event of a call's session (long poll) as the state machine's input; nullopt for the
// events it does not act on (e.g. `media`, `slowlink`, a `talking` notification).
std::optional<Event> parse_call_event(CallRef call, json_t* event);

}  // namespace glue
