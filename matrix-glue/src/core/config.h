// Settings of the conference state machine (read from matrix-glue.jcfg by the I/O layer).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace glue {

struct Config {
  std::string server_name;                   // the homeserver's name: the focus IDs' domain
  std::string prefix = "fs_";                // localpart prefix of focus user IDs
  std::string party_id = "matrix-glue";      // the focus' party_id in version "1" calls
  bool discovery_notice = true;              // one notice in the group room after joining it
  std::int64_t no_call_timeout_ms = 300000;  // S8
  std::int64_t setup_timeout_ms = 30000;     // admitted call without media: ice_failed
  // Janus reports a PeerConnection gone before the caller's own m.call.hangup arrives (a DTLS
  // alert precedes it by ~200 ms): the focus waits this long before it hangs up itself.
  std::int64_t hangup_grace_ms = 3000;
  std::int64_t candidate_batch_ms = 100;  // Janus' candidates sent as one m.call.candidates
  // The `lifetime` of a call-back's m.call.invite after a failover: unanswered by then, the
  // caller is gone.
  std::int64_t call_back_lifetime_ms = 60000;
  int recent_events_limit = 50;  // timeline read after joining a 1:1 room
  // Played to everyone when a moderator starts a recording (a path on the Janus host; empty:
  // none).
  std::string recording_announcement;
  // Unique per process run (e.g. start time and a random number): transaction IDs are
  // "<txn_prefix>.<counter>", so that they never repeat after a restart. A state restored from
  // a snapshot keeps the prefix it had (GlueState::restore).
  std::string txn_prefix = "mg";
  // The most callers of one conference each Janus instance takes (absent or 0: no limit);
  // further callers go to a linked room on another instance (a cascade).
  std::map<std::string, int> conference_share;
};

}  // namespace glue
