// Drives glue::GlueState through the usual steps and compares its actions exactly (log lines
// aside). Expected JSON is spelled out by hand here, independently of the core's JSON code.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "actions.h"
#include "events.h"
#include "focus_id.h"
#include "glue_state.h"
#include "timer_ids.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace gt {

using namespace glue;

inline const std::string kServer = "example.org";
inline const std::string kGroup = "!GroupRoom:example.org";
inline const std::string kAlice = "@alice:example.org";
inline const std::string kBob = "@bob:example.org";
inline const std::string kMallory = "@mallory:elsewhere.net";
inline const std::string kDmAlice = "!dmAlice:example.org";
inline const std::string kDmBob = "!dmBob:example.org";
inline const std::string kParty = "focus-party";
inline constexpr std::uint64_t kJanusRoom = 7;

inline const std::string kOffer = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=msid:caller a0\r\n";
inline const std::string kAnswer =
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\na=msid:janus janusa0\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=inactive\r\n";
// kAnswer as a JSON string body, and its sdp_stream_metadata.
inline const std::string kAnswerJson =
    R"(v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\na=msid:janus janusa0\r\n)"
    R"(m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=inactive\r\n)";
inline const std::string kAnswerMeta =
    R"({"janus":{"audio_muted":false,"purpose":"m.usermedia","video_muted":true}})";

inline std::string focus_of(const std::string& room) {
  return make_focus_user_id(room, "fs_", kServer);
}
inline const std::string kFocus = focus_of(kGroup);

inline Config test_config() {
  Config c;
  c.server_name = kServer;
  c.party_id = kParty;
  c.discovery_notice = false;
  c.no_call_timeout_ms = 600000;
  c.setup_timeout_ms = 20000;
  c.candidate_batch_ms = 50;
  c.recent_events_limit = 30;
  c.txn_prefix = "t";
  return c;
}

inline std::string txn(int n) {
  return "t." + std::to_string(n);
}
inline std::uint64_t session_of(CallRef ref) {
  return 100 + ref;
}
inline std::uint64_t handle_of(CallRef ref) {
  return 200 + ref;
}
inline std::uint64_t participant_of(CallRef ref) {
  return 300 + ref;
}

// Content prefix of a call event the focus sends, keys in sorted order around it.
inline std::string version_fields(int version) {
  return version == 0 ? R"("version":0)" : R"("party_id":")" + kParty + R"(","version":"1")";
}
inline std::string hangup_json(const std::string& call_id, int version, const std::string& reason) {
  return R"({"call_id":")" + call_id + R"(",)" +
         (version == 0
              ? R"("reason":")" + reason + R"(","version":0})"
              : R"("party_id":")" + kParty + R"(","reason":")" + reason + R"(","version":"1"})");
}
inline std::string answer_json(const std::string& call_id, int version) {
  std::string s = R"({"answer":{"sdp":")" + kAnswerJson + R"(","type":"answer"},"call_id":")" +
                  call_id + R"(",)";
  if (version == 0) return s + R"("version":0})";
  return s + R"("party_id":")" + kParty + R"(","sdp_stream_metadata":)" + kAnswerMeta +
         R"(,"version":"1"})";
}
inline std::string notice_json(const std::string& body) {
  return R"({"body":")" + body + R"(","msgtype":"m.notice"})";
}

inline std::vector<Action> without_logs(const std::vector<Action>& actions) {
  std::vector<Action> out;
  for (const Action& a : actions) {
    if (!std::holds_alternative<Log>(a)) out.push_back(a);
  }
  return out;
}

inline void print_actions(const char* title, const std::vector<Action>& actions) {
  std::fprintf(stderr, "%s (%zu):\n", title, actions.size());
  for (const Action& a : actions) std::fprintf(stderr, "  %s\n", describe(a).c_str());
}

// Fails the test unless `actual` (logs left out) is exactly `expected`, in order.
inline void expect_actions(const std::vector<Action>& actual, const std::vector<Action>& expected) {
  const std::vector<Action> got = without_logs(actual);
  if (got == expected) return;
  print_actions("expected", expected);
  print_actions("got", got);
  fail_msg("actions differ");
}

inline MemberEvent member(const std::string& room, const std::string& user,
                          const std::string& sender, Membership membership) {
  MemberEvent e;
  e.room_id = room;
  e.user_id = user;
  e.sender = sender;
  e.membership = membership;
  return e;
}

