#include "conference.h"

#include <type_traits>
#include <variant>

#include "call_content.h"
#include "refusal.h"
#include "sdp_streams.h"

namespace glue {
namespace {

// Hangup reasons: the spec's, plus "replaced" as matrix-js-sdk uses it.
constexpr std::string_view kUserHangup = "user_hangup";
constexpr std::string_view kIceFailed = "ice_failed";
constexpr std::string_view kIceTimeout = "ice_timeout";
constexpr std::string_view kUnknownError = "unknown_error";
constexpr std::string_view kUserBusy = "user_busy";
constexpr std::string_view kReplaced = "replaced";
constexpr std::string_view kInviteTimeout = "invite_timeout";
// Janus' hangup reason when the peer closed DTLS: the caller ended the call.
constexpr std::string_view kDtlsAlert = "DTLS alert";

constexpr int kJanusRoomFull = 495;

constexpr std::string_view kKickedNotice =
    "The conference server's operator removed you from the conference.";
constexpr std::string_view kRoomDestroyedNotice =
    "The conference server's operator closed this conference and your call was ended. Call me "
    "again to start it anew.";
constexpr std::string_view kJanusLostNotice =
    "The conference server failed and your call was ended. Call me again to rejoin the "
    "conference.";
constexpr std::string_view kCallBackNotice =
    "The conference server failed and your call was ended. I am calling you back to move the "
    "conference to another server: answer my call to rejoin it.";
constexpr std::string_view kCallBackFailedNotice =
    "I could not call you back. Call me again to rejoin the conference.";

bool sends_video(std::string_view sdp) {
  for (const SdpStream& s : sdp_streams(sdp)) {
    if (s.sends_video) return true;
  }
  return false;
}

}  // namespace

void Conference::start(Effects& fx) {
  fx.push(JoinRoom{focus_, group_room_});
  fx.log(LogLevel::kInfo, group_room_, focus_, "", "invited to the group room: joining (S2)");
}

void Conference::on_join_result(bool ok, Effects& fx) {
  if (stage_ != Stage::kJoining) return;
  if (!ok) {
    stage_ = Stage::kOver;
    fx.log(LogLevel::kWarning, group_room_, focus_, "", "could not join the group room");
    for (const CallEvent& ev : waiting_events_) {
      const auto* invite = std::get_if<CallInvite>(&ev);
      if (invite != nullptr && remaining_lifetime_ms(*invite, fx.now_ms()) > 0) {
        refuse_invite(fx, focus_, *invite, kFocusNotInRoom,
                      "I could not join " + group_room_ + ", so I cannot host its conference.");
      }
    }
    waiting_events_.clear();
    return;
  }
  stage_ = Stage::kLoadingMembers;
  fx.push(ReadMembers{focus_, group_room_});
  if (fx.config().discovery_notice) {
    fx.notice(focus_, group_room_,
              "Conference call: to join it, start a direct chat with " + focus_ +
                  " and place a voice or video call to it.");
  }
  arm_no_call_timer(fx);
}

void Conference::on_members(const MembersRead& read, Effects& fx) {
  if (stage_ != Stage::kLoadingMembers) return;
  members_ = std::set<std::string>(read.joined.begin(), read.joined.end());
  display_names_.clear();
  for (const auto& [user, name] : read.display_names) {
    if (members_.contains(user) && !name.empty()) display_names_[user] = name;
  }
  stage_ = Stage::kActive;
  std::vector<CallEvent> waiting;
  waiting.swap(waiting_events_);
  for (const CallEvent& ev : waiting) on_call_event(ev, fx);
}

void Conference::on_call_event(const CallEvent& ev, Effects& fx) {
  if (stage_ == Stage::kJoining || stage_ == Stage::kLoadingMembers) {
    waiting_events_.push_back(ev);
    return;
  }
  if (stage_ != Stage::kActive) return;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, CallInvite>) on_invite(e, fx);
        if constexpr (std::is_same_v<T, CallCandidates>) on_candidates(e, fx);
        if constexpr (std::is_same_v<T, CallAnswer>) on_answer(e, fx);
        if constexpr (std::is_same_v<T, CallSelectAnswer>) on_select_answer(e, fx);
        if constexpr (std::is_same_v<T, CallNegotiate>) on_negotiate(e, fx);
        if constexpr (std::is_same_v<T, CallHangup> || std::is_same_v<T, CallReject>) {
          on_hangup(e, fx);
        }
      },
      ev);
}

