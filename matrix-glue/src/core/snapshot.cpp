// GlueState::snapshot() and restore(): the state as JSON, so that a glue killed mid-conference
// carries on where it stopped.
#include <jansson.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <set>
#include <type_traits>
#include <utility>
#include <variant>

#include "call.h"
#include "glue_state.h"
#include "timer_ids.h"

namespace glue {
namespace {

// Bumped whenever the layout below changes; other versions are refused, never guessed at.
constexpr std::int64_t kFormatVersion = 2;

using JsonPtr = std::unique_ptr<json_t, decltype(&json_decref)>;

// Why a snapshot is refused: thrown while reading, caught by restore().
struct Malformed {
  std::string why;
};

json_t* str(const std::string& s) {
  return json_stringn(s.data(), s.size());
}

// Janus' IDs may use all 64 bits and Jansson's integers are signed: stored bit for bit.
json_t* u64(std::uint64_t v) {
  return json_integer(static_cast<json_int_t>(v));
}

json_t* need(json_t* obj, const char* key) {
  json_t* v = json_object_get(obj, key);
  if (v == nullptr) throw Malformed{std::string("missing \"") + key + "\""};
  return v;
}

[[noreturn]] void wrong_type(const char* key, const char* type) {
  throw Malformed{std::string("\"") + key + "\" is not " + type};
}

std::string get_string(json_t* obj, const char* key) {
  json_t* v = need(obj, key);
  if (!json_is_string(v)) wrong_type(key, "a string");
  return std::string(json_string_value(v), json_string_length(v));
}

// Absent in snapshots written before the glue had a pool of Janus instances (or call-backs).
std::string optional_string(json_t* obj, const char* key) {
  return json_object_get(obj, key) != nullptr ? get_string(obj, key) : "";
}

std::int64_t get_int(json_t* obj, const char* key) {
  json_t* v = need(obj, key);
  if (!json_is_integer(v)) wrong_type(key, "an integer");
  return json_integer_value(v);
}

std::uint64_t get_u64(json_t* obj, const char* key) {
  return static_cast<std::uint64_t>(get_int(obj, key));
}

bool get_bool(json_t* obj, const char* key) {
  json_t* v = need(obj, key);
  if (!json_is_boolean(v)) wrong_type(key, "a boolean");
  return json_is_true(v);
}

// Absent (false) in snapshots written before the focus called back.
bool optional_bool(json_t* obj, const char* key) {
  return json_object_get(obj, key) != nullptr && get_bool(obj, key);
}

json_t* get_array(json_t* obj, const char* key) {
  json_t* v = need(obj, key);
  if (!json_is_array(v)) wrong_type(key, "an array");
  return v;
}

json_t* get_object(json_t* obj, const char* key) {
  json_t* v = need(obj, key);
  if (!json_is_object(v)) wrong_type(key, "an object");
  return v;
}

// Enums are stored by name, so that a snapshot reads without this source at hand.
template <typename E, std::size_t N>
const char* name_of(const std::array<std::pair<E, const char*>, N>& names, E value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "";
}

template <typename E, std::size_t N>
E get_enum(json_t* obj, const char* key, const std::array<std::pair<E, const char*>, N>& names) {
  const std::string s = get_string(obj, key);
  for (const auto& [v, name] : names) {
    if (s == name) return v;
  }
  throw Malformed{std::string("\"") + key + "\": unknown value \"" + s + "\""};
}

// Runs `read`, naming `where` in its refusal.
template <typename F>
auto within(const std::string& where, F&& read) {
  try {
    return read();
  } catch (const Malformed& m) {
    throw Malformed{where + ": " + m.why};
  }
}

json_t* candidates_json(const std::vector<Candidate>& list) {
  json_t* a = json_array();
  for (const Candidate& c : list) {
    json_t* o = json_object();
    json_object_set_new(o, "candidate", str(c.candidate));
    if (c.sdp_mid) json_object_set_new(o, "sdp_mid", str(*c.sdp_mid));
    if (c.sdp_mline_index)
      json_object_set_new(o, "sdp_mline_index", json_integer(*c.sdp_mline_index));
    json_array_append_new(a, o);
  }
  return a;
}

std::vector<Candidate> read_candidates(json_t* obj, const char* key) {
  std::vector<Candidate> list;
  size_t i;
  json_t* o;
  json_array_foreach(get_array(obj, key), i, o) {
    Candidate c;
    c.candidate = get_string(o, "candidate");
    if (json_object_get(o, "sdp_mid") != nullptr) c.sdp_mid = get_string(o, "sdp_mid");
    if (json_object_get(o, "sdp_mline_index") != nullptr) {
      c.sdp_mline_index = static_cast<int>(get_int(o, "sdp_mline_index"));
    }
    list.push_back(std::move(c));
  }
  return list;
}

json_t* call_event_json(const CallEvent& ev) {
  json_t* j = json_object();
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        json_object_set_new(j, "room_id", str(e.room_id));
        json_object_set_new(j, "sender", str(e.sender));
        json_object_set_new(j, "call_id", str(e.call_id));
        json_object_set_new(j, "party_id", str(e.party_id));
        json_object_set_new(j, "version", json_integer(e.version));
        if constexpr (std::is_same_v<T, CallInvite>) {
          json_object_set_new(j, "type", json_string("m.call.invite"));
          json_object_set_new(j, "lifetime_ms", json_integer(e.lifetime_ms));
          json_object_set_new(j, "offer_sdp", str(e.offer_sdp));
          json_object_set_new(j, "age_ms", json_integer(e.age_ms));
          json_object_set_new(j, "received_ms", json_integer(e.received_ms));
        } else if constexpr (std::is_same_v<T, CallCandidates>) {
          json_object_set_new(j, "type", json_string("m.call.candidates"));
          json_object_set_new(j, "candidates", candidates_json(e.candidates));
        } else if constexpr (std::is_same_v<T, CallAnswer>) {
          json_object_set_new(j, "type", json_string("m.call.answer"));
          json_object_set_new(j, "answer_sdp", str(e.answer_sdp));
        } else if constexpr (std::is_same_v<T, CallSelectAnswer>) {
          json_object_set_new(j, "type", json_string("m.call.select_answer"));
          json_object_set_new(j, "selected_party_id", str(e.selected_party_id));
        } else if constexpr (std::is_same_v<T, CallNegotiate>) {
          json_object_set_new(j, "type", json_string("m.call.negotiate"));
          json_object_set_new(j, "description_type", str(e.description_type));
          json_object_set_new(j, "sdp", str(e.sdp));
        } else if constexpr (std::is_same_v<T, CallHangup>) {
          json_object_set_new(j, "type", json_string("m.call.hangup"));
          json_object_set_new(j, "reason", str(e.reason));
        } else if constexpr (std::is_same_v<T, CallReject>) {
          json_object_set_new(j, "type", json_string("m.call.reject"));
        }
      },
      ev);
  return j;
}