template <typename T>
T call_event(const std::string& room, const std::string& sender, const std::string& call_id,
             int version) {
  T e;
  e.room_id = room;
  e.sender = sender;
  e.call_id = call_id;
  e.version = version;
  e.party_id = version == 0 ? "" : "caller-device";
  return e;
}

inline CallInvite invite(const std::string& room, const std::string& sender,
                         const std::string& call_id, int version, std::int64_t received_ms,
                         std::int64_t age_ms = 0) {
  CallInvite e = call_event<CallInvite>(room, sender, call_id, version);
  e.lifetime_ms = 60000;
  e.offer_sdp = kOffer;
  e.age_ms = age_ms;
  e.received_ms = received_ms;
  return e;
}

inline Candidate cand(const std::string& line, int index) {
  return Candidate{line, std::to_string(index), index};
}

struct Harness {
  GlueState state;
  std::int64_t now = 1000;
  std::string focus = kFocus;             // the focus the call helpers talk to
  std::uint64_t janus_room = kJanusRoom;  // and its Janus room
  std::string instance;                   // the Janus instance of that room and its calls

  explicit Harness(Config config = test_config()) : state(std::move(config)) {}

  std::vector<Action> feed(const Event& e) { return state.handle(e, now); }

  // S2 and the member list: the focus of `group` joins it; `members` are joined there.
  void join_group(const std::string& who, const std::string& group,
                  const std::vector<std::string>& members) {
    expect_actions(feed(member(group, who, kAlice, Membership::kInvite)), {JoinRoom{who, group}});
    expect_actions(feed(JoinResult{group, who, true}),
                   {ReadMembers{who, group},
                    SetTimer{no_call_timer_id(who), state.config().no_call_timeout_ms}});
    expect_actions(feed(MembersRead{group, who, members}), {});
  }

  // The 1:1 room `dm` of `caller` with `focus`, with nothing in its history.
  void join_direct(const std::string& who, const std::string& dm, const std::string& caller) {
    expect_actions(feed(member(dm, who, caller, Membership::kInvite)), {JoinRoom{who, dm}});
    expect_actions(feed(JoinResult{dm, who, true}),
                   {ReadRecentEvents{who, dm, state.config().recent_events_limit}});
    expect_actions(feed(RecentEvents{dm, false, {}}), {});
  }

  // Alice in kGroup (with Bob), her 1:1 room joined.
  void standard_setup() {
    join_group(kFocus, kGroup, {kAlice, kBob, kFocus});
    join_direct(kFocus, kDmAlice, kAlice);
  }

  // An admitted invite's actions: a Janus room when none is there yet, the handle, timers.
  std::vector<Action> admission(CallRef ref, bool creates_room, std::int64_t lifetime_left) {
    std::vector<Action> a;
    if (creates_room) a.push_back(JanusCreateRoom{focus, kGroup});
    a.push_back(JanusAttach{ref, focus, creates_room ? "" : instance});
    a.push_back(SetTimer{call_timer_id(TimerKind::kInviteLifetime, ref), lifetime_left});
    a.push_back(SetTimer{call_timer_id(TimerKind::kSetup, ref), state.config().setup_timeout_ms});
    return a;
  }

  // A call of `caller` in `dm` up to the answer; `first` when it is the conference's first.
  void answered_call(CallRef ref, const std::string& dm, const std::string& caller,
                     const std::string& call_id, int version, bool first, int answer_txn) {
    std::vector<Action> admitted = admission(ref, first, 60000);
    if (first) admitted.insert(admitted.begin(), CancelTimer{no_call_timer_id(focus)});
    expect_actions(feed(invite(dm, caller, call_id, version, now)), admitted);
    if (first) {
      expect_actions(feed(JanusRoomCreated{focus, janus_room, instance}), {});
    }
    expect_actions(feed(JanusAttached{ref, session_of(ref), handle_of(ref), instance}),
                   {JanusJoin{ref, session_of(ref), handle_of(ref), janus_room, caller, kOffer}});
    expect_actions(
        feed(JanusJoined{ref, kAnswer, participant_of(ref)}),
        {CancelTimer{call_timer_id(TimerKind::kInviteLifetime, ref)},
         SendEvent{focus, dm, "m.call.answer", answer_json(call_id, version), txn(answer_txn)}});
  }

  // Teardown of an answered call on the Janus side after a Matrix-side end.
  static std::vector<Action> janus_leave(CallRef ref) {
    return {JanusLeave{ref, session_of(ref), handle_of(ref)},
            JanusDestroySession{ref, session_of(ref)}};
  }
};

}  // namespace gt