void Conference::on_group_membership(const MemberEvent& ev, Effects& fx) {
  if (ev.user_id == focus_) {
    if (!is_gone(ev.membership) || stage_ == Stage::kOver) return;
    // Kicked or banned: the conference ends with the membership.
    fx.log(LogLevel::kInfo, group_room_, focus_, "", "removed from the group room by " + ev.sender);
    end_calls_where("", "", kUserHangup, fx);
    leave_janus_room(fx);
    cancel_no_call_timer(fx);
    stage_ = Stage::kOver;
    return;
  }
  if (ev.membership == Membership::kJoin) {
    members_.insert(ev.user_id);
    rename(ev.user_id, ev.displayname, fx);
    return;
  }
  display_names_.erase(ev.user_id);
  if (members_.erase(ev.user_id) == 0) return;
  // S3: whoever is no longer joined is ejected from the conference.
  end_calls_where("", ev.user_id, kUserHangup, fx);
  finish_if_empty(fx);
}

void Conference::on_no_call_timeout(Effects& fx) {
  no_call_timer_ = false;
  if (calls_.empty() && (stage_ == Stage::kActive || stage_ == Stage::kLoadingMembers)) {
    leave("no call in time (S8)", fx);
  }
}

void Conference::on_direct_member_left(const std::string& room_id, const std::string& user_id,
                                       Effects& fx) {
  end_calls_where(room_id, user_id, kUserHangup, fx);  // S4
  finish_if_empty(fx);
}

void Conference::on_direct_room_lost(const std::string& room_id, bool can_send, Effects& fx) {
  end_calls_where(room_id, "", can_send ? kUserHangup : "", fx);
  finish_if_empty(fx);
}

void Conference::on_invite(const CallInvite& ev, Effects& fx) {
  const std::int64_t remaining = remaining_lifetime_ms(ev, fx.now_ms());
  if (remaining <= 0) {
    fx.log(LogLevel::kInfo, ev.room_id, ev.sender, ev.call_id, "invite expired: not answered");
    return;
  }
  if (find_call(ev) != nullptr) return;  // the same invite again
  if (!is_member(ev.sender)) {
    refuse_invite(fx, focus_, ev, kNotMember,
                  "Only joined members of " + group_room_ + " can join its conference.");
    return;
  }
  admit(ev, remaining, fx);
}

void Conference::admit(const CallInvite& ev, std::int64_t remaining_lifetime_ms, Effects& fx) {
  // One call per caller: a second call_id from the same caller (a restarted client) replaces
  // the first, which would otherwise echo the caller's own voice back through the mix.
  std::vector<CallRef> replaced;
  for (const auto& [ref, call] : calls_) {
    if (call.caller == ev.sender) replaced.push_back(ref);
  }
  for (CallRef ref : replaced) end_call(ref, kReplaced, JanusEnd::kLeave, fx);

  Call call;
  call.ref = fx.new_call_ref();
  call.caller = ev.sender;
  call.room_id = ev.room_id;
  call.identity = CallIdentity{ev.call_id, ev.version, fx.config().party_id};
  call.offer_sdp = ev.offer_sdp;
  had_calls_ = true;
  cancel_no_call_timer(fx);
  if (janus_room_ == JanusRoom::kNone) {
    fx.push(JanusCreateRoom{focus_, group_room_});
    janus_room_ = JanusRoom::kCreating;
  }
  call.room = room_for_new_call(fx);
  attach(call, fx);
  fx.set_timer(call_timer_id(TimerKind::kInviteLifetime, call.ref), remaining_lifetime_ms);
  fx.set_timer(call_timer_id(TimerKind::kSetup, call.ref), fx.config().setup_timeout_ms);
  call.lifetime_timer = call.setup_timer = true;
  fx.log(LogLevel::kInfo, ev.room_id, ev.sender, ev.call_id, "call admitted");
  calls_.emplace(call.ref, std::move(call));
}

