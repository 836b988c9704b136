#include "conference_client.h"

#include <chrono>

namespace glue {

namespace {

constexpr const char* kPlugin = "janus.plugin.conference";
constexpr int kMaxEventsPerPoll = 10;

JanusStatus status_of(const JanusReply& r) {
  return JanusStatus{r.ok, r.error_code, r.error, r.transport_failed};
}

}  // namespace

OpenedHandle ConferenceClient::open() {
  OpenedHandle out;
  JanusReply s = api_.create_session();
  if (!s.ok) {
    out.status = status_of(s);
    return out;
  }
  const std::uint64_t session = JanusApi::id_of(s);
  JanusReply h = api_.attach(session, kPlugin);
  if (!h.ok) {
    api_.destroy(session);
    out.status = status_of(h);
    out.no_plugin = true;
    return out;
  }
  out.status.ok = true;
  out.handle = PluginHandle{session, JanusApi::id_of(h)};
  return out;
}

JanusStatus ConferenceClient::keepalive(std::uint64_t session) {
  return status_of(api_.keepalive(session));
}

JanusStatus ConferenceClient::close(std::uint64_t session) {
  return status_of(api_.destroy(session));
}

JanusStatus ConferenceClient::message(const PluginHandle& h, json_t* body, json_t* jsep) {
  JanusReply r = api_.message(h.session, h.handle, body, jsep);
  json_decref(body);
  json_decref(jsep);
  return status_of(r);
}

JanusReply ConferenceClient::ask(const PluginHandle& h, json_t* body) {
  JanusReply reply = api_.message(h.session, h.handle, body, nullptr);
  json_decref(body);
  return reply;
}

CreatedRoom ConferenceClient::create_room(const PluginHandle& h, const CreateRoomRequest& r) {
  CreateRoomRequest keyed = r;
  keyed.admin_key = admin_key_;
  return parse_created_room(ask(h, to_json(keyed)));
}

bool ConferenceClient::list_rooms(const PluginHandle& h, std::vector<ListedRoom>* rooms,
                                  std::string* error) {
  return parse_room_list(ask(h, to_json(ListRoomsRequest{admin_key_})), rooms, error);
}

bool ConferenceClient::load(const PluginHandle& h, PluginLoad* load, std::string* error) {
  return parse_plugin_load(ask(h, to_json(LoadRequest{admin_key_})), load, error);
}

JanusStatus ConferenceClient::destroy_room(const PluginHandle& h, const DestroyRoomRequest& r) {
  return message(h, to_json(r), nullptr);
}

JanusStatus ConferenceClient::join(const PluginHandle& h, const JoinRequest& r,
                                   const std::string& offer_sdp) {
  return message(h, to_json(r), r.generate_offer ? nullptr : offer_jsep(offer_sdp));
}

JanusStatus ConferenceClient::answer(const PluginHandle& h, const std::string& answer_sdp) {
  return message(h, to_json(ConfigureRequest{}), answer_jsep(answer_sdp));
}

JanusStatus ConferenceClient::configure(const PluginHandle& h, const std::string& offer_sdp) {
  return message(h, to_json(ConfigureRequest{}), offer_jsep(offer_sdp));
}

JanusStatus ConferenceClient::rename(const PluginHandle& h, const std::string& display) {
  return message(h, to_json(ConfigureRequest{display}), nullptr);
}

JanusStatus ConferenceClient::leave(const PluginHandle& h) {
  return message(h, to_json(LeaveRequest{}), nullptr);
}

JanusStatus ConferenceClient::command(const PluginHandle& h, const CommandRequest& r,
                                      std::vector<ParticipantState>* participants,
                                      bool* room_muted) {
  JanusReply reply = ask(h, to_json(r));
  JanusStatus status = status_of(reply);
  if (status.ok && r.request.kind == RoomRequestKind::kListParticipants &&
      !parse_participants(reply, participants, room_muted)) {
    status.ok = false;
    status.error = "no participants in the plugin's answer";
  }
  return status;
}

void ConferenceClient::trickle(const PluginHandle& h, const std::vector<Candidate>& candidates,
                               bool completed) {
  if (!candidates.empty()) {
    json_t* list = trickle_candidates(candidates);
    api_.trickle(h.session, h.handle, list);
    json_decref(list);
  }
  if (completed) {
    json_t* done = trickle_completed();
    api_.trickle(h.session, h.handle, done);
    json_decref(done);
  }
}

JanusStatus ConferenceClient::ask_link(const PluginHandle& h, json_t* body, bool join,
                                       long timeout_ms, LinkReply* reply) {
  JanusStatus status = message(h, body, nullptr);
  if (!status.ok) return status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    bool transport_failed = false;
    bool session_gone = false;
    std::vector<json_t*> raw =
        api_.poll(h.session, kMaxEventsPerPoll, 1000, &transport_failed, &session_gone);
    std::optional<LinkReply> found;
    for (json_t* e : raw) {
      if (!found) found = parse_link_reply(e, join);
      json_decref(e);
    }
    if (found) {
      *reply = *found;
      return JanusStatus{found->ok, found->error_code, found->error, false};
    }
    if (transport_failed || session_gone)
      return JanusStatus{false, 0, "no answer to the link's request", transport_failed};
  }
  return JanusStatus{false, 0, "the link's request timed out", false};
}

JanusStatus ConferenceClient::join_link(const LinkJoinRequest& r, long timeout_ms, PluginHandle* h,
                                        LinkReply* reply) {
  OpenedHandle opened = open();
  if (!opened.status.ok) return opened.status;
  LinkJoinRequest keyed = r;
  keyed.admin_key = admin_key_;
  JanusStatus status = ask_link(opened.handle, to_json(keyed), true, timeout_ms, reply);
  if (!status.ok) {
    close(opened.handle.session);
    return status;
  }
  *h = opened.handle;
  return status;
}

JanusStatus ConferenceClient::configure_link(const PluginHandle& h, const LinkConfigureRequest& r,
                                             long timeout_ms) {
  LinkReply reply;
  return ask_link(h, to_json(r), false, timeout_ms, &reply);
}

PolledEvents ConferenceClient::poll(CallRef call, std::uint64_t session, long timeout_ms,
                                    const std::atomic<bool>* abort) {
  PolledEvents out;
  std::vector<json_t*> raw = api_.poll(session, kMaxEventsPerPoll, timeout_ms,
                                       &out.transport_failed, &out.session_gone, abort);
  for (json_t* e : raw) {
    if (auto ev = parse_call_event(call, e)) out.events.push_back(std::move(*ev));
    json_decref(e);
  }
  return out;
}

}  // namespace glue
