#include "glue_state.h"

#include <set>
#include <type_traits>
#include <utility>
#include <variant>

#include "call.h"
#include "focus_id.h"
#include "refusal.h"
#include "timer_ids.h"

namespace glue {
namespace {

const CallHeader& header(const CallEvent& ev) {
  return std::visit([](const auto& e) -> const CallHeader& { return e; }, ev);
}

}  // namespace

std::vector<Action> GlueState::handle(const Event& event, std::int64_t now_ms) {
  std::vector<Action> out;
  Effects fx(config_, now_ms, ledger_, out);
  std::visit(
      [&](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, JanusJoined> || std::is_same_v<T, JanusConfigured> ||
                      std::is_same_v<T, JanusMediaUp> || std::is_same_v<T, JanusLocalCandidates> ||
                      std::is_same_v<T, JanusCallGone> || std::is_same_v<T, JanusCallError>) {
          // Results for calls that have ended since are dropped.
          if (Conference* c = call_owner(ev.call)) {
            if constexpr (std::is_same_v<T, JanusJoined>) c->on_joined(ev, fx);
            if constexpr (std::is_same_v<T, JanusConfigured>) c->on_configured(ev, fx);
            if constexpr (std::is_same_v<T, JanusMediaUp>) c->on_media_up(ev, fx);
            if constexpr (std::is_same_v<T, JanusLocalCandidates>) c->on_local_candidates(ev, fx);
            if constexpr (std::is_same_v<T, JanusCallGone>) c->on_call_gone(ev, fx);
            if constexpr (std::is_same_v<T, JanusCallError>) c->on_call_error(ev, fx);
          }
        } else {
          on(ev, fx);
        }
      },
      event);
  settle(fx);
  return out;
}

std::optional<std::string> GlueState::focus_room(const std::string& user_id) const {
  return parse_focus_user_id(user_id, config_.prefix, config_.server_name);
}

Conference* GlueState::conference(const std::string& focus_user_id) {
  auto it = conferences_.find(focus_user_id);
  return it == conferences_.end() ? nullptr : &it->second;
}

Conference* GlueState::call_owner(CallRef ref) {
  for (auto& [focus, conf] : conferences_) {
    if (conf.has_call(ref)) return &conf;
  }
  return nullptr;
}

void GlueState::on(const MemberEvent& ev, Effects& fx) {
  if (std::optional<std::string> group_room = focus_room(ev.user_id)) {
    on_focus_membership(ev, *group_room, fx);
    return;
  }
  for (auto& [focus, conf] : conferences_) {
    if (conf.group_room() == ev.room_id) conf.on_group_membership(ev, fx);  // S3, S5
  }
  auto it = direct_rooms_.find(ev.room_id);
  if (it == direct_rooms_.end() || !is_gone(ev.membership)) return;
  const DirectRoom& room = it->second;
  if (Conference* conf = conference(room.focus)) {
    conf->on_direct_member_left(ev.room_id, ev.user_id, fx);  // S4
  }
  if (ev.user_id != room.inviter) return;
  // The 1:1 room is of no use once the caller is gone.
  fx.push(LeaveRoom{room.focus, ev.room_id, ""});
  direct_rooms_.erase(it);
}

void GlueState::on_focus_membership(const MemberEvent& ev, const std::string& group_room,
                                    Effects& fx) {
  const bool in_group_room = ev.room_id == group_room;
  if (ev.membership == Membership::kInvite) {
    if (!in_group_room) {
      on_direct_invite(ev, group_room, fx);
    } else if (conference(ev.user_id) == nullptr) {
      conferences_.try_emplace(ev.user_id, ev.user_id, group_room).first->second.start(fx);
    }
    return;
  }
  if (!is_gone(ev.membership)) return;
  if (in_group_room) {
    if (Conference* conf = conference(ev.user_id)) conf->on_group_membership(ev, fx);
    return;
  }
  auto it = direct_rooms_.find(ev.room_id);
  if (it == direct_rooms_.end() || it->second.focus != ev.user_id) return;
  if (Conference* conf = conference(ev.user_id)) conf->on_direct_room_lost(ev.room_id, false, fx);
  direct_rooms_.erase(it);
}

