// All focus users of one Application Service: routes each input to its conference and to the
// 1:1 rooms, and returns what the I/O layer must do.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actions.h"
#include "conference.h"
#include "config.h"
#include "effects.h"
#include "events.h"
#include "state_gauges.h"

namespace glue {

class GlueState {
 public:
  explicit GlueState(Config config) : config_(std::move(config)) {
    ledger_.txn_prefix = config_.txn_prefix;
  }

  // Handles one input at `now_ms` (a monotonic clock in ms, the one of CallInvite::received_ms)
  // and returns the actions to perform, in order.
  std::vector<Action> handle(const Event& event, std::int64_t now_ms);

  const Config& config() const { return config_; }

  // The whole state as JSON text (the Config aside), for restore() in a later process.
  std::string snapshot() const;
  // Replaces the state with `snapshot`'s, whose clock (now_ms) must still run: deadlines are
  // kept as times of that clock. Fills `resume` with what the I/O layer must do to carry on:
  // JanusResume for every call with a Janus session, the requests whose answers were lost with
  // the old process once more (see Conference::resume; JoinRoom for a 1:1 room being joined),
  // then SetTimer for every armed timer. The snapshot's txn_prefix replaces
  // the Config's, so that an input processed again yields the same transaction IDs (which the
  // outbox dedupes). On malformed input or an unknown format version: false, `error` says why
  // and the state is left empty. `resume` and `error` must not be null.
  bool restore(const std::string& snapshot, std::int64_t now_ms, std::vector<Action>* resume,
               std::string* error);
  // A snapshot written before Janus instances had names placed everything on the one Janus
  // there was: `instance` (the first configured) gets it.
  void adopt_instance(const std::string& instance);
  // Focus users per stage and calls per state, for /metrics (state_gauges.cpp).
  StateGauges gauges() const;
  // How many conference rooms each Janus instance holds (for a restarted I/O layer's load).
  std::map<std::string, int> rooms_by_instance() const;
  // The rooms the state tracks on each Janus instance: reconciliation keeps these.
  std::map<std::string, std::set<std::uint64_t>> tracked_rooms() const;

 private:
  friend class SnapshotCodec;

  // A room other than its group room that a focus was invited to: its 1:1 room with a caller.
  struct DirectRoom {
    enum class Stage { kPending, kJoining, kJoined };
    std::string focus;
    std::string group_room;
    std::string inviter;
    Stage stage = Stage::kPending;
    bool encrypted = false;
  };

  void on(const MemberEvent& ev, Effects& fx);
  void on(const RoomEncryptionEvent& ev, Effects& fx);
  void on(const RoomMessage& ev, Effects& fx);
  void on(const PowerLevels& ev, Effects& fx);
  void on(const JanusRoomReply& ev, Effects& fx);
  void on(const RecentEvents& ev, Effects& fx);
  void on(const MembersRead& ev, Effects& fx);
  void on(const JoinResult& ev, Effects& fx);
  void on(const JanusRoomCreated& ev, Effects& fx);
  void on(const JanusRoomError& ev, Effects& fx);
  void on(const JanusAttached& ev, Effects& fx);
  void on(const JanusLost& ev, Effects& fx);
  void on(const JanusLinkJoined& ev, Effects& fx);
  void on(const JanusLinkConfigured& ev, Effects& fx);
  void on(const JanusLinkError& ev, Effects& fx);
  void on(const TimerFired& ev, Effects& fx);
  template <typename CallEventT>
  void on(const CallEventT& ev, Effects& fx);

  std::optional<std::string> focus_room(const std::string& user_id) const;
  Conference* conference(const std::string& focus_user_id);
  Conference* call_owner(CallRef ref);
  void on_focus_membership(const MemberEvent& ev, const std::string& group_room, Effects& fx);
  void on_direct_invite(const MemberEvent& ev, const std::string& group_room, Effects& fx);
  void on_call_event(const CallEvent& ev, Effects& fx);
  // Joins or declines a pending 1:1 room once its focus' group room membership is known.
  void decide_direct(const std::string& room_id, Effects& fx);
  void decline_direct(const std::string& room_id, const std::string& reason, Effects& fx);
  void leave_encrypted(const std::string& room_id, Effects& fx);
  // Drops finished conferences and decides the 1:1 rooms that waited for them.
  void settle(Effects& fx);

  Config config_;
  std::map<std::string, Conference> conferences_;   // by focus user ID
  std::map<std::string, DirectRoom> direct_rooms_;  // by room ID
  Ledger ledger_;
};

}  // namespace glue
