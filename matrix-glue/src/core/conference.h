// One focus user and its group room: who may call, the calls, the Janus room (S2..S8).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "call.h"
#include "commands.h"
#include "effects.h"
#include "events.h"
#include "linked_room.h"
#include "timer_ids.h"

namespace glue {

class Conference {
 public:
  enum class Stage {
    kJoining,         // JoinRoom sent
    kLoadingMembers,  // joined, ReadMembers sent
    kActive,          // members known: calls are admitted or refused
    kOver,            // left (or never got in): to be dropped
  };

  Conference(std::string focus_user_id, std::string group_room_id)
      : focus_(std::move(focus_user_id)), group_room_(std::move(group_room_id)) {}

  const std::string& focus() const { return focus_; }
  const std::string& group_room() const { return group_room_; }
  Stage stage() const { return stage_; }
  bool is_member(const std::string& user_id) const { return members_.contains(user_id); }
  bool has_call(CallRef ref) const { return calls_.contains(ref); }
  const std::map<CallRef, Call>& calls() const { return calls_; }
  // A JanusCreateRoom is out; its result is ours.
  bool awaits_janus_room() const { return janus_room_ == JanusRoom::kCreating; }
  const std::vector<LinkedRoom>& linked_rooms() const { return linked_; }

  // Group room lifecycle.
  void start(Effects& fx);
  void on_join_result(bool ok, Effects& fx);
  void on_members(const MembersRead& read, Effects& fx);
  void on_group_membership(const MemberEvent& ev, Effects& fx);
  void on_no_call_timeout(Effects& fx);

  // The 1:1 rooms (S4): a user left one, or the focus can no longer use one (`can_send`: the
  // focus is still in it and may say goodbye).
  void on_direct_member_left(const std::string& room_id, const std::string& user_id, Effects& fx);
  void on_direct_room_lost(const std::string& room_id, bool can_send, Effects& fx);

  // A call event from a 1:1 room of this focus (held while the focus joins its group room).
  void on_call_event(const CallEvent& ev, Effects& fx);

  // Janus results.
  void on_janus_room_created(std::uint64_t janus_room, const std::string& instance, Effects& fx);
  void on_janus_room_error(int code, const std::string& reason, Effects& fx);
  void on_attached(const JanusAttached& ev, Effects& fx);
  void on_joined(const JanusJoined& ev, Effects& fx);
  void on_configured(const JanusConfigured& ev, Effects& fx);
  void on_media_up(const JanusMediaUp& ev, Effects& fx);
  void on_local_candidates(const JanusLocalCandidates& ev, Effects& fx);
  void on_call_gone(const JanusCallGone& ev, Effects& fx);
  void on_call_error(const JanusCallError& ev, Effects& fx);
  // Its room or a call's session is on that Janus instance (a conference's calls and room share
  // one).
  bool uses_instance(const std::string& instance) const;
  // The Janus instance of its room; null while it has none.
  const std::string* room_instance() const {
    return janus_room_ == JanusRoom::kReady ? &instance_ : nullptr;
  }
  // Its room's ID on room_instance().
  std::uint64_t janus_room_id() const { return janus_room_id_; }
  // `another_up`: another instance of the pool is up, so the conference moves there and the
  // focus calls its callers back. Losing the primary room's instance moves the whole
  // conference; losing a linked room's moves only that room's callers.
  void on_janus_lost(const std::string& instance, bool another_up, Effects& fx);

  // Cascade (conference_cascade.cpp): a linked room's creation and link set-up.
  void on_linked_room_created(const JanusRoomCreated& ev, Effects& fx);
  void on_linked_room_error(const JanusRoomError& ev, Effects& fx);
  void on_link_joined(const JanusLinkJoined& ev, Effects& fx);
  void on_link_configured(const JanusLinkConfigured& ev, Effects& fx);
  void on_link_error(const JanusLinkError& ev, Effects& fx);
  // State saved before Janus instances had names: it was all on `instance`.
  void adopt_instance(const std::string& instance);

  // Commands (conference_commands.cpp): the group room's power levels, a message in the group
  // room, one in the 1:1 room of `caller`, and the plugin's answer to a command's request.
  void on_power_levels(const PowerLevels& ev, Effects& fx);
  void on_group_message(const RoomMessage& ev, Effects& fx);
  void on_direct_message(const RoomMessage& ev, Effects& fx);
  void on_room_reply(const JanusRoomReply& ev, Effects& fx);

  // Per-call timers.
  void on_call_timer(TimerKind kind, CallRef ref, Effects& fx);

  // After a restore: what the I/O layer must do for this conference to carry on.
  void resume(std::vector<Action>& out) const;

 private:
  friend class SnapshotCodec;