// Any room other than its own group room is a 1:1 room for a focus, whatever `is_direct`
// says: the early clients that use the historic IDs did not mark their 1:1 rooms as direct.
void GlueState::on_direct_invite(const MemberEvent& ev, const std::string& group_room,
                                 Effects& fx) {
  auto it = direct_rooms_.find(ev.room_id);
  if (it != direct_rooms_.end()) {
    // One focus per 1:1 room: call events carry no reliable addressee to tell two apart.
    if (it->second.focus != ev.user_id) {
      fx.push(LeaveRoom{ev.user_id, ev.room_id, "This room already has a conference focus."});
    }
    return;
  }
  direct_rooms_[ev.room_id] = DirectRoom{ev.user_id, group_room, ev.sender,
                                         DirectRoom::Stage::kPending, ev.encrypted.value_or(false)};
  decide_direct(ev.room_id, fx);
}

void GlueState::decide_direct(const std::string& room_id, Effects& fx) {
  DirectRoom& room = direct_rooms_.at(room_id);
  Conference* conf = conference(room.focus);
  if (conf == nullptr || conf->stage() == Conference::Stage::kOver) {
    decline_direct(room_id, "Invite me to " + room.group_room + " first, then call me.", fx);
    return;
  }
  if (conf->stage() != Conference::Stage::kActive) return;
  if (!conf->is_member(room.inviter)) {
    decline_direct(room_id,
                   "Only joined members of " + room.group_room + " can join its conference.", fx);
    return;
  }
  fx.push(JoinRoom{room.focus, room_id});
  room.stage = DirectRoom::Stage::kJoining;
}

// Declining is leaving with a reason: the focus never joins a room to talk to someone who
// may not call it.
void GlueState::decline_direct(const std::string& room_id, const std::string& reason, Effects& fx) {
  const DirectRoom& room = direct_rooms_.at(room_id);
  fx.push(LeaveRoom{room.focus, room_id, reason});
  fx.log(LogLevel::kInfo, room_id, room.inviter, "", "1:1 room declined: " + reason);
  direct_rooms_.erase(room_id);
}

void GlueState::leave_encrypted(const std::string& room_id, Effects& fx) {
  const DirectRoom room = direct_rooms_.at(room_id);
  direct_rooms_.erase(room_id);
  if (Conference* conf = conference(room.focus)) conf->on_direct_room_lost(room_id, true, fx);
  fx.notice(room.focus, room_id,
            "This room is encrypted and I cannot read encrypted call events. Start a direct "
            "chat with me without encryption to join the conference.");
  fx.push(LeaveRoom{room.focus, room_id, ""});
}

void GlueState::on(const RoomEncryptionEvent& ev, Effects& fx) {
  auto it = direct_rooms_.find(ev.room_id);
  if (it == direct_rooms_.end()) return;
  if (it->second.stage == DirectRoom::Stage::kJoined) {
    leave_encrypted(ev.room_id, fx);
  } else {
    it->second.encrypted = true;
  }
}

// Commands: in a group room to its focus, in a 1:1 room from its caller (anyone else there is
// ignored). No focus takes orders from a focus, its own notices included.
void GlueState::on(const RoomMessage& ev, Effects& fx) {
  if (focus_room(ev.sender)) return;
  for (auto& [focus, conf] : conferences_) {
    if (conf.group_room() == ev.room_id) conf.on_group_message(ev, fx);
  }
  auto it = direct_rooms_.find(ev.room_id);
  if (it == direct_rooms_.end() || it->second.stage != DirectRoom::Stage::kJoined ||
      ev.sender != it->second.inviter) {
    return;
  }
  if (Conference* conf = conference(it->second.focus)) conf->on_direct_message(ev, fx);
}

void GlueState::on(const PowerLevels& ev, Effects& fx) {
  for (auto& [focus, conf] : conferences_) {
    if (conf.group_room() == ev.room_id) conf.on_power_levels(ev, fx);
  }
}

