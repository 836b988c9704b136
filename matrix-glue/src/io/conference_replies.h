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

// A `load` answer: the plugin's own figures for an instance's headroom.
struct PluginLoad {
  long rooms = 0;
  long participants = 0;  // WebRTC and plain RTP, in every room (also rooms others made)
  long tick_threads = 0;
  double tick_load = 0;  // the tick threads' busy share, 0..1, over the last second
  long late_ticks = 0;
  long missed_ticks = 0;
};
// False with `error` for an error answer or one without the figures (e.g. an older plugin).
bool parse_plugin_load(const JanusReply& reply, PluginLoad* out, std::string* error);

// One room of a `list` answer.
struct ListedRoom {
  std::uint64_t room = 0;
  std::string description;
};
// False with `error` for an error answer or one without a `list`; rooms without a numeric ID
// (string_ids) are not the glue's and are left out.
bool parse_room_list(const JanusReply& reply, std::vector<ListedRoom>* out, std::string* error);

// The plugin's answer to a link's `join` (`joined` with its `id` and own `rtp` address) or
// `configure` (`result: "ok"`), read from one event of the link's own session.
struct LinkReply {
  bool ok = false;
  int error_code = 0;
  std::string error;
  std::uint64_t participant = 0;  // join
  std::string ip;                 // join: where the far end must send
  int port = 0;
};
// nullopt when `event` is not that answer (another notification on the session).
std::optional<LinkReply> parse_link_reply(json_t* event, bool join);

// One event of a call's session (long poll) as the state machine's input; nullopt for the
// events it does not act on (e.g. `media`, `slowlink`, a `talking` notification).
std::optional<Event> parse_call_event(CallRef call, json_t* event);

}  // namespace glue