void Conference::on_candidates(const CallCandidates& ev, Effects& fx) {
  Call* call = find_call(ev);
  if (call == nullptr || call->peer_gone) return;
  std::vector<Candidate> list;
  bool completed = false;
  for (const Candidate& c : ev.candidates) {
    if (c.candidate.empty()) {
      completed = true;
    } else {
      list.push_back(c);
    }
  }
  if (!call->answered) {
    call->remote_pending.insert(call->remote_pending.end(), list.begin(), list.end());
    call->remote_completed |= completed;
    return;
  }
  if (!list.empty() || completed) {
    fx.push(JanusTrickle{call->ref, call->session_id, call->handle_id, std::move(list), completed});
  }
}

// The caller's answer to a call-back. The first answering device wins (spec v1: the caller
// selects one answer); the others learn it from the select_answer.
void Conference::on_answer(const CallAnswer& ev, Effects& fx) {
  Call* call = find_call(ev);
  if (call == nullptr || !call->outbound || !call->invited || call->answered) {
    fx.log(LogLevel::kDebug, ev.room_id, ev.sender, ev.call_id,
           "m.call.answer ignored: no call-back of ours waits for it");
    return;
  }
  call->answered = true;
  fx.count_call_back(CallBackOutcome::kAnswered);
  fx.log(LogLevel::kInfo, ev.room_id, ev.sender, ev.call_id,
         "call-back answered by party " + ev.party_id);
  fx.cancel_timer(call_timer_id(TimerKind::kInviteLifetime, call->ref));
  call->lifetime_timer = false;
  send_call_event(*call, "m.call.select_answer", select_answer_content(call->identity, ev.party_id),
                  fx);
  fx.push(JanusAnswer{call->ref, call->session_id, call->handle_id, ev.answer_sdp});
  if (!call->remote_pending.empty() || call->remote_completed) {
    fx.push(JanusTrickle{call->ref, call->session_id, call->handle_id,
                         std::move(call->remote_pending), call->remote_completed});
    call->remote_pending.clear();
  }
  fx.set_timer(call_timer_id(TimerKind::kSetup, call->ref), fx.config().setup_timeout_ms);
  call->setup_timer = true;
}

void Conference::on_select_answer(const CallSelectAnswer& ev, Effects& fx) {
  Call* call = find_call(ev);
  // On a call-back the focus is the one that selects.
  if (call == nullptr || call->outbound || ev.selected_party_id == call->identity.party_id) return;
  // Answered elsewhere: drop our leg without a hangup, which would end the call the caller
  // did select.
  fx.log(LogLevel::kInfo, ev.room_id, ev.sender, ev.call_id,
         "caller selected party " + ev.selected_party_id);
  end_call(call->ref, "", JanusEnd::kLeave, fx);
  finish_if_empty(fx);
}

void Conference::on_negotiate(const CallNegotiate& ev, Effects& fx) {
  Call* call = find_call(ev);
  if (call == nullptr || call->peer_gone) return;
  if (ev.description_type != "offer" || !call->answered) {
    fx.log(LogLevel::kDebug, ev.room_id, ev.sender, ev.call_id,
           "m.call.negotiate ignored: not an offer to an answered call");
    return;
  }
  call->offer_sdp = ev.sdp;  // what a call-back after a failover offers follows it
  if (call->configuring) {
    call->next_offer = ev.sdp;
    return;
  }
  fx.push(JanusConfigure{call->ref, call->session_id, call->handle_id, ev.sdp});
  call->configuring = true;
}

void Conference::on_hangup(const CallHeader& ev, Effects& fx) {
  Call* call = find_call(ev);
  if (call == nullptr) return;
  if (call->outbound && !call->answered) {
    fx.log(LogLevel::kInfo, ev.room_id, ev.sender, ev.call_id, "call-back rejected");
  }
  end_call(call->ref, "", JanusEnd::kLeave, fx, CallBackOutcome::kRejected);
  finish_if_empty(fx);
}

