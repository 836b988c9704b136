// A cascade: a room on another Janus instance, linked to its conference's first room (the
// primary) by a plain-RTP link, for the callers the primary's instance has no share left for.
#pragma once

#include <cstdint>
#include <string>

namespace glue {

// One end of a link: its own Janus session and handle, the plugin's participant there, and
// the plugin's own plain-RTP address (from its `joined`), where the far end sends.
struct LinkEnd {
  std::uint64_t session = 0;  // 0: not joined
  std::uint64_t handle = 0;
  std::uint64_t participant = 0;
  std::string ip;
  int port = 0;
  bool operator==(const LinkEnd&) const = default;
};

// Set-up in the order of tests/integration/cascade.py: the room, the link on the primary
// (no far port yet), the link here (with the primary's), then the primary's link told this
// end's port.
struct LinkedRoom {
  enum class Stage { kCreating, kLinkingPrimary, kLinkingHere, kConfiguring, kReady };
  std::uint32_t id = 0;  // the conference's own number for it (Call::room)
  Stage stage = Stage::kCreating;
  std::string instance;  // known once created
  std::uint64_t janus_room = 0;
  LinkEnd primary_end;  // in the primary room
  LinkEnd here_end;     // in this room
};

}  // namespace glue
