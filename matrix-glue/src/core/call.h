// One caller's call to a focus: its Matrix side, its Janus side and what is still queued.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "call_content.h"
#include "events.h"

namespace glue {

// How a call-back (a call the focus places after a failover) ended before it was answered, or
// that it was; for /metrics.
enum class CallBackOutcome { kAnswered, kRejected, kTimeout, kFailed };

struct Call {
  CallRef ref = 0;
  std::string caller;
  std::string room_id;    // the 1:1 room carrying the signalling
  CallIdentity identity;  // what the focus sends: the caller's version, the focus' party_id
  std::string offer_sdp;  // the caller's latest offer (none yet for a call-back)

  // A call-back: the focus placed it (the conference moved to another Janus instance). The
  // plugin offers, the focus sends m.call.invite, the caller answers; `answered` then means the
  // caller's m.call.answer arrived.
  bool outbound = false;
  bool video = false;    // outbound: the plugin's offer has video (the caller's last call had)
  bool invited = false;  // outbound: the m.call.invite went out

  // Janus side.
  bool attached = false;
  std::uint64_t session_id = 0;
  std::uint64_t handle_id = 0;
  std::string instance;    // the Janus instance of the session
  std::uint32_t room = 0;  // its conference room: 0 the primary, else a LinkedRoom::id
  bool join_sent = false;
  std::uint64_t participant_id = 0;  // in the plugin's room, from `joined`
  bool answered = false;  // Janus answered the join and the m.call.answer went out (see outbound)
  bool media_up = false;  // Janus reported webrtcup: media connected at least once
  // Janus reported the PeerConnection gone and the grace timer runs: the caller's own hangup
  // may still be on its way.
  bool peer_gone = false;
  bool closed_by_peer = false;  // ... by a DTLS alert: the caller closed it

  // Armed timers.
  bool lifetime_timer = false;
  bool setup_timer = false;
  bool batch_timer = false;

  // The caller's candidates, held until Janus has answered the join.
  std::vector<Candidate> remote_pending;
  bool remote_completed = false;
  // Janus' candidates, held until the answer is out, then batched.
  std::vector<Candidate> local_pending;

  // Renegotiation: one `configure` at a time; the newest waiting offer goes next.
  bool configuring = false;
  std::optional<std::string> next_offer;
};

// How long an invite may still be answered: its `lifetime` (matrix-js-sdk's 60 s when it names
// none) minus its age, judged as `age` plus the time since it was received.
inline std::int64_t remaining_lifetime_ms(const CallInvite& invite, std::int64_t now_ms) {
  constexpr std::int64_t kDefaultLifetimeMs = 60000;
  const std::int64_t lifetime = invite.lifetime_ms > 0 ? invite.lifetime_ms : kDefaultLifetimeMs;
  return lifetime - (invite.age_ms + (now_ms - invite.received_ms));
}

}  // namespace glue