template <typename T>
T with_header(json_t* j) {
  T e;
  e.room_id = get_string(j, "room_id");
  e.sender = get_string(j, "sender");
  e.call_id = get_string(j, "call_id");
  e.party_id = get_string(j, "party_id");
  e.version = static_cast<int>(get_int(j, "version"));
  return e;
}

CallEvent read_call_event(json_t* j) {
  const std::string type = get_string(j, "type");
  if (type == "m.call.invite") {
    auto e = with_header<CallInvite>(j);
    e.lifetime_ms = get_int(j, "lifetime_ms");
    e.offer_sdp = get_string(j, "offer_sdp");
    e.age_ms = get_int(j, "age_ms");
    e.received_ms = get_int(j, "received_ms");
    return e;
  }
  if (type == "m.call.candidates") {
    auto e = with_header<CallCandidates>(j);
    e.candidates = read_candidates(j, "candidates");
    return e;
  }
  if (type == "m.call.answer") {
    auto e = with_header<CallAnswer>(j);
    e.answer_sdp = optional_string(j, "answer_sdp");
    return e;
  }
  if (type == "m.call.select_answer") {
    auto e = with_header<CallSelectAnswer>(j);
    e.selected_party_id = get_string(j, "selected_party_id");
    return e;
  }
  if (type == "m.call.negotiate") {
    auto e = with_header<CallNegotiate>(j);
    e.description_type = get_string(j, "description_type");
    e.sdp = get_string(j, "sdp");
    return e;
  }
  if (type == "m.call.hangup") {
    auto e = with_header<CallHangup>(j);
    e.reason = get_string(j, "reason");
    return e;
  }
  if (type == "m.call.reject") return with_header<CallReject>(j);
  throw Malformed{"unknown call event type \"" + type + "\""};
}