const std::string& Conference::display_of(const std::string& user_id) const {
  auto it = display_names_.find(user_id);
  return it != display_names_.end() ? it->second : user_id;
}

void Conference::rename(const std::string& user_id, std::string displayname, Effects& fx) {
  const std::string before = display_of(user_id);
  if (displayname.empty()) {
    display_names_.erase(user_id);
  } else {
    display_names_[user_id] = std::move(displayname);
  }
  const std::string& after = display_of(user_id);
  if (after == before) return;
  for (const auto& [ref, call] : calls_) {
    // A join still to come takes the new name itself; a gone PeerConnection has no tile.
    if (call.caller != user_id || !call.join_sent || call.peer_gone) continue;
    fx.push(JanusRename{ref, call.session_id, call.handle_id, after});
    fx.log(LogLevel::kInfo, call.room_id, user_id, call.identity.call_id,
           "display name now \"" + after + "\"");
  }
}

void Conference::on_janus_room_created(std::uint64_t janus_room, const std::string& instance,
                                       Effects& fx) {
  janus_room_ = JanusRoom::kReady;
  janus_room_id_ = janus_room;
  instance_ = instance;
  for (auto& [ref, call] : calls_) {
    if (call.room == 0 && call.attached && !call.join_sent) join_janus(call, fx);
  }
}

void Conference::on_janus_room_error(int code, const std::string& reason, Effects& fx) {
  janus_room_ = JanusRoom::kNone;
  fx.log(LogLevel::kError, group_room_, focus_, "",
         "Janus room not created: " + std::to_string(code) + " " + reason);
  std::vector<CallRef> waiting;
  for (const auto& [ref, call] : calls_) {
    if (call.room == 0 && !call.join_sent) waiting.push_back(ref);
  }
  for (CallRef ref : waiting) end_call(ref, kUnknownError, JanusEnd::kDestroy, fx);
  finish_if_empty(fx);
}

void Conference::on_attached(const JanusAttached& ev, Effects& fx) {
  Call& call = calls_.at(ev.call);
  call.attached = true;
  call.session_id = ev.session_id;
  call.handle_id = ev.handle_id;
  call.instance = ev.instance;
  if (room_ready(call.room)) join_janus(call, fx);
}

void Conference::join_janus(Call& call, Effects& fx) {
  if (call.outbound) {
    fx.push(JanusJoin{call.ref, call.session_id, call.handle_id, janus_room_of(call.room),
                      display_of(call.caller), "", true, call.video});
  } else {
    fx.push(JanusJoin{call.ref, call.session_id, call.handle_id, janus_room_of(call.room),
                      display_of(call.caller), call.offer_sdp});
  }
  call.join_sent = true;
}

void Conference::on_joined(const JanusJoined& ev, Effects& fx) {
  Call& call = calls_.at(ev.call);
  if (call.outbound) {
    if (call.invited) return;
    call.participant_id = ev.participant_id;
    invite_caller(call, ev.sdp, fx);
    return;
  }
  if (call.answered) return;
  call.answered = true;
  call.participant_id = ev.participant_id;
  if (call.lifetime_timer) {
    fx.cancel_timer(call_timer_id(TimerKind::kInviteLifetime, call.ref));
    call.lifetime_timer = false;
  }
  // The answer goes first: matrix-js-sdk drops the callee's early candidates.
  send_call_event(call, "m.call.answer", answer_content(call.identity, ev.sdp), fx);
  if (!call.remote_pending.empty() || call.remote_completed) {
    fx.push(JanusTrickle{call.ref, call.session_id, call.handle_id, std::move(call.remote_pending),
                         call.remote_completed});
    call.remote_pending.clear();
  }
  flush_local_candidates(call, fx);
}

void Conference::on_configured(const JanusConfigured& ev, Effects& fx) {
  Call& call = calls_.at(ev.call);
  call.configuring = false;
  send_call_event(call, "m.call.negotiate", negotiate_answer_content(call.identity, ev.answer_sdp),
                  fx);
  if (call.next_offer) {
    fx.push(JanusConfigure{call.ref, call.session_id, call.handle_id, *call.next_offer});
    call.next_offer.reset();
    call.configuring = true;
  }
}

