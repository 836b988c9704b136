#include "event_parser.h"

#include <cstring>
#include <limits>

namespace glue {

namespace {

std::string str(const json_t* obj, const char* key) {
  const char* v = json_string_value(json_object_get(obj, key));
  return v != nullptr ? v : "";
}

// Version 0 is the integer 0 (or absent); "1" and anything later count as 1.
int call_version(const json_t* content) {
  const json_t* v = json_object_get(content, "version");
  if (json_is_string(v)) return std::strcmp(json_string_value(v), "0") == 0 ? 0 : 1;
  if (json_is_integer(v)) return json_integer_value(v) >= 1 ? 1 : 0;
  return 0;
}

bool header(const json_t* event, const json_t* content, CallHeader* h, std::string* why) {
  h->room_id = str(event, "room_id");
  h->sender = str(event, "sender");
  h->call_id = str(content, "call_id");
  h->party_id = str(content, "party_id");
  h->version = call_version(content);
  if (h->room_id.empty() || h->sender.empty() || h->call_id.empty()) {
    *why = "call event without room_id, sender or call_id";
    return false;
  }
  return true;
}

int64_t int_or(const json_t* obj, const char* key, int64_t fallback) {
  const json_t* v = json_object_get(obj, key);
  return json_is_integer(v) ? json_integer_value(v) : fallback;
}

std::optional<Membership> membership(const std::string& m) {
  if (m == "invite") return Membership::kInvite;
  if (m == "join") return Membership::kJoin;
  if (m == "leave") return Membership::kLeave;
  if (m == "ban") return Membership::kBan;
  if (m == "knock") return Membership::kKnock;
  return std::nullopt;
}

// Stripped state that came with an invite: does it say the room is encrypted?
std::optional<bool> invite_encrypted(const json_t* event) {
  const json_t* unsigned_ = json_object_get(event, "unsigned");
  const json_t* state = json_object_get(unsigned_, "invite_room_state");
  if (!json_is_array(state)) state = json_object_get(event, "invite_room_state");
  if (!json_is_array(state)) return std::nullopt;
  size_t i;
  const json_t* e;
  json_array_foreach(state, i, e) {
    if (str(e, "type") == "m.room.encryption") return true;
  }
  return false;
}

std::optional<RoomMessage> room_message(const json_t* event, std::string* why) {
  const json_t* content = json_object_get(event, "content");
  // Edits (m.new_content) and notices are no commands.
  if (str(content, "msgtype") != "m.text" || json_object_get(content, "m.new_content") != nullptr) {
    return std::nullopt;
  }
  RoomMessage m;
  m.room_id = str(event, "room_id");
  m.sender = str(event, "sender");
  m.event_id = str(event, "event_id");
  m.body = str(content, "body");
  if (m.room_id.empty() || m.sender.empty() || m.event_id.empty()) {
    *why = "m.room.message without room_id, sender or event_id";
    return std::nullopt;
  }
  const json_t* ids = json_object_get(json_object_get(content, "m.mentions"), "user_ids");
  size_t i;
  const json_t* id;
  json_array_foreach(ids, i, id) {
    if (json_is_string(id)) m.mentions.emplace_back(json_string_value(id));
  }
  return m;
}

}  // namespace

PowerLevels parse_power_levels(const std::string& room_id, const json_t* content) {
  PowerLevels p;
  p.room_id = room_id;
  p.users_default = int_or(content, "users_default", p.users_default);
  p.kick = int_or(content, "kick", p.kick);
  const char* user;
  const json_t* level;
  json_object_foreach(const_cast<json_t*>(json_object_get(content, "users")), user, level) {
    if (json_is_integer(level)) p.users.emplace(user, json_integer_value(level));
  }
  return p;
}

std::optional<CallEvent> parse_call_event(const json_t* event, int64_t received_ms,
                                          std::string* why) {
  const std::string type = str(event, "type");
  if (type.rfind("m.call.", 0) != 0) return std::nullopt;
  const json_t* content = json_object_get(event, "content");
  if (!json_is_object(content)) {
    *why = type + " without content";
    return std::nullopt;
  }
  CallHeader h;
  if (!header(event, content, &h, why)) return std::nullopt;
  if (type == "m.call.invite") {
    CallInvite ev;
    static_cast<CallHeader&>(ev) = h;
    const json_t* offer = json_object_get(content, "offer");
    ev.offer_sdp = str(offer, "sdp");
    if (ev.offer_sdp.empty()) {
      *why = "m.call.invite without offer.sdp";
      return std::nullopt;
    }
    ev.lifetime_ms = int_or(content, "lifetime", 0);
    ev.age_ms = int_or(json_object_get(event, "unsigned"), "age", 0);
    ev.received_ms = received_ms;
    return ev;
  }
  if (type == "m.call.candidates") {
    CallCandidates ev;
    static_cast<CallHeader&>(ev) = h;
    const json_t* list = json_object_get(content, "candidates");
    if (!json_is_array(list)) {
      *why = "m.call.candidates without a candidates array";
      return std::nullopt;
    }
    size_t i;
    const json_t* c;
    json_array_foreach(list, i, c) {
      if (!json_is_object(c)) continue;
      Candidate cand;
      cand.candidate = str(c, "candidate");
      if (json_is_string(json_object_get(c, "sdpMid"))) cand.sdp_mid = str(c, "sdpMid");
      const json_t* index = json_object_get(c, "sdpMLineIndex");
      if (json_is_integer(index) && json_integer_value(index) >= 0 &&
          json_integer_value(index) < std::numeric_limits<int>::max()) {
        cand.sdp_mline_index = static_cast<int>(json_integer_value(index));
      }
      ev.candidates.push_back(std::move(cand));
    }
    return ev;
  }
  if (type == "m.call.answer") {
    CallAnswer ev;
    static_cast<CallHeader&>(ev) = h;
    ev.answer_sdp = str(json_object_get(content, "answer"), "sdp");
    if (ev.answer_sdp.empty()) {
      *why = "m.call.answer without answer.sdp";
      return std::nullopt;
    }
    return ev;
  }
  if (type == "m.call.select_answer") {
    CallSelectAnswer ev;
    static_cast<CallHeader&>(ev) = h;
    ev.selected_party_id = str(content, "selected_party_id");
    return ev;
  }
  if (type == "m.call.negotiate") {
    CallNegotiate ev;
    static_cast<CallHeader&>(ev) = h;
    const json_t* description = json_object_get(content, "description");
    ev.description_type = str(description, "type");
    ev.sdp = str(description, "sdp");
    if (ev.sdp.empty()) {
      *why = "m.call.negotiate without description.sdp";
      return std::nullopt;
    }
    return ev;
  }
  if (type == "m.call.hangup") {
    CallHangup ev;
    static_cast<CallHeader&>(ev) = h;
    ev.reason = str(content, "reason");
    return ev;
  }
  if (type == "m.call.reject") {
    CallReject ev;
    static_cast<CallHeader&>(ev) = h;
    return ev;
  }
  return std::nullopt;
}

std::optional<Event> parse_matrix_event(const json_t* event, int64_t received_ms,
                                        std::string* why) {
  if (!json_is_object(event)) {
    *why = "event is not an object";
    return std::nullopt;
  }
  const std::string type = str(event, "type");
  if (type == "m.room.member") {
    MemberEvent ev;
    ev.room_id = str(event, "room_id");
    ev.user_id = str(event, "state_key");
    ev.sender = str(event, "sender");
    const auto m = membership(str(json_object_get(event, "content"), "membership"));
    if (ev.room_id.empty() || ev.user_id.empty() || !m) {
      *why = "m.room.member without room_id, state_key or a known membership";
      return std::nullopt;
    }
    ev.membership = *m;
    if (ev.membership == Membership::kInvite) ev.encrypted = invite_encrypted(event);
    // A display name that is not a string (null: removed) counts as none.
    ev.displayname = str(json_object_get(event, "content"), "displayname");
    return ev;
  }
  if (type == "m.room.encryption") {
    RoomEncryptionEvent ev;
    ev.room_id = str(event, "room_id");
    if (ev.room_id.empty() || !json_is_string(json_object_get(event, "state_key"))) {
      *why = "m.room.encryption without room_id or state_key";
      return std::nullopt;
    }
    return ev;
  }
  if (type == "m.room.message") {
    auto m = room_message(event, why);
    if (!m) return std::nullopt;
    return *m;
  }
  if (type == "m.room.power_levels") {
    const std::string room_id = str(event, "room_id");
    const json_t* content = json_object_get(event, "content");
    if (room_id.empty() || str(event, "state_key") != "" ||
        !json_is_string(json_object_get(event, "state_key")) || !json_is_object(content)) {
      *why = "m.room.power_levels without room_id, an empty state_key or content";
      return std::nullopt;
    }
    return parse_power_levels(room_id, content);
  }
  auto call = parse_call_event(event, received_ms, why);
  if (!call) return std::nullopt;
  return std::visit([](auto&& c) -> Event { return c; }, *call);
}

}  // namespace glue