json_t* call_json(const Call& c) {
  json_t* j = json_object();
  json_object_set_new(j, "ref", u64(c.ref));
  json_object_set_new(j, "caller", str(c.caller));
  json_object_set_new(j, "room_id", str(c.room_id));
  json_object_set_new(j, "call_id", str(c.identity.call_id));
  json_object_set_new(j, "version", json_integer(c.identity.version));
  json_object_set_new(j, "party_id", str(c.identity.party_id));
  json_object_set_new(j, "offer_sdp", str(c.offer_sdp));
  json_object_set_new(j, "outbound", json_boolean(c.outbound));
  json_object_set_new(j, "video", json_boolean(c.video));
  json_object_set_new(j, "invited", json_boolean(c.invited));
  json_object_set_new(j, "attached", json_boolean(c.attached));
  json_object_set_new(j, "session_id", u64(c.session_id));
  json_object_set_new(j, "handle_id", u64(c.handle_id));
  json_object_set_new(j, "janus_instance", str(c.instance));
  json_object_set_new(j, "janus_room_of", json_integer(c.room));
  json_object_set_new(j, "join_sent", json_boolean(c.join_sent));
  json_object_set_new(j, "participant_id", u64(c.participant_id));
  json_object_set_new(j, "answered", json_boolean(c.answered));
  json_object_set_new(j, "media_up", json_boolean(c.media_up));
  json_object_set_new(j, "peer_gone", json_boolean(c.peer_gone));
  json_object_set_new(j, "closed_by_peer", json_boolean(c.closed_by_peer));
  json_object_set_new(j, "lifetime_timer", json_boolean(c.lifetime_timer));
  json_object_set_new(j, "setup_timer", json_boolean(c.setup_timer));
  json_object_set_new(j, "batch_timer", json_boolean(c.batch_timer));
  json_object_set_new(j, "remote_pending", candidates_json(c.remote_pending));
  json_object_set_new(j, "remote_completed", json_boolean(c.remote_completed));
  json_object_set_new(j, "local_pending", candidates_json(c.local_pending));
  json_object_set_new(j, "configuring", json_boolean(c.configuring));
  if (c.next_offer) json_object_set_new(j, "next_offer", str(*c.next_offer));
  return j;
}

json_t* link_end_json(const LinkEnd& e) {
  json_t* j = json_object();
  json_object_set_new(j, "session", u64(e.session));
  json_object_set_new(j, "handle", u64(e.handle));
  json_object_set_new(j, "participant", u64(e.participant));
  json_object_set_new(j, "ip", str(e.ip));
  json_object_set_new(j, "port", json_integer(e.port));
  return j;
}

LinkEnd read_link_end(json_t* j) {
  if (!json_is_object(j)) wrong_type("link end", "an object");
  return LinkEnd{get_u64(j, "session"), get_u64(j, "handle"), get_u64(j, "participant"),
                 get_string(j, "ip"), static_cast<int>(get_int(j, "port"))};
}