void Conference::on_media_up(const JanusMediaUp& ev, Effects& fx) {
  Call& call = calls_.at(ev.call);
  call.media_up = true;
  if (!call.setup_timer) return;
  fx.cancel_timer(call_timer_id(TimerKind::kSetup, call.ref));
  call.setup_timer = false;
}

void Conference::on_local_candidates(const JanusLocalCandidates& ev, Effects& fx) {
  Call& call = calls_.at(ev.call);
  for (const Candidate& c : ev.candidates) {
    if (!c.candidate.empty()) call.local_pending.push_back(c);
  }
  // Version 0 has no end-of-candidates marker.
  if (ev.completed && call.identity.version != 0) call.local_pending.push_back(Candidate{});
  // Before the first m.call.answer or m.call.invite, they wait for it.
  if (!(call.answered || call.invited) || call.batch_timer || call.local_pending.empty()) return;
  fx.set_timer(call_timer_id(TimerKind::kCandidateBatch, call.ref), fx.config().candidate_batch_ms);
  call.batch_timer = true;
}

void Conference::flush_local_candidates(Call& call, Effects& fx) {
  if (call.local_pending.empty()) return;
  send_call_event(call, "m.call.candidates", candidates_content(call.identity, call.local_pending),
                  fx);
  call.local_pending.clear();
}

// A caller who hangs up closes the PeerConnection at once, so Janus' report usually comes
// before the caller's m.call.hangup: wait for it before telling the caller anything.
void Conference::on_call_gone(const JanusCallGone& ev, Effects& fx) {
  Call& call = calls_.at(ev.call);
  fx.log(LogLevel::kInfo, call.room_id, call.caller, call.identity.call_id,
         "Janus: PeerConnection gone: " + ev.reason);
  // A removal by the plugin explains a PeerConnection loss reported just before it.
  if (ev.cause != GoneCause::kPeerConnection) {
    // Nothing failed: someone with the room's secret or the admin key ended it on purpose.
    const std::string room = call.room_id;
    if (ev.cause == GoneCause::kRoomDestroyed) {
      if (call.room == 0) {
        janus_room_ = JanusRoom::kNone;
      } else if (LinkedRoom* l = linked(call.room)) {
        l->janus_room = 0;  // nothing left to destroy
      }
    }
    const bool caller_ended = call.peer_gone && call.closed_by_peer;
    end_call(ev.call, caller_ended ? "" : kUserHangup, JanusEnd::kDestroy, fx);
    fx.notice(focus_, room, ev.cause == GoneCause::kKicked ? kKickedNotice : kRoomDestroyedNotice);
    finish_if_empty(fx);
    return;
  }
  if (call.peer_gone) return;
  call.peer_gone = true;
  call.closed_by_peer = ev.reason.find(kDtlsAlert) != std::string::npos;
  if (call.setup_timer) {
    fx.cancel_timer(call_timer_id(TimerKind::kSetup, call.ref));
    call.setup_timer = false;
  }
  fx.set_timer(call_timer_id(TimerKind::kHangupGrace, call.ref), fx.config().hangup_grace_ms);
}

void Conference::on_call_error(const JanusCallError& ev, Effects& fx) {
  const Call& call = calls_.at(ev.call);
  fx.log(LogLevel::kWarning, call.room_id, call.caller, call.identity.call_id,
         "Janus error " + std::to_string(ev.code) + ": " + ev.reason);
  end_call(ev.call, ev.code == kJanusRoomFull ? kUserBusy : kUnknownError, JanusEnd::kDestroy, fx);
  finish_if_empty(fx);
}

bool Conference::uses_instance(const std::string& instance) const {
  if (janus_room_ == JanusRoom::kReady && instance_ == instance) return true;
  for (const LinkedRoom& l : linked_) {
    if (l.instance == instance) return true;
  }
  for (const auto& [ref, call] : calls_) {
    if (call.attached && call.instance == instance) return true;
  }
  return false;
}