  enum class JanusRoom { kNone, kCreating, kReady };
  // How a call ends on the Janus side.
  enum class JanusEnd {
    kLeave,    // still a participant: leave, then destroy the session
    kDestroy,  // the PeerConnection is gone already: destroy the session
    kNothing,  // Janus itself is gone
  };

  void on_invite(const CallInvite& ev, Effects& fx);
  void on_candidates(const CallCandidates& ev, Effects& fx);
  void on_answer(const CallAnswer& ev, Effects& fx);
  void on_select_answer(const CallSelectAnswer& ev, Effects& fx);
  void on_negotiate(const CallNegotiate& ev, Effects& fx);
  void on_hangup(const CallHeader& ev, Effects& fx);

  Call* find_call(const CallHeader& ev);
  void admit(const CallInvite& ev, std::int64_t remaining_lifetime_ms, Effects& fx);
  void join_janus(Call& call, Effects& fx);
  // Failover: a new call from the focus to the caller of `old` (its Janus side is gone).
  void call_back(const Call& old, Effects& fx);
  // A call-back's offer from the plugin: the m.call.invite goes out.
  void invite_caller(Call& call, const std::string& offer_sdp, Effects& fx);
  void send_call_event(const Call& call, const char* type, std::string content, Effects& fx);
  void flush_local_candidates(Call& call, Effects& fx);
  // Ends a call; `hangup_reason` empty: nothing is sent to the caller. An unanswered
  // call-back ends with `outcome`.
  void end_call(CallRef ref, std::string_view hangup_reason, JanusEnd janus, Effects& fx,
                CallBackOutcome outcome = CallBackOutcome::kFailed);
  // Ends the calls in `room_id` (empty: any) of `user_id` (empty: anyone).
  void end_calls_where(const std::string& room_id, const std::string& user_id,
                       std::string_view hangup_reason, Effects& fx,
                       JanusEnd janus = JanusEnd::kLeave);
  // S7: the last caller is gone.
  void finish_if_empty(Effects& fx);
  void leave(std::string_view why, Effects& fx);
  void leave_janus_room(Effects& fx);
  void run_group_command(const Command& command, const CommandOrigin& origin, Effects& fx);
  // The answered call of `user` in the plugin's room; null when there is none.
  const Call* participant(const std::string& user) const;
  void request_room(RoomRequest request, const CommandOrigin& origin, Effects& fx);
  void answer(const CommandOrigin& origin, std::string_view body, Effects& fx);
  std::string who_text(const JanusRoomReply& ev) const;
  // The name on a caller's video tile: their display name in the group room, else the user ID.
  const std::string& display_of(const std::string& user_id) const;
  // A member's display name changed: their calls in Janus take it (README: configure `display`).
  void rename(const std::string& user_id, std::string displayname, Effects& fx);
  void arm_no_call_timer(Effects& fx);
  void cancel_no_call_timer(Effects& fx);
  // Ends the calls whose Janus side died with an instance (`lost`); returns those to call back.
  std::vector<Call> end_lost_calls(const std::vector<CallRef>& lost, bool another_up, Effects& fx);

  // Cascade (conference_cascade.cpp).
  LinkedRoom* linked(std::uint32_t id);
  const LinkedRoom* linked(std::uint32_t id) const;
  int callers_in(std::uint32_t room) const;
  // The room a new call goes to: the first with space, primary first; a new linked room when
  // all are at their instance's share. The primary must exist (ready or being created).
  std::uint32_t room_for_new_call(Effects& fx);
  bool room_ready(std::uint32_t room) const;
  std::uint64_t janus_room_of(std::uint32_t room) const;
  // JanusAttach for `call` when its room's instance is known; a call for a linked room still
  // being set up attaches once its link is up.
  void attach(const Call& call, Effects& fx);
  // Leaves the link's ends and destroys the room; nothing goes to a `dead` instance.
  void drop_linked(std::uint32_t id, const std::string& dead, Effects& fx);
  void drop_all_linked(const std::string& dead, Effects& fx);
  // Linked rooms no caller is in any more go.
  void drop_empty_linked(Effects& fx);
  void resume_linked(const LinkedRoom& l, std::vector<Action>& out) const;

  std::string focus_;
  std::string group_room_;
  Stage stage_ = Stage::kJoining;
  std::set<std::string> members_;
  std::map<std::string, std::string> display_names_;  // of the members who have one
  std::vector<CallEvent> waiting_events_;             // arrived while joining the group room
  std::map<CallRef, Call> calls_;
  bool had_calls_ = false;
  bool no_call_timer_ = false;
  JanusRoom janus_room_ = JanusRoom::kNone;
  std::uint64_t janus_room_id_ = 0;
  std::string instance_;                     // the Janus instance of the room (placement, durable)
  std::optional<PowerLevels> power_levels_;  // the group room's, for moderation
  std::vector<LinkedRoom> linked_;           // a cascade's further rooms (durable)
  std::uint32_t next_linked_ = 1;
};

}  // namespace glue