Call read_call(json_t* j) {
  Call c;
  c.ref = get_u64(j, "ref");
  c.caller = get_string(j, "caller");
  c.room_id = get_string(j, "room_id");
  c.identity.call_id = get_string(j, "call_id");
  c.identity.version = static_cast<int>(get_int(j, "version"));
  c.identity.party_id = get_string(j, "party_id");
  c.offer_sdp = get_string(j, "offer_sdp");
  c.outbound = optional_bool(j, "outbound");
  c.video = optional_bool(j, "video");
  c.invited = optional_bool(j, "invited");
  c.attached = get_bool(j, "attached");
  c.session_id = get_u64(j, "session_id");
  c.handle_id = get_u64(j, "handle_id");
  c.instance = optional_string(j, "janus_instance");
  // Absent before cascades: every call was in the primary room.
  if (json_object_get(j, "janus_room_of") != nullptr)
    c.room = static_cast<std::uint32_t>(get_int(j, "janus_room_of"));
  c.join_sent = get_bool(j, "join_sent");
  // Snapshots from before commands lack it: such a call cannot be named in a command.
  if (json_object_get(j, "participant_id") != nullptr)
    c.participant_id = get_u64(j, "participant_id");
  c.answered = get_bool(j, "answered");
  c.media_up = get_bool(j, "media_up");
  c.peer_gone = get_bool(j, "peer_gone");
  c.closed_by_peer = get_bool(j, "closed_by_peer");
  c.lifetime_timer = get_bool(j, "lifetime_timer");
  c.setup_timer = get_bool(j, "setup_timer");
  c.batch_timer = get_bool(j, "batch_timer");
  c.remote_pending = read_candidates(j, "remote_pending");
  c.remote_completed = get_bool(j, "remote_completed");
  c.local_pending = read_candidates(j, "local_pending");
  c.configuring = get_bool(j, "configuring");
  if (json_object_get(j, "next_offer") != nullptr) c.next_offer = get_string(j, "next_offer");
  return c;
}

json_t* power_levels_json(const PowerLevels& p) {
  json_t* j = json_object();
  json_t* users = json_object();
  for (const auto& [user, level] : p.users) {
    json_object_setn_new(users, user.data(), user.size(), json_integer(level));
  }
  json_object_set_new(j, "users", users);
  json_object_set_new(j, "users_default", json_integer(p.users_default));
  json_object_set_new(j, "kick", json_integer(p.kick));
  return j;
}

PowerLevels read_power_levels(const std::string& room_id, json_t* j) {
  PowerLevels p;
  p.room_id = room_id;
  const char* key;
  size_t key_len;
  json_t* value;
  json_object_keylen_foreach(get_object(j, "users"), key, key_len, value) {
    if (!json_is_integer(value)) wrong_type("power_levels.users", "integers");
    p.users.emplace(std::string(key, key_len), json_integer_value(value));
  }
  p.users_default = get_int(j, "users_default");
  p.kick = get_int(j, "kick");
  return p;
}

}  // namespace

// Friend of GlueState and Conference: the one place that sees all of their state.
class SnapshotCodec {
 public:
  static json_t* write(const GlueState& s) {
    json_t* j = json_object();
    json_object_set_new(j, "version", json_integer(kFormatVersion));
    json_object_set_new(j, "txn_prefix", str(s.ledger_.txn_prefix));
    json_object_set_new(j, "txn_counter", u64(s.ledger_.txn_counter));
    json_object_set_new(j, "next_call", u64(s.ledger_.next_call));
    json_t* timers = json_object();
    for (const auto& [id, due] : s.ledger_.timers) {
      json_object_setn_new(timers, id.data(), id.size(), json_integer(due));
    }
    json_object_set_new(j, "timers", timers);
    json_t* conferences = json_object();
    for (const auto& [focus, conf] : s.conferences_) {
      json_object_setn_new(conferences, focus.data(), focus.size(), write(conf));
    }
    json_object_set_new(j, "conferences", conferences);
    json_t* rooms = json_object();
    for (const auto& [room_id, room] : s.direct_rooms_) {
      json_object_setn_new(rooms, room_id.data(), room_id.size(), write(room));
    }
    json_object_set_new(j, "direct_rooms", rooms);
    return j;
  }