void GlueState::on(const JanusRoomReply& ev, Effects& fx) {
  if (Conference* conf = conference(ev.focus_user_id)) conf->on_room_reply(ev, fx);
}

void GlueState::on(const JoinResult& ev, Effects& fx) {
  std::optional<std::string> group_room = focus_room(ev.user_id);
  if (!group_room) return;
  if (ev.room_id == *group_room) {
    if (Conference* conf = conference(ev.user_id)) conf->on_join_result(ev.ok, fx);
    return;
  }
  auto it = direct_rooms_.find(ev.room_id);
  if (it == direct_rooms_.end() || it->second.focus != ev.user_id ||
      it->second.stage != DirectRoom::Stage::kJoining) {
    return;
  }
  if (!ev.ok) {
    fx.log(LogLevel::kWarning, ev.room_id, ev.user_id, "", "could not join the 1:1 room");
    direct_rooms_.erase(it);
  } else if (it->second.encrypted) {
    it->second.stage = DirectRoom::Stage::kJoined;
    leave_encrypted(ev.room_id, fx);
  } else {
    it->second.stage = DirectRoom::Stage::kJoined;
    // The early-invite race: the call may have been placed before the focus was in the room.
    fx.push(ReadRecentEvents{ev.user_id, ev.room_id, config_.recent_events_limit});
  }
}

void GlueState::on(const RecentEvents& ev, Effects& fx) {
  auto it = direct_rooms_.find(ev.room_id);
  if (it == direct_rooms_.end() || it->second.stage != DirectRoom::Stage::kJoined) return;
  if (ev.encrypted) {
    leave_encrypted(ev.room_id, fx);
    return;
  }
  // Calls already hung up or rejected in this history are not answered.
  std::set<std::pair<std::string, std::string>> ended;
  for (const CallEvent& e : ev.events) {
    if (std::holds_alternative<CallHangup>(e) || std::holds_alternative<CallReject>(e)) {
      ended.emplace(header(e).sender, header(e).call_id);
    }
  }
  for (const CallEvent& e : ev.events) {
    if (!ended.contains({header(e).sender, header(e).call_id})) on_call_event(e, fx);
  }
}

void GlueState::on(const MembersRead& ev, Effects& fx) {
  Conference* conf = conference(ev.user_id);
  if (conf != nullptr && conf->group_room() == ev.room_id) conf->on_members(ev, fx);
}

template <typename CallEventT>
void GlueState::on(const CallEventT& ev, Effects& fx) {
  on_call_event(ev, fx);
}

void GlueState::on_call_event(const CallEvent& ev, Effects& fx) {
  const CallHeader& h = header(ev);
  auto it = direct_rooms_.find(h.room_id);
  // Call events elsewhere (group rooms, rooms of other users) are not addressed to a focus;
  // the focus' own events come back from the homeserver too.
  if (it == direct_rooms_.end() || it->second.stage != DirectRoom::Stage::kJoined ||
      focus_room(h.sender)) {
    return;
  }
  const DirectRoom& room = it->second;
  if (Conference* conf = conference(room.focus)) {
    conf->on_call_event(ev, fx);
    return;
  }
  const auto* invite = std::get_if<CallInvite>(&ev);
  if (invite != nullptr && remaining_lifetime_ms(*invite, fx.now_ms()) > 0) {
    refuse_invite(fx, room.focus, *invite, kFocusNotInRoom,
                  "I am not in " + room.group_room + ": invite me there, then call again.");
  }
}

void GlueState::on(const JanusRoomCreated& ev, Effects& fx) {
  Conference* conf = conference(ev.focus_user_id);
  if (ev.linked_room != 0 && conf != nullptr) {
    conf->on_linked_room_created(ev, fx);
  } else if (ev.linked_room == 0 && conf != nullptr && conf->awaits_janus_room()) {
    conf->on_janus_room_created(ev.janus_room, ev.instance, fx);
  } else {
    fx.push(JanusDestroyRoom{ev.janus_room, ev.instance});  // its conference ended meanwhile
  }
}