void Conference::adopt_instance(const std::string& instance) {
  if (janus_room_ == JanusRoom::kReady && instance_.empty()) instance_ = instance;
  for (auto& [ref, call] : calls_) {
    if (call.attached && call.instance.empty()) call.instance = instance;
  }
}

// unknown_error: neither the caller nor the network failed, so no ICE reason fits, and the spec
// has nothing closer for a failed media server; the notice says what happened. With another
// instance up, the conference moves there: a caller who was in it (answered, or being called
// back already) is called back; one whose call was still being set up calls again, as when no
// instance is up.
std::vector<Call> Conference::end_lost_calls(const std::vector<CallRef>& lost, bool another_up,
                                             Effects& fx) {
  std::vector<Call> back;
  for (CallRef ref : lost) {
    const Call& call = calls_.at(ref);
    // A caller who closed the call already is told nothing: their own hangup is on its way.
    if (call.peer_gone && call.closed_by_peer) {
      end_call(ref, "", JanusEnd::kNothing, fx);
      continue;
    }
    const std::string room = call.room_id;
    if (another_up && stage_ == Stage::kActive && (call.answered || call.outbound)) {
      back.push_back(call);
      // A call-back still being set up was never seen by the caller.
      end_call(ref, call.outbound && !call.invited ? "" : kUnknownError, JanusEnd::kNothing, fx);
      fx.notice(focus_, room, kCallBackNotice);
      continue;
    }
    end_call(ref, kUnknownError, JanusEnd::kNothing, fx);
    fx.notice(focus_, room, kJanusLostNotice);
  }
  return back;
}

// The primary room's instance lost: the whole conference starts again elsewhere, its linked
// rooms' callers called back too (their rooms' links led nowhere). A linked room's instance
// lost: only its callers are called back, to wherever there is space.
void Conference::on_janus_lost(const std::string& instance, bool another_up, Effects& fx) {
  const bool had = !calls_.empty();
  const bool primary_lost = janus_room_ != JanusRoom::kReady || instance_ == instance;
  std::vector<CallRef> lost;
  for (const auto& [ref, call] : calls_) {
    const LinkedRoom* l = call.room == 0 ? nullptr : linked(call.room);
    if (primary_lost || (l != nullptr && l->instance == instance) ||
        (call.attached && call.instance == instance)) {
      lost.push_back(ref);
    }
  }
  const std::vector<Call> back = end_lost_calls(lost, another_up, fx);
  if (primary_lost) {
    drop_all_linked(instance, fx);
    janus_room_ = JanusRoom::kNone;
  } else {
    std::vector<std::uint32_t> gone;
    for (const LinkedRoom& l : linked_) {
      if (l.instance == instance) gone.push_back(l.id);
    }
    for (std::uint32_t id : gone) drop_linked(id, instance, fx);
  }
  if (!back.empty()) {
    fx.log(LogLevel::kWarning, group_room_, focus_, "",
           "Janus instance " + instance + " lost: " +
               (primary_lost ? "recreating the conference elsewhere" : "moving a linked room") +
               " and calling " + std::to_string(back.size()) + " caller(s) back");
    if (janus_room_ == JanusRoom::kNone) {
      fx.push(JanusCreateRoom{focus_, group_room_});
      janus_room_ = JanusRoom::kCreating;
    }
    for (const Call& old : back) call_back(old, fx);
    return;
  }
  if (!primary_lost) {
    finish_if_empty(fx);
    return;
  }
  if (!had || stage_ != Stage::kActive) return;
  // Not S7: the callers did not leave, the media server failed. Stay so that they can call
  // again, for as long as a focus waits for a first call.
  had_calls_ = false;
  arm_no_call_timer(fx);
}