  // Into an empty `s`; throws Malformed.
  static void read(json_t* j, GlueState& s) {
    if (!json_is_object(j)) throw Malformed{"not a JSON object"};
    const std::int64_t version = get_int(j, "version");
    if (version != kFormatVersion) {
      throw Malformed{"unknown snapshot version " + std::to_string(version)};
    }
    s.ledger_.txn_prefix = get_string(j, "txn_prefix");
    s.ledger_.txn_counter = get_u64(j, "txn_counter");
    s.ledger_.next_call = get_u64(j, "next_call");
    const char* key;
    size_t key_len;
    json_t* value;
    json_object_keylen_foreach(get_object(j, "timers"), key, key_len, value) {
      std::string id(key, key_len);
      if (!json_is_integer(value) || !parse_timer_id(id)) throw Malformed{"bad timer " + id};
      s.ledger_.timers.emplace(std::move(id), json_integer_value(value));
    }
    std::set<CallRef> refs;
    json_object_keylen_foreach(get_object(j, "conferences"), key, key_len, value) {
      std::string focus(key, key_len);
      Conference conf =
          within("conference " + focus, [&] { return read_conference(focus, value); });
      for (const auto& [ref, call] : conf.calls_) {
        // A reused ref would route one call's Janus results to another.
        if (ref == 0 || ref >= s.ledger_.next_call || !refs.insert(ref).second) {
          throw Malformed{"conference " + focus + ": bad call ref " + std::to_string(ref)};
        }
      }
      s.conferences_.emplace(std::move(focus), std::move(conf));
    }
    json_object_keylen_foreach(get_object(j, "direct_rooms"), key, key_len, value) {
      std::string room_id(key, key_len);
      s.direct_rooms_.emplace(
          room_id, within("direct room " + room_id, [&] { return read_direct_room(value); }));
    }
  }

 private:
  static constexpr std::array<std::pair<Conference::Stage, const char*>, 4> kStages = {{
      {Conference::Stage::kJoining, "joining"},
      {Conference::Stage::kLoadingMembers, "loading_members"},
      {Conference::Stage::kActive, "active"},
      {Conference::Stage::kOver, "over"},
  }};
  static constexpr std::array<std::pair<Conference::JanusRoom, const char*>, 3> kJanusRooms = {{
      {Conference::JanusRoom::kNone, "none"},
      {Conference::JanusRoom::kCreating, "creating"},
      {Conference::JanusRoom::kReady, "ready"},
  }};
  static constexpr std::array<std::pair<GlueState::DirectRoom::Stage, const char*>, 3>
      kDirectStages = {{
          {GlueState::DirectRoom::Stage::kPending, "pending"},
          {GlueState::DirectRoom::Stage::kJoining, "joining"},
          {GlueState::DirectRoom::Stage::kJoined, "joined"},
      }};