void GlueState::on(const JanusRoomError& ev, Effects& fx) {
  Conference* conf = conference(ev.focus_user_id);
  if (conf != nullptr && ev.linked_room != 0) {
    conf->on_linked_room_error(ev, fx);
  } else if (conf != nullptr && conf->awaits_janus_room()) {
    conf->on_janus_room_error(ev.code, ev.reason, fx);
  }
}

void GlueState::on(const JanusLinkJoined& ev, Effects& fx) {
  if (Conference* conf = conference(ev.focus_user_id)) {
    conf->on_link_joined(ev, fx);
  } else {
    fx.push(JanusLinkLeave{ev.instance, ev.end.session, ev.end.handle});  // its conference ended
  }
}

void GlueState::on(const JanusLinkConfigured& ev, Effects& fx) {
  if (Conference* conf = conference(ev.focus_user_id)) conf->on_link_configured(ev, fx);
}

void GlueState::on(const JanusLinkError& ev, Effects& fx) {
  if (Conference* conf = conference(ev.focus_user_id)) conf->on_link_error(ev, fx);
}

void GlueState::on(const JanusAttached& ev, Effects& fx) {
  if (Conference* conf = call_owner(ev.call)) {
    conf->on_attached(ev, fx);
  } else {
    fx.push(JanusDestroySession{ev.call, ev.session_id});  // the call ended meanwhile
  }
}

void GlueState::on(const JanusLost& ev, Effects& fx) {
  fx.log(LogLevel::kError, "", "", "", "Janus " + ev.instance + " lost: " + ev.reason);
  for (auto& [focus, conf] : conferences_) {
    if (conf.uses_instance(ev.instance)) conf.on_janus_lost(ev.instance, ev.another_up, fx);
  }
}

void GlueState::adopt_instance(const std::string& instance) {
  for (auto& [focus, conf] : conferences_) conf.adopt_instance(instance);
}

std::map<std::string, int> GlueState::rooms_by_instance() const {
  std::map<std::string, int> rooms;
  for (const auto& [focus, conf] : conferences_) {
    if (const std::string* instance = conf.room_instance()) ++rooms[*instance];
    for (const LinkedRoom& l : conf.linked_rooms()) {
      if (l.janus_room != 0) ++rooms[l.instance];
    }
  }
  return rooms;
}

std::map<std::string, std::set<std::uint64_t>> GlueState::tracked_rooms() const {
  std::map<std::string, std::set<std::uint64_t>> rooms;
  for (const auto& [focus, conf] : conferences_) {
    if (const std::string* instance = conf.room_instance())
      rooms[*instance].insert(conf.janus_room_id());
    // A linked room is tracked from its creation on: reconciliation must not destroy it.
    for (const LinkedRoom& l : conf.linked_rooms()) {
      if (l.janus_room != 0) rooms[l.instance].insert(l.janus_room);
    }
  }
  return rooms;
}

void GlueState::on(const TimerFired& ev, Effects& fx) {
  ledger_.timers.erase(ev.id);
  std::optional<TimerTarget> target = parse_timer_id(ev.id);
  if (!target) return;
  if (target->kind == TimerKind::kNoCall) {
    if (Conference* conf = conference(target->focus_user_id)) conf->on_no_call_timeout(fx);
  } else if (Conference* conf = call_owner(target->call)) {
    conf->on_call_timer(target->kind, target->call, fx);
  }
}

void GlueState::settle(Effects& fx) {
  std::erase_if(conferences_,
                [](const auto& entry) { return entry.second.stage() == Conference::Stage::kOver; });
  std::vector<std::string> pending;
  for (const auto& [room_id, room] : direct_rooms_) {
    if (room.stage != DirectRoom::Stage::kPending) continue;
    const Conference* conf = conference(room.focus);
    if (conf == nullptr || conf->stage() == Conference::Stage::kActive) pending.push_back(room_id);
  }
  for (const std::string& room_id : pending) decide_direct(room_id, fx);
}

}  // namespace glue
