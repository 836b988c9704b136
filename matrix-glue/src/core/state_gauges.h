// What /metrics shows of the state machine: focus users per stage, calls per state.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "call.h"
#include "conference.h"

namespace glue {

// Where a call is, from the state machine's own flags.
enum class CallState {
  kAttaching,    // waiting for its Janus session and handle
  kJoining,      // `join` sent or waiting for the room; not answered yet
  kAnswered,     // m.call.answer sent; media not connected yet
  kConnected,    // Janus reported webrtcup
  kPeerGone,     // Janus reported the PeerConnection gone; the hangup grace runs
  kCallingBack,  // a call-back after a failover, not answered by the caller yet
};
inline constexpr std::array<std::string_view, 6> kCallStateNames = {
    "attaching", "joining", "answered", "connected", "peer_gone", "calling_back"};
CallState call_state(const Call& call);

// Stages of a live focus (finished ones are dropped at once, so kOver never shows).
inline constexpr std::array<std::string_view, 3> kFocusStageNames = {"joining", "loading_members",
                                                                     "active"};

inline constexpr std::array<std::string_view, 4> kCallBackOutcomeNames = {"answered", "rejected",
                                                                          "timeout", "failed"};

struct StateGauges {
  std::array<std::int64_t, kFocusStageNames.size()> focuses{};
  std::array<std::int64_t, kCallStateNames.size()> calls{};
  std::int64_t participants = 0;  // calls answered and still in their Janus room
  // Call-backs by CallBackOutcome since the process started (a counter).
  std::array<std::int64_t, kCallBackOutcomeNames.size()> call_backs{};
  std::int64_t cascade_rooms = 0;  // linked rooms whose link is up
  // Link set-ups since the process started (a counter): [0] linked, [1] failed.
  std::array<std::int64_t, 2> link_setups{};
};

}  // namespace glue