  static json_t* write(const Conference& c) {
    json_t* j = json_object();
    json_object_set_new(j, "group_room", str(c.group_room_));
    json_object_set_new(j, "stage", json_string(name_of(kStages, c.stage_)));
    json_t* members = json_array();
    for (const std::string& m : c.members_) json_array_append_new(members, str(m));
    json_object_set_new(j, "members", members);
    json_t* names = json_object();
    for (const auto& [user, name] : c.display_names_) {
      json_object_setn_new(names, user.data(), user.size(), str(name));
    }
    json_object_set_new(j, "display_names", names);
    json_t* waiting = json_array();
    for (const CallEvent& ev : c.waiting_events_)
      json_array_append_new(waiting, call_event_json(ev));
    json_object_set_new(j, "waiting_events", waiting);
    json_t* calls = json_array();
    for (const auto& [ref, call] : c.calls_) json_array_append_new(calls, call_json(call));
    json_object_set_new(j, "calls", calls);
    json_object_set_new(j, "had_calls", json_boolean(c.had_calls_));
    json_object_set_new(j, "no_call_timer", json_boolean(c.no_call_timer_));
    json_object_set_new(j, "janus_room", json_string(name_of(kJanusRooms, c.janus_room_)));
    json_object_set_new(j, "janus_room_id", u64(c.janus_room_id_));
    json_object_set_new(j, "janus_instance", str(c.instance_));
    if (c.power_levels_)
      json_object_set_new(j, "power_levels", power_levels_json(*c.power_levels_));
    json_t* linked = json_array();
    for (const LinkedRoom& l : c.linked_) json_array_append_new(linked, write(l));
    json_object_set_new(j, "linked_rooms", linked);
    json_object_set_new(j, "next_linked_room", json_integer(c.next_linked_));
    return j;
  }

  static constexpr std::array<std::pair<LinkedRoom::Stage, const char*>, 5> kLinkStages = {{
      {LinkedRoom::Stage::kCreating, "creating"},
      {LinkedRoom::Stage::kLinkingPrimary, "linking_primary"},
      {LinkedRoom::Stage::kLinkingHere, "linking_here"},
      {LinkedRoom::Stage::kConfiguring, "configuring"},
      {LinkedRoom::Stage::kReady, "ready"},
  }};

  static json_t* write(const LinkedRoom& l) {
    json_t* j = json_object();
    json_object_set_new(j, "id", json_integer(l.id));
    json_object_set_new(j, "stage", json_string(name_of(kLinkStages, l.stage)));
    json_object_set_new(j, "janus_instance", str(l.instance));
    json_object_set_new(j, "janus_room", u64(l.janus_room));
    json_object_set_new(j, "primary_end", link_end_json(l.primary_end));
    json_object_set_new(j, "here_end", link_end_json(l.here_end));
    return j;
  }

  static LinkedRoom read_linked(json_t* j) {
    LinkedRoom l;
    l.id = static_cast<std::uint32_t>(get_int(j, "id"));
    if (l.id == 0) throw Malformed{"linked room id 0"};
    l.stage = get_enum(j, "stage", kLinkStages);
    l.instance = get_string(j, "janus_instance");
    l.janus_room = get_u64(j, "janus_room");
    l.primary_end = read_link_end(need(j, "primary_end"));
    l.here_end = read_link_end(need(j, "here_end"));
    return l;
  }

