// The requests the glue sends janus.plugin.conference, as typed values, and their JSON (the
// request names and fields of Janus' AudioBridge, which the plugin shares). Every body the glue
// sends the plugin is built here and nowhere else.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "events.h"

namespace glue {

struct CreateRoomRequest {
  std::string description;  // tagged (room_tag.h): reconciliation finds the glue's rooms by it
  bool is_private = true;   // kept out of `list` for other clients of this Janus
  std::string admin_key{};  // sent when not empty
};

// `list`; with the admin_key the private rooms too, so the glue's own.
struct ListRoomsRequest {
  std::string admin_key;
};

// `load`: the plugin's own figures (rooms, participants, tick load) for placement.
struct LoadRequest {
  std::string admin_key;
};

struct DestroyRoomRequest {
  std::uint64_t room = 0;
};

struct JoinRequest {
  std::uint64_t room = 0;
  std::string display;  // the caller's display name (README "Request API")
  // No JSEP: the plugin offers (a call the focus places), with video when `offer_video`.
  bool generate_offer = false;
  bool offer_video = false;
};

// A link's `join` (README "Request API"): a plain-RTP participant of `room` carrying its mix to
// the far room and the far room's into it; `far_port` 0 while the far end is not joined yet.
struct LinkJoinRequest {
  std::uint64_t room = 0;
  std::string display;
  std::string far_ip;
  int far_port = 0;
  int link_timeout_s = 5;   // nothing from the far end this long: the link is lost
  std::string admin_key{};  // the glue's rooms have no secret: the admin_key authorizes it
};

// A link's `configure` with the far end's address.
struct LinkConfigureRequest {
  std::string far_ip;
  int far_port = 0;
};

struct ConfigureRequest {
  std::optional<std::string> display;  // the name on the caller's tile, when it changes
};

// A command's request on `room` (events.h): mute, kick, recording, announcements, the list of
// participants; kLayout is the `configure` of the caller's own handle.
struct CommandRequest {
  std::uint64_t room = 0;
  RoomRequest request;
};

struct LeaveRequest {};

// Owned JSON (json_decref it): a plugin message body.
json_t* to_json(const CreateRoomRequest& r);
json_t* to_json(const ListRoomsRequest& r);
json_t* to_json(const LoadRequest& r);
json_t* to_json(const DestroyRoomRequest& r);
json_t* to_json(const JoinRequest& r);
json_t* to_json(const ConfigureRequest& r);
json_t* to_json(const LeaveRequest& r);
json_t* to_json(const LinkJoinRequest& r);
json_t* to_json(const LinkConfigureRequest& r);
json_t* to_json(const CommandRequest& r);

// Owned JSON: the `jsep` of a join or configure.
json_t* offer_jsep(const std::string& sdp);
// Owned JSON: the `jsep` of the configure answering the plugin's offer.
json_t* answer_jsep(const std::string& sdp);
// Owned JSON: a trickle's `candidates` list (Janus' field names).
json_t* trickle_candidates(const std::vector<Candidate>& candidates);
// Owned JSON: the trickle `candidate` that ends the candidates.
json_t* trickle_completed();

}  // namespace glue
