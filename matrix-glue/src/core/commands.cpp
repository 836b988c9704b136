#include "commands.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace glue {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
    std::size_t end = i;
    while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end])) == 0) ++end;
    if (end > i) out.push_back(text.substr(i, end - i));
    i = end;
  }
  return out;
}

std::string_view trim_start(std::string_view s) {
  while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) != 0 ||
                        s.front() == ':' || s.front() == ',')) {
    s.remove_prefix(1);
  }
  return s;
}

// A Matrix user ID as a command's target: "@localpart:server".
bool is_user_id(std::string_view s) {
  return s.size() >= 4 && s.front() == '@' && s.find(':') != std::string_view::npos &&
         s.find(':') > 1 && s.find(':') + 1 < s.size();
}

Command unknown(std::string_view text) {
  return Command{CommandKind::kUnknown, std::string(text)};
}

}  // namespace

std::optional<std::string> addressed_text(const RoomMessage& message, const std::string& focus) {
  std::string_view body = message.body;
  if (body.starts_with(focus)) return std::string(trim_start(body.substr(focus.size())));
  if (std::ranges::find(message.mentions, focus) == message.mentions.end()) return std::nullopt;
  // A mention pill's text (the focus' display name) ends in ": " before the command.
  const std::size_t colon = body.find(": ");
  const std::size_t newline = body.find('\n');
  if (colon != std::string_view::npos && (newline == std::string_view::npos || colon < newline)) {
    body.remove_prefix(colon + 2);
  }
  return std::string(trim_start(body));
}

Command parse_group_command(std::string_view text) {
  const std::vector<std::string_view> w = words(text);
  if (w.empty()) return unknown(text);
  const std::string verb = lower(w[0]);
  if (w.size() == 1 && verb == "help") return {CommandKind::kHelp, ""};
  if (w.size() == 1 && verb == "who") return {CommandKind::kWho, ""};
  if (w.size() == 2 && (verb == "mute" || verb == "unmute")) {
    if (lower(w[1]) == "all") {
      return {verb == "mute" ? CommandKind::kMuteAll : CommandKind::kUnmuteAll, ""};
    }
    if (is_user_id(w[1])) {
      return {verb == "mute" ? CommandKind::kMute : CommandKind::kUnmute, std::string(w[1])};
    }
  }
  if (w.size() == 2 && verb == "kick" && is_user_id(w[1])) {
    return {CommandKind::kKick, std::string(w[1])};
  }
  if (w.size() == 2 && verb == "record") {
    const std::string what = lower(w[1]);
    if (what == "start") return {CommandKind::kRecordStart, ""};
    if (what == "stop") return {CommandKind::kRecordStop, ""};
  }
  return unknown(text);
}

Command parse_direct_command(std::string_view text) {
  const std::vector<std::string_view> w = words(text);
  if (w.empty()) return unknown(text);
  const std::string verb = lower(w[0]);
  if (w.size() == 1) {
    if (verb == "help") return {CommandKind::kHelp, ""};
    if (verb == "who") return {CommandKind::kWho, ""};
    if (verb == "mute") return {CommandKind::kMute, ""};
    if (verb == "unmute") return {CommandKind::kUnmute, ""};
  }
  if (w.size() == 2 && verb == "layout") {
    const std::string layout = lower(w[1]);
    if (layout == "grid" || layout == "speaker") return {CommandKind::kLayout, layout};
  }
  return unknown(text);
}

std::int64_t power_level(const PowerLevels& levels, const std::string& user) {
  auto it = levels.users.find(user);
  return it != levels.users.end() ? it->second : levels.users_default;
}

bool may_moderate(const PowerLevels& levels, const std::string& user) {
  return power_level(levels, user) >= levels.kick;
}

std::string group_help(const std::string& focus) {
  return "Conference commands for members who may kick (power level at least the room's kick "
         "level). Start a message with " +
         focus +
         " (or mention me), then: `mute @user:server` / `unmute @user:server` (one participant), "
         "`mute all` / `unmute all` (the whole conference), `kick @user:server` (from the "
         "conference), `record start` / `record stop`, `who` (the participants), `help`.";
}

std::string direct_help() {
  return "Commands in this room while you are in the conference: `mute` / `unmute` (your "
         "microphone), `layout grid` / `layout speaker` (the video layout), `who` (the "
         "participants), `help`.";
}

}  // namespace glue