  static Conference read_conference(const std::string& focus, json_t* j) {
    Conference c(focus, get_string(j, "group_room"));
    c.stage_ = get_enum(j, "stage", kStages);
    size_t i;
    json_t* v;
    json_array_foreach(get_array(j, "members"), i, v) {
      if (!json_is_string(v)) wrong_type("members", "an array of strings");
      c.members_.emplace(json_string_value(v), json_string_length(v));
    }
    // Absent in snapshots written before the glue passed display names.
    if (json_object_get(j, "display_names") != nullptr) {
      const char* key;
      size_t key_len;
      json_object_keylen_foreach(get_object(j, "display_names"), key, key_len, v) {
        if (!json_is_string(v)) wrong_type("display_names", "an object of strings");
        c.display_names_.emplace(std::string(key, key_len),
                                 std::string(json_string_value(v), json_string_length(v)));
      }
    }
    json_array_foreach(get_array(j, "waiting_events"), i, v) {
      c.waiting_events_.push_back(read_call_event(v));
    }
    json_array_foreach(get_array(j, "calls"), i, v) {
      Call call = read_call(v);
      const CallRef ref = call.ref;
      if (!c.calls_.emplace(ref, std::move(call)).second) {
        throw Malformed{"call ref " + std::to_string(ref) + " twice"};
      }
    }
    c.had_calls_ = get_bool(j, "had_calls");
    c.no_call_timer_ = get_bool(j, "no_call_timer");
    c.janus_room_ = get_enum(j, "janus_room", kJanusRooms);
    c.janus_room_id_ = get_u64(j, "janus_room_id");
    c.instance_ = optional_string(j, "janus_instance");
    if (json_t* levels = json_object_get(j, "power_levels")) {
      c.power_levels_ = read_power_levels(c.group_room_, levels);
    }
    // Absent before cascades.
    if (json_object_get(j, "linked_rooms") != nullptr) {
      json_array_foreach(get_array(j, "linked_rooms"), i, v) {
        if (!json_is_object(v)) wrong_type("linked_rooms", "an array of objects");
        c.linked_.push_back(read_linked(v));
      }
      c.next_linked_ = static_cast<std::uint32_t>(get_int(j, "next_linked_room"));
    }
    for (const auto& [ref, call] : c.calls_) {
      if (call.room != 0 && c.linked(call.room) == nullptr)
        throw Malformed{"call ref " + std::to_string(ref) + " in an unknown linked room"};
    }
    return c;
  }

  static json_t* write(const GlueState::DirectRoom& r) {
    json_t* j = json_object();
    json_object_set_new(j, "focus", str(r.focus));
    json_object_set_new(j, "group_room", str(r.group_room));
    json_object_set_new(j, "inviter", str(r.inviter));
    json_object_set_new(j, "stage", json_string(name_of(kDirectStages, r.stage)));
    json_object_set_new(j, "encrypted", json_boolean(r.encrypted));
    return j;
  }

  static GlueState::DirectRoom read_direct_room(json_t* j) {
    GlueState::DirectRoom r;
    r.focus = get_string(j, "focus");
    r.group_room = get_string(j, "group_room");
    r.inviter = get_string(j, "inviter");
    r.stage = get_enum(j, "stage", kDirectStages);
    r.encrypted = get_bool(j, "encrypted");
    return r;
  }
};

std::string GlueState::snapshot() const {
  JsonPtr j(SnapshotCodec::write(*this), &json_decref);
  // Sorted keys: the same state always gives the same text.
  char* text = json_dumps(j.get(), JSON_COMPACT | JSON_SORT_KEYS);
  std::string out = text != nullptr ? text : "";
  std::free(text);
  return out;
}

bool GlueState::restore(const std::string& snapshot, std::int64_t now_ms,
                        std::vector<Action>* resume, std::string* error) {
  const auto clear = [this] {
    conferences_.clear();
    direct_rooms_.clear();
    ledger_ = Ledger{};
    ledger_.txn_prefix = config_.txn_prefix;
  };
  clear();
  resume->clear();
  json_error_t parse_error;
  JsonPtr j(json_loadb(snapshot.data(), snapshot.size(), 0, &parse_error), &json_decref);
  if (j == nullptr) {
    *error = std::string("not JSON: ") + parse_error.text;
    return false;
  }
  try {
    SnapshotCodec::read(j.get(), *this);
  } catch (const Malformed& m) {
    clear();
    *error = m.why;
    return false;
  }
  for (const auto& [focus, conf] : conferences_) conf.resume(*resume);
  for (const auto& [room_id, room] : direct_rooms_) {
    if (room.stage == DirectRoom::Stage::kJoining) resume->push_back(JoinRoom{room.focus, room_id});
  }
  for (const auto& [id, due] : ledger_.timers) {
    resume->push_back(SetTimer{id, std::max<std::int64_t>(0, due - now_ms)});
  }
  return true;
}

}  // namespace glue
