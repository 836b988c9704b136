// Inputs of the conference state machine: Matrix events and Janus results, already parsed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "linked_room.h"

namespace glue {

// Names one call towards Janus; chosen by the state machine (JanusAttach) and echoed back by
// the I/O layer in every Janus result about that call.
using CallRef = std::uint64_t;

enum class Membership { kInvite, kJoin, kLeave, kBan, kKnock };

// Left (a kick included) or banned.
inline bool is_gone(Membership m) {
  return m == Membership::kLeave || m == Membership::kBan;
}

// An m.room.member event in any room (group room, 1:1 room, the focus' own membership).
struct MemberEvent {
  std::string room_id;
  std::string user_id;  // state_key
  std::string sender;
  Membership membership = Membership::kJoin;
  // For invites: whether `unsigned.invite_room_state` holds m.room.encryption (nullopt when the
  // homeserver sent no stripped state).
  std::optional<bool> encrypted;
  std::string displayname{};  // content.displayname; empty when unset
};

// An m.room.encryption state event.
struct RoomEncryptionEvent {
  std::string room_id;
};

// An m.room.message of msgtype m.text: a command to a focus, maybe.
struct RoomMessage {
  std::string room_id;
  std::string sender;
  std::string event_id;
  std::string body;
  std::vector<std::string> mentions;  // m.mentions.user_ids
};

// The room's m.room.power_levels, the fields moderation needs (the spec's defaults when absent).
struct PowerLevels {
  std::string room_id;
  std::map<std::string, std::int64_t> users;
  std::int64_t users_default = 0;
  std::int64_t kick = 50;
  bool operator==(const PowerLevels&) const = default;
};

// One ICE candidate; an empty `candidate` marks the end of candidates.
struct Candidate {
  std::string candidate;
  std::optional<std::string> sdp_mid;
  std::optional<int> sdp_mline_index;
  bool operator==(const Candidate&) const = default;
};

// Fields common to every m.call.* event. `version` is 0 for the integer 0 (or no version) and 1
// for "1" and anything newer.
struct CallHeader {
  std::string room_id;
  std::string sender;
  std::string call_id;
  std::string party_id;  // empty for version 0
  int version = 0;
};

struct CallInvite : CallHeader {
  std::int64_t lifetime_ms = 0;
  std::string offer_sdp;
  std::int64_t age_ms = 0;       // `unsigned.age` as delivered
  std::int64_t received_ms = 0;  // when the glue received the event (same clock as now_ms)
};

struct CallCandidates : CallHeader {
  std::vector<Candidate> candidates;
};

// The caller's answer to a call the focus placed (a call-back after a failover).
struct CallAnswer : CallHeader {
  std::string answer_sdp;
};

struct CallSelectAnswer : CallHeader {
  std::string selected_party_id;
};

struct CallNegotiate : CallHeader {
  std::string description_type;  // "offer" or "answer"
  std::string sdp;
};

struct CallHangup : CallHeader {
  std::string reason;  // any string: clients send reasons outside the spec
};

struct CallReject : CallHeader {};

using CallEvent = std::variant<CallInvite, CallCandidates, CallAnswer, CallSelectAnswer,
                               CallNegotiate, CallHangup, CallReject>;

// Result of ReadRecentEvents: the room's call events, oldest first, each with its own `age_ms`
// and `received_ms` (the time of the read). Events the I/O layer has already processed (by
// event ID) are left out.
struct RecentEvents {
  std::string room_id;
  bool encrypted = false;  // the room state holds m.room.encryption
  std::vector<CallEvent> events;
};

// Result of ReadMembers: the users whose membership is `join`.
struct MembersRead {
  std::string room_id;
  std::string user_id;  // the focus that asked
  std::vector<std::string> joined;
  std::map<std::string, std::string> display_names{};  // of the joined who have one
};

// Result of JoinRoom.
struct JoinResult {
  std::string room_id;
  std::string user_id;
  bool ok = false;
};

// Results of JanusCreateRoom.
struct JanusRoomCreated {
  std::string focus_user_id;
  std::uint64_t janus_room = 0;
  std::string instance{};         // the Janus instance it was placed on
  std::uint32_t linked_room = 0;  // JanusCreateRoom's
};
struct JanusRoomError {
  std::string focus_user_id;
  int code = 0;
  std::string reason;
  std::uint32_t linked_room = 0;  // JanusCreateRoom's
};

// Results of JanusLinkJoin and JanusLinkConfigure.
struct JanusLinkJoined {
  std::string focus_user_id;
  std::uint32_t linked_room = 0;
  std::string instance;
  LinkEnd end;
};
struct JanusLinkConfigured {
  std::string focus_user_id;
  std::uint32_t linked_room = 0;
};
struct JanusLinkError {
  std::string focus_user_id;
  std::uint32_t linked_room = 0;
  int code = 0;
  std::string reason;
};

// Result of JanusAttach: a new session with a handle on janus.plugin.conference.
struct JanusAttached {
  CallRef call = 0;
  std::uint64_t session_id = 0;
  std::uint64_t handle_id = 0;
  std::string instance{};  // the Janus instance that holds the session
};

// The `joined` event of JanusJoin, with the JSEP: the answer to the caller's offer, or the
// plugin's offer for a join with `generate_offer`.
struct JanusJoined {
  CallRef call = 0;
  std::string sdp;
  std::uint64_t participant_id = 0;  // the caller's `id` in the plugin's room
};

// A synchronous request on a conference room, for a moderator's or caller's command.
enum class RoomRequestKind {
  kMute,
  kUnmute,
  kMuteRoom,
  kUnmuteRoom,
  kKick,
  kRecordStart,
  kRecordStop,
  kListParticipants,
  kPlayFile,
  kLayout,  // `configure` on the caller's own handle (the layout is the room's)
};

struct RoomRequest {
  RoomRequestKind kind = RoomRequestKind::kListParticipants;
  std::uint64_t participant = 0;  // kMute, kUnmute, kKick
  std::string target;             // the Matrix user of `participant`, for the answer
  std::string layout;             // kLayout: "grid" or "speaker"
  std::string file;               // kPlayFile: the Ogg Opus file's path on the Janus host
  std::uint64_t session_id = 0;   // kLayout: the caller's session and handle
  std::uint64_t handle_id = 0;
  bool operator==(const RoomRequest&) const = default;
};

// The message a command came in, for the answer's reply relation.
struct CommandOrigin {
  std::string room_id;
  std::string event_id;
  std::string sender;
  bool operator==(const CommandOrigin&) const = default;
};

// One line of `listparticipants`.
struct ParticipantState {
  std::uint64_t id = 0;
  std::string display;
  bool muted = false;
  bool operator==(const ParticipantState&) const = default;
};

// Result of JanusRoomRequest: the request and its origin as sent, and how it went.
struct JanusRoomReply {
  std::string focus_user_id;
  RoomRequest request;
  CommandOrigin origin;
  bool ok = false;
  int code = 0;
  std::string error{};
  std::vector<ParticipantState> participants{};  // kListParticipants
  bool room_muted = false;                       // kListParticipants
};

// The answer to JanusConfigure.
struct JanusConfigured {
  CallRef call = 0;
  std::string answer_sdp;
};

// Janus' `webrtcup`: media flows.
struct JanusMediaUp {
  CallRef call = 0;
};

// Candidates Janus trickles (`completed` for its end of candidates).
struct JanusLocalCandidates {
  CallRef call = 0;
  std::vector<Candidate> candidates;
  bool completed = false;
};

// Why a participant left Janus without the glue asking: its PeerConnection went (Janus
// `hangup`, `timeout`, `detached`), or the plugin removed it (`kicked` by an operator, or the
// room `destroyed` under it).
enum class GoneCause { kPeerConnection, kKicked, kRoomDestroyed };

struct JanusCallGone {
  CallRef call = 0;
  std::string reason;
  GoneCause cause = GoneCause::kPeerConnection;
};

// An error for a call's attach, join or configure (plugin `error_code`/`error` or Janus'
// own error).
struct JanusCallError {
  CallRef call = 0;
  int code = 0;
  std::string reason;
};

// A Janus instance is unreachable or restarted (its sessions and rooms are gone): the
// conferences whose rooms it held lose their calls.
struct JanusLost {
  std::string reason;
  std::string instance{};
  // Another instance of the pool answers its health checks: the conferences move there and
  // the focus calls their callers back (failover).
  bool another_up = false;
};

struct TimerFired {
  std::string id;
};

using Event =
    std::variant<MemberEvent, RoomEncryptionEvent, RoomMessage, PowerLevels, CallInvite,
                 CallCandidates, CallAnswer, CallSelectAnswer, CallNegotiate, CallHangup,
                 CallReject, RecentEvents, MembersRead, JoinResult, JanusRoomCreated,
                 JanusRoomError, JanusAttached, JanusJoined, JanusConfigured, JanusMediaUp,
                 JanusLocalCandidates, JanusCallGone, JanusCallError, JanusLost, JanusRoomReply,
                 JanusLinkJoined, JanusLinkConfigured, JanusLinkError, TimerFired>;

}  // namespace glue
