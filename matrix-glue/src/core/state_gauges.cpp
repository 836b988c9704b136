#include "state_gauges.h"

#include "glue_state.h"

namespace glue {

CallState call_state(const Call& call) {
  if (call.peer_gone) return CallState::kPeerGone;
  if (call.outbound && !call.answered) return CallState::kCallingBack;
  if (call.media_up) return CallState::kConnected;
  if (call.answered) return CallState::kAnswered;
  return call.attached ? CallState::kJoining : CallState::kAttaching;
}

StateGauges GlueState::gauges() const {
  StateGauges g;
  g.call_backs = ledger_.call_backs;
  g.link_setups = ledger_.link_setups;
  for (const auto& [focus, conf] : conferences_) {
    for (const LinkedRoom& l : conf.linked_rooms()) {
      if (l.stage == LinkedRoom::Stage::kReady) ++g.cascade_rooms;
    }
    if (conf.stage() != Conference::Stage::kOver) ++g.focuses.at(static_cast<int>(conf.stage()));
    for (const auto& [ref, call] : conf.calls()) {
      const CallState state = call_state(call);
      ++g.calls.at(static_cast<int>(state));
      if (state == CallState::kAnswered || state == CallState::kConnected) ++g.participants;
    }
  }
  return g;
}

}  // namespace glue
