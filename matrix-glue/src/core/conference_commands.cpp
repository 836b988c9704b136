// Conference: the commands of moderators (group room) and callers (1:1 rooms).
#include <string>

#include "commands.h"
#include "conference.h"

namespace glue {
namespace {

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

}  // namespace

void Conference::on_power_levels(const PowerLevels& ev, Effects& fx) {
  power_levels_ = ev;
  fx.log(LogLevel::kDebug, group_room_, focus_, "",
         "power levels: kick " + std::to_string(ev.kick) + ", default " +
             std::to_string(ev.users_default));
}

void Conference::on_group_message(const RoomMessage& ev, Effects& fx) {
  if (stage_ != Stage::kActive) return;
  const std::optional<std::string> text = addressed_text(ev, focus_);
  if (!text) return;
  const CommandOrigin origin{ev.room_id, ev.event_id, ev.sender};
  // Without the room's power levels nobody is known to be a moderator.
  const std::int64_t level = power_levels_ ? power_level(*power_levels_, ev.sender) : 0;
  if (!power_levels_ || !may_moderate(*power_levels_, ev.sender)) {
    const std::string kick = power_levels_ ? std::to_string(power_levels_->kick) : "unknown";
    fx.log(LogLevel::kWarning, group_room_, ev.sender, "",
           "command refused (power level " + std::to_string(level) + ", kick level " + kick +
               "): " + quoted(*text));
    answer(origin,
           "Only members whose power level is at least this room's kick level (" + kick +
               ") can give me commands; yours is " + std::to_string(level) + ".",
           fx);
    return;
  }
  fx.log(LogLevel::kInfo, group_room_, ev.sender, "", "moderator command: " + quoted(*text));
  run_group_command(parse_group_command(*text), origin, fx);
}

void Conference::run_group_command(const Command& command, const CommandOrigin& origin,
                                   Effects& fx) {
  switch (command.kind) {
    case CommandKind::kHelp:
      answer(origin, group_help(focus_), fx);
      return;
    case CommandKind::kUnknown:
      answer(origin, "I did not understand " + quoted(command.target) + ". " + group_help(focus_),
             fx);
      return;
    default:
      break;
  }
  if (janus_room_ != JanusRoom::kReady) {
    answer(origin, "No conference is running: nobody is in the call.", fx);
    return;
  }
  RoomRequest request;
  switch (command.kind) {
    case CommandKind::kMute:
    case CommandKind::kUnmute:
    case CommandKind::kKick: {
      const Call* call = participant(command.target);
      if (call == nullptr) {
        answer(origin, command.target + " is not in the conference.", fx);
        return;
      }
      request.kind = command.kind == CommandKind::kMute     ? RoomRequestKind::kMute
                     : command.kind == CommandKind::kUnmute ? RoomRequestKind::kUnmute
                                                            : RoomRequestKind::kKick;
      request.participant = call->participant_id;
      request.target = command.target;
      break;
    }
    case CommandKind::kMuteAll:
      request.kind = RoomRequestKind::kMuteRoom;
      break;
    case CommandKind::kUnmuteAll:
      request.kind = RoomRequestKind::kUnmuteRoom;
      break;
    case CommandKind::kRecordStart:
      request.kind = RoomRequestKind::kRecordStart;
      break;
    case CommandKind::kRecordStop:
      request.kind = RoomRequestKind::kRecordStop;
      break;
    default:  // kWho; kLayout is no group-room command (parse_group_command never yields it)
      request.kind = RoomRequestKind::kListParticipants;
      break;
  }
  request_room(std::move(request), origin, fx);
}

// Messages from anyone but the caller never get here (GlueState::on).
void Conference::on_direct_message(const RoomMessage& ev, Effects& fx) {
  if (stage_ != Stage::kActive) return;
  const CommandOrigin origin{ev.room_id, ev.event_id, ev.sender};
  const Command command = parse_direct_command(ev.body);
  fx.log(LogLevel::kInfo, ev.room_id, ev.sender, "", "caller command: " + quoted(ev.body));
  if (command.kind == CommandKind::kHelp) {
    answer(origin, direct_help(), fx);
    return;
  }
  if (command.kind == CommandKind::kUnknown) {
    answer(origin, "I did not understand " + quoted(command.target) + ". " + direct_help(), fx);
    return;
  }
  const Call* call = participant(ev.sender);
  if (call == nullptr || janus_room_ != JanusRoom::kReady) {
    answer(origin, "You are not in the conference: call me first.", fx);
    return;
  }
  RoomRequest request;
  request.kind = command.kind == CommandKind::kMute     ? RoomRequestKind::kMute
                 : command.kind == CommandKind::kUnmute ? RoomRequestKind::kUnmute
                 : command.kind == CommandKind::kLayout ? RoomRequestKind::kLayout
                                                        : RoomRequestKind::kListParticipants;
  request.participant = call->participant_id;
  request.target = ev.sender;
  if (command.kind == CommandKind::kLayout) {
    request.layout = command.target;
    request.session_id = call->session_id;
    request.handle_id = call->handle_id;
  }
  request_room(std::move(request), origin, fx);
}

void Conference::on_room_reply(const JanusRoomReply& ev, Effects& fx) {
  const RoomRequest& r = ev.request;
  if (!ev.ok) {
    fx.log(LogLevel::kWarning, ev.origin.room_id, ev.origin.sender, "",
           "command failed: Janus " + std::to_string(ev.code) + " " + ev.error);
    if (r.kind != RoomRequestKind::kPlayFile) {
      answer(ev.origin, "That did not work: " + ev.error, fx);
    }
    return;
  }
  const bool self = r.target == ev.origin.sender;
  std::string done;
  switch (r.kind) {
    case RoomRequestKind::kMute:
      done = self ? "You are muted." : r.target + " is muted.";
      break;
    case RoomRequestKind::kUnmute:
      done = self ? "You are unmuted." : r.target + " is unmuted.";
      break;
    case RoomRequestKind::kMuteRoom:
      done = "Everyone in the conference is muted.";
      break;
    case RoomRequestKind::kUnmuteRoom:
      done = "The conference is unmuted.";
      break;
    case RoomRequestKind::kKick:
      done = r.target + " was removed from the conference.";
      break;
    case RoomRequestKind::kRecordStart:
      // Consent: everyone in the group room reads it, everyone in the call hears it.
      done = "This conference is being recorded (started by " + ev.origin.sender + ").";
      if (!fx.config().recording_announcement.empty()) {
        RoomRequest play;
        play.kind = RoomRequestKind::kPlayFile;
        play.file = fx.config().recording_announcement;
        request_room(std::move(play), ev.origin, fx);
      }
      break;
    case RoomRequestKind::kRecordStop:
      done = "The recording of this conference has stopped.";
      break;
    case RoomRequestKind::kLayout:
      done = "The video layout is now " + r.layout + ".";
      break;
    case RoomRequestKind::kListParticipants:
      done = who_text(ev);
      break;
    case RoomRequestKind::kPlayFile:
      fx.log(LogLevel::kInfo, group_room_, ev.origin.sender, "",
             "recording announcement playing: " + r.file);
      return;
  }
  fx.log(LogLevel::kInfo, ev.origin.room_id, ev.origin.sender, "", "command done: " + done);
  answer(ev.origin, done, fx);
}

std::string Conference::who_text(const JanusRoomReply& ev) const {
  std::string out = "In the conference (" + std::to_string(ev.participants.size()) + ")";
  const char* sep = ": ";
  for (const ParticipantState& p : ev.participants) {
    std::string name = p.display;
    for (const auto& [ref, call] : calls_) {
      if (call.participant_id == p.id && call.answered) name = call.caller;
    }
    out += sep + name + (p.muted ? " (muted)" : "");
    sep = ", ";
  }
  out += ".";
  if (ev.room_muted) out += " The whole conference is muted.";
  return out;
}

const Call* Conference::participant(const std::string& user) const {
  for (const auto& [ref, call] : calls_) {
    if (call.caller == user && call.answered && call.participant_id != 0 && !call.peer_gone) {
      return &call;
    }
  }
  return nullptr;
}

void Conference::request_room(RoomRequest request, const CommandOrigin& origin, Effects& fx) {
  fx.push(JanusRoomRequest{focus_, instance_, janus_room_id_, std::move(request), origin});
}

void Conference::answer(const CommandOrigin& origin, std::string_view body, Effects& fx) {
  fx.reply_notice(focus_, origin.room_id, origin.event_id, body);
}

}  // namespace glue