// The lifetime timer runs from here: a call-back that never gets as far as its invite (the
// room or the plugin's offer fails to come) ends in time too.
void Conference::call_back(const Call& old, Effects& fx) {
  Call call;
  call.ref = fx.new_call_ref();
  call.caller = old.caller;
  call.room_id = old.room_id;
  call.identity = CallIdentity{fx.new_call_id(call.ref), 1, fx.config().party_id};
  call.outbound = true;
  call.video = old.outbound && old.offer_sdp.empty() ? old.video : sends_video(old.offer_sdp);
  had_calls_ = true;
  call.room = room_for_new_call(fx);
  attach(call, fx);
  fx.set_timer(call_timer_id(TimerKind::kInviteLifetime, call.ref),
               fx.config().call_back_lifetime_ms);
  call.lifetime_timer = true;
  fx.log(LogLevel::kInfo, call.room_id, call.caller, call.identity.call_id,
         std::string("calling back (") + (call.video ? "video" : "voice") + ")");
  calls_.emplace(call.ref, std::move(call));
}

void Conference::invite_caller(Call& call, const std::string& offer_sdp, Effects& fx) {
  call.invited = true;
  const std::int64_t lifetime = fx.config().call_back_lifetime_ms;
  send_call_event(call, "m.call.invite",
                  invite_content(call.identity, call.caller, lifetime, offer_sdp), fx);
  // The caller's client counts the lifetime from the invite.
  fx.set_timer(call_timer_id(TimerKind::kInviteLifetime, call.ref), lifetime);
  call.lifetime_timer = true;
  fx.log(LogLevel::kInfo, call.room_id, call.caller, call.identity.call_id,
         "call-back invite sent");
  flush_local_candidates(call, fx);
}

void Conference::on_call_timer(TimerKind kind, CallRef ref, Effects& fx) {
  Call& call = calls_.at(ref);
  switch (kind) {
    case TimerKind::kInviteLifetime:
      call.lifetime_timer = false;
      if (call.outbound) {
        // Ours to end (spec: the caller hangs up with invite_timeout).
        fx.log(LogLevel::kInfo, call.room_id, call.caller, call.identity.call_id,
               "call-back not answered in time");
        end_call(ref, kInviteTimeout, JanusEnd::kLeave, fx, CallBackOutcome::kTimeout);
      } else if (!call.answered) {
        // The caller has given up on this invite (invite_timeout) by now.
        end_call(ref, "", JanusEnd::kLeave, fx);
      }
      break;
    case TimerKind::kSetup:
      call.setup_timer = false;
      end_call(ref, kIceFailed, JanusEnd::kLeave, fx);
      break;
    case TimerKind::kHangupGrace:
      call.peer_gone = false;
      // No hangup from the caller: media that never connected failed (ice_failed), connected
      // media was lost (ice_timeout); a DTLS alert means the caller closed it.
      end_call(ref,
               call.closed_by_peer ? ""
               : call.media_up     ? kIceTimeout
                                   : kIceFailed,
               JanusEnd::kDestroy, fx);
      break;
    case TimerKind::kCandidateBatch:
      call.batch_timer = false;
      flush_local_candidates(call, fx);
      break;
    case TimerKind::kNoCall:
      break;
  }
  finish_if_empty(fx);
}

// Requests whose results died with the old process go out again: joining and reading are
// idempotent; a Janus session created but not reported times out in Janus, a Janus room is left
// behind (a stalled conference would be worse). A known session is picked up, not replaced:
// the caller's media flows through it.
void Conference::resume(std::vector<Action>& out) const {
  if (stage_ == Stage::kJoining) out.push_back(JoinRoom{focus_, group_room_});
  if (stage_ == Stage::kLoadingMembers) out.push_back(ReadMembers{focus_, group_room_});
  if (janus_room_ == JanusRoom::kCreating) out.push_back(JanusCreateRoom{focus_, group_room_});
  for (const LinkedRoom& l : linked_) resume_linked(l, out);
  for (const auto& [ref, call] : calls_) {
    if (call.attached) {
      out.push_back(JanusResume{ref, call.session_id, call.handle_id, call.instance});
    } else if (call.room == 0) {
      out.push_back(JanusAttach{ref, focus_, janus_room_ == JanusRoom::kReady ? instance_ : ""});
    } else if (room_ready(call.room)) {
      out.push_back(JanusAttach{ref, focus_, linked(call.room)->instance});
    }
  }
}

Call* Conference::find_call(const CallHeader& ev) {
  for (auto& [ref, call] : calls_) {
    if (call.room_id == ev.room_id && call.identity.call_id == ev.call_id &&
        call.caller == ev.sender) {
      return &call;
    }
  }
  return nullptr;
}

