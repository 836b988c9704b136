// Commands to a focus in Matrix messages: who may give them and what they say. The syntax is
// documented in the README and by `help`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "events.h"

namespace glue {

enum class CommandKind {
  kHelp,
  kWho,
  kMute,         // group room: `target`; 1:1 room: the caller
  kUnmute,       // likewise
  kMuteAll,      // group room only
  kUnmuteAll,    // group room only
  kKick,         // group room only: `target`
  kRecordStart,  // group room only
  kRecordStop,   // group room only
  kLayout,       // 1:1 room only: `target` is "grid" or "speaker"
  kUnknown,      // `target`: what was not understood
};

struct Command {
  CommandKind kind = CommandKind::kUnknown;
  std::string target;
  bool operator==(const Command&) const = default;
};

// The text of a group-room message addressed to `focus`, without the address: the body starts
// with the focus' user ID, or the message mentions it (m.mentions), when a leading
// "name: " (a client's mention pill) is dropped. nullopt: not addressed to the focus.
std::optional<std::string> addressed_text(const RoomMessage& message, const std::string& focus);

// A moderator's command in the group room.
Command parse_group_command(std::string_view text);
// A caller's command in their 1:1 room.
Command parse_direct_command(std::string_view text);

// `user`'s power level is at least the room's `kick` level.
bool may_moderate(const PowerLevels& levels, const std::string& user);
std::int64_t power_level(const PowerLevels& levels, const std::string& user);

// What `help` answers.
std::string group_help(const std::string& focus);
std::string direct_help();

}  // namespace glue
