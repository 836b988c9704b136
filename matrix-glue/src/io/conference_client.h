// The glue's typed client of janus.plugin.conference over Janus' HTTP API: sessions and
// handles, the plugin's requests (conference_requests.h) and its answers and events
// (conference_replies.h). Blocking; one object per thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "conference_replies.h"
#include "conference_requests.h"
#include "events.h"
#include "janus_api.h"

namespace glue {

// A session with one handle attached to the plugin.
struct PluginHandle {
  std::uint64_t session = 0;
  std::uint64_t handle = 0;
};

// How a request went.
struct JanusStatus {
  bool ok = false;
  int error_code = 0;             // Janus' or the plugin's
  std::string error;              // message, or the transport's failure
  bool transport_failed = false;  // no answer at all: Janus down or unreachable
};

struct OpenedHandle {
  JanusStatus status;
  bool no_plugin = false;  // Janus answered, but the attach to the plugin failed
  PluginHandle handle;
};

// One long poll of a call's session.
struct PolledEvents {
  std::vector<Event> events;  // the ones the state machine acts on, in order
  bool transport_failed = false;
  bool session_gone = false;  // Janus no longer knows the session
};

class ConferenceClient {
 public:
  explicit ConferenceClient(JanusEndpoint endpoint)
      : admin_key_(endpoint.admin_key), api_(std::move(endpoint)) {}

  // A new session attached to janus.plugin.conference (the session is destroyed again when
  // the attach fails).
  OpenedHandle open();
  JanusStatus keepalive(std::uint64_t session);
  // Destroys the session, which detaches its handle.
  JanusStatus close(std::uint64_t session);

  CreatedRoom create_room(const PluginHandle& h, const CreateRoomRequest& r);
  JanusStatus destroy_room(const PluginHandle& h, const DestroyRoomRequest& r);
  // `list` and `load` with the endpoint's admin_key; false with `error` when refused or unread.
  bool list_rooms(const PluginHandle& h, std::vector<ListedRoom>* rooms, std::string* error);
  bool load(const PluginHandle& h, PluginLoad* load, std::string* error);
  // The answer (or with `generate_offer` the plugin's offer, and no `offer_sdp`) comes as an
  // event on the session's long poll.
  JanusStatus join(const PluginHandle& h, const JoinRequest& r, const std::string& offer_sdp);
  // The caller's answer to the plugin's offer: a `configure` with that JSEP.
  JanusStatus answer(const PluginHandle& h, const std::string& answer_sdp);
  JanusStatus configure(const PluginHandle& h, const std::string& offer_sdp);
  // A `configure` with a new `display` alone: no JSEP, and no event the glue acts on.
  JanusStatus rename(const PluginHandle& h, const std::string& display);
  JanusStatus leave(const PluginHandle& h);
  // A command's request (conference_requests.h): on the control handle `h`, or for kLayout on
  // the caller's own handle (acknowledged at once; the plugin's answer comes on its long poll).
  // A kListParticipants answer fills `participants` and `room_muted`.
  JanusStatus command(const PluginHandle& h, const CommandRequest& r,
                      std::vector<ParticipantState>* participants, bool* room_muted);
  // `candidates` when not empty, then the end of candidates when `completed`.
  void trickle(const PluginHandle& h, const std::vector<Candidate>& candidates, bool completed);

  // A link end on a session of its own (opened here, closed again on failure): `join` with
  // link: true, waiting up to timeout_ms for the plugin's `joined`. `reply` has its address.
  JanusStatus join_link(const LinkJoinRequest& r, long timeout_ms, PluginHandle* h,
                        LinkReply* reply);
  // The link end's `configure` with the far end's address, waiting for its result.
  JanusStatus configure_link(const PluginHandle& h, const LinkConfigureRequest& r, long timeout_ms);

  // Waits up to timeout_ms (or until `abort`) for the events of `call`'s session.
  PolledEvents poll(CallRef call, std::uint64_t session, long timeout_ms,
                    const std::atomic<bool>* abort);

 private:
  JanusStatus message(const PluginHandle& h, json_t* body, json_t* jsep);
  // Sends `body` (owned) and keeps the answer.
  JanusReply ask(const PluginHandle& h, json_t* body);
  // Sends an asynchronous `body` (owned) and waits on the session for its answer.
  JanusStatus ask_link(const PluginHandle& h, json_t* body, bool join, long timeout_ms,
                       LinkReply* reply);
  const std::string admin_key_;
  JanusApi api_;
};

}  // namespace glue