void Conference::send_call_event(const Call& call, const char* type, std::string content,
                                 Effects& fx) {
  fx.send(focus_, call.room_id, type, std::move(content));
}

void Conference::end_call(CallRef ref, std::string_view hangup_reason, JanusEnd janus, Effects& fx,
                          CallBackOutcome outcome) {
  auto it = calls_.find(ref);
  if (it == calls_.end()) return;
  Call& call = it->second;
  const std::pair<bool, TimerKind> timers[] = {{call.lifetime_timer, TimerKind::kInviteLifetime},
                                               {call.setup_timer, TimerKind::kSetup},
                                               {call.batch_timer, TimerKind::kCandidateBatch},
                                               {call.peer_gone, TimerKind::kHangupGrace}};
  for (const auto& [armed, kind] : timers) {
    if (armed) fx.cancel_timer(call_timer_id(kind, ref));
  }
  if (call.outbound && !call.answered) fx.count_call_back(outcome);
  if (!hangup_reason.empty() && call.outbound && !call.invited) {
    // The caller never saw this call-back, only the notice announcing it.
    fx.notice(focus_, call.room_id, kCallBackFailedNotice);
  } else if (!hangup_reason.empty()) {
    // matrix-js-sdk ignores a hangup from a callee that has not answered: a version "1" call
    // is refused with m.call.reject until then (version 0 has no reject). The focus cancels a
    // call it placed with a hangup.
    const bool reject = !call.outbound && !call.answered && call.identity.version != 0;
    send_call_event(call, reject ? "m.call.reject" : "m.call.hangup",
                    hangup_content(call.identity, hangup_reason), fx);
  }
  if (call.attached && janus != JanusEnd::kNothing) {
    // A participant whose PeerConnection is gone has left the Janus room already.
    if (janus == JanusEnd::kLeave && call.join_sent && !call.peer_gone) {
      fx.push(JanusLeave{ref, call.session_id, call.handle_id});
    }
    fx.push(JanusDestroySession{ref, call.session_id});
  }
  fx.log(
      LogLevel::kInfo, call.room_id, call.caller, call.identity.call_id,
      "call ended" + (hangup_reason.empty() ? std::string() : ": " + std::string(hangup_reason)));
  calls_.erase(it);
}

void Conference::end_calls_where(const std::string& room_id, const std::string& user_id,
                                 std::string_view hangup_reason, Effects& fx, JanusEnd janus) {
  std::vector<CallRef> refs;
  for (const auto& [ref, call] : calls_) {
    if ((room_id.empty() || call.room_id == room_id) &&
        (user_id.empty() || call.caller == user_id)) {
      refs.push_back(ref);
    }
  }
  for (CallRef ref : refs) end_call(ref, hangup_reason, janus, fx);
}

void Conference::finish_if_empty(Effects& fx) {
  drop_empty_linked(fx);
  if (stage_ == Stage::kActive && had_calls_ && calls_.empty()) leave("all callers left (S7)", fx);
}

void Conference::leave(std::string_view why, Effects& fx) {
  fx.push(LeaveRoom{focus_, group_room_, ""});
  leave_janus_room(fx);
  cancel_no_call_timer(fx);
  stage_ = Stage::kOver;
  fx.log(LogLevel::kInfo, group_room_, focus_, "", "leaving the group room: " + std::string(why));
}

void Conference::leave_janus_room(Effects& fx) {
  drop_all_linked("", fx);
  if (janus_room_ == JanusRoom::kReady) fx.push(JanusDestroyRoom{janus_room_id_, instance_});
  janus_room_ = JanusRoom::kNone;
}

void Conference::arm_no_call_timer(Effects& fx) {
  fx.set_timer(no_call_timer_id(focus_), fx.config().no_call_timeout_ms);
  no_call_timer_ = true;
}

void Conference::cancel_no_call_timer(Effects& fx) {
  if (!no_call_timer_) return;
  fx.cancel_timer(no_call_timer_id(focus_));
  no_call_timer_ = false;
}

}  // namespace glue
