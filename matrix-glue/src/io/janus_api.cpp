#include "janus_api.h"

#include <utility>

namespace glue {

namespace {

constexpr long kRequestTimeoutMs = 10000;
constexpr int kJanusErrorSessionNotFound = 458;

std::string dump(json_t* j) {
  char* text = json_dumps(j, JSON_COMPACT);
  std::string out = text != nullptr ? text : "{}";
  free(text);
  return out;
}

}  // namespace

JanusReply::JanusReply(JanusReply&& o) noexcept {
  *this = std::move(o);
}

JanusReply& JanusReply::operator=(JanusReply&& o) noexcept {
  if (this != &o) {
    json_decref(data);
    json_decref(jsep);
    ok = o.ok;
    error_code = o.error_code;
    error = std::move(o.error);
    transport_failed = o.transport_failed;
    data = std::exchange(o.data, nullptr);
    jsep = std::exchange(o.jsep, nullptr);
    acked = o.acked;
  }
  return *this;
}

JanusReply::~JanusReply() {
  json_decref(data);
  json_decref(jsep);
}

JanusReply parse_janus_reply(const std::string& text) {
  JanusReply r;
  json_error_t err;
  json_t* root = json_loads(text.c_str(), 0, &err);
  if (!json_is_object(root)) {
    json_decref(root);
    r.error = std::string("unparsable answer from Janus: ") + err.text;
    return r;
  }
  const char* kind = json_string_value(json_object_get(root, "janus"));
  const std::string janus = kind != nullptr ? kind : "";
  if (janus == "error") {
    json_t* e = json_object_get(root, "error");
    r.error_code = static_cast<int>(json_integer_value(json_object_get(e, "code")));
    const char* reason = json_string_value(json_object_get(e, "reason"));
    r.error = reason != nullptr ? reason : "Janus error";
  } else if (janus == "ack") {
    r.ok = true;
    r.acked = true;
  } else {
    r.ok = janus == "success" || janus == "event";
    if (!r.ok) r.error = "unexpected answer from Janus: " + janus;
    json_t* plugindata = json_object_get(root, "plugindata");
    json_t* data =
        plugindata != nullptr ? json_object_get(plugindata, "data") : json_object_get(root, "data");
    if (data != nullptr) r.data = json_incref(data);
    if (json_t* jsep = json_object_get(root, "jsep")) r.jsep = json_incref(jsep);
    json_t* plugin_error = r.data != nullptr ? json_object_get(r.data, "error_code") : nullptr;
    if (json_is_integer(plugin_error)) {
      r.ok = false;
      r.error_code = static_cast<int>(json_integer_value(plugin_error));
      const char* msg = json_string_value(json_object_get(r.data, "error"));
      r.error = msg != nullptr ? msg : "plugin error";
    }
  }
  json_decref(root);
  return r;
}

uint64_t JanusApi::id_of(const JanusReply& reply) {
  return reply.data != nullptr
             ? static_cast<uint64_t>(json_integer_value(json_object_get(reply.data, "id")))
             : 0;
}

JanusReply JanusApi::post(const std::string& path, json_t* request) {
  json_object_set_new(request, "transaction",
                      json_string(("glue-" + std::to_string(next_txn_++)).c_str()));
  if (!endpoint_.api_secret.empty())
    json_object_set_new(request, "apisecret", json_string(endpoint_.api_secret.c_str()));
  if (!endpoint_.token.empty())
    json_object_set_new(request, "token", json_string(endpoint_.token.c_str()));
  HttpResult res = http_.request("POST", endpoint_.url + path, dump(request),
                                 {"Content-Type: application/json"}, kRequestTimeoutMs);
  json_decref(request);
  if (res.status == 0) {
    JanusReply r;
    r.transport_failed = true;
    r.error = "Janus unreachable: " + res.error;
    return r;
  }
  return parse_janus_reply(res.body);
}

JanusReply JanusApi::create_session() {
  return post("", json_pack("{s:s}", "janus", "create"));
}

JanusReply JanusApi::attach(uint64_t session, const std::string& plugin) {
  return post("/" + std::to_string(session),
              json_pack("{s:s, s:s}", "janus", "attach", "plugin", plugin.c_str()));
}

JanusReply JanusApi::message(uint64_t session, uint64_t handle, json_t* body, json_t* jsep) {
  json_t* req = json_pack("{s:s, s:O}", "janus", "message", "body", body);
  if (jsep != nullptr) json_object_set(req, "jsep", jsep);
  return post("/" + std::to_string(session) + "/" + std::to_string(handle), req);
}

JanusReply JanusApi::trickle(uint64_t session, uint64_t handle, json_t* candidates_or_completed) {
  json_t* req = json_pack("{s:s}", "janus", "trickle");
  json_object_set(req, json_is_array(candidates_or_completed) ? "candidates" : "candidate",
                  candidates_or_completed);
  return post("/" + std::to_string(session) + "/" + std::to_string(handle), req);
}

JanusReply JanusApi::keepalive(uint64_t session) {
  return post("/" + std::to_string(session), json_pack("{s:s}", "janus", "keepalive"));
}

JanusReply JanusApi::detach(uint64_t session, uint64_t handle) {
  return post("/" + std::to_string(session) + "/" + std::to_string(handle),
              json_pack("{s:s}", "janus", "detach"));
}

JanusReply JanusApi::destroy(uint64_t session) {
  return post("/" + std::to_string(session), json_pack("{s:s}", "janus", "destroy"));
}

std::vector<json_t*> JanusApi::poll(uint64_t session, int max_events, long timeout_ms,
                                    bool* transport_failed, bool* session_gone,
                                    const std::atomic<bool>* abort) {
  std::vector<json_t*> events;
  *transport_failed = false;
  *session_gone = false;
  HttpResult res = http_.request("GET",
                                 endpoint_.url + "/" + std::to_string(session) +
                                     "?maxev=" + std::to_string(max_events) + credentials_query(),
                                 "", {}, timeout_ms, abort);
  if (res.status == 0) {
    *transport_failed = true;
    return events;
  }
  json_t* root = json_loads(res.body.c_str(), 0, nullptr);
  json_t* list = root;
  if (json_is_object(root)) {
    const char* kind = json_string_value(json_object_get(root, "janus"));
    if (kind != nullptr && std::string(kind) == "error") {
      *session_gone = json_integer_value(json_object_get(json_object_get(root, "error"), "code")) ==
                      kJanusErrorSessionNotFound;
      json_decref(root);
      return events;
    }
    list = json_array();
    json_array_append(list, root);
    json_decref(root);
  }
  size_t i;
  json_t* ev;
  json_array_foreach(list, i, ev) {
    const char* kind = json_string_value(json_object_get(ev, "janus"));
    if (kind != nullptr && std::string(kind) == "keepalive") continue;
    events.push_back(json_incref(ev));
  }
  json_decref(list);
  return events;
}

std::string JanusApi::credentials_query() const {
  std::string q;
  if (!endpoint_.api_secret.empty()) q += "&apisecret=" + HttpClient::escape(endpoint_.api_secret);
  if (!endpoint_.token.empty()) q += "&token=" + HttpClient::escape(endpoint_.token);
  return q;
}

bool JanusApi::reachable() {
  HttpResult res = http_.request("GET", endpoint_.url + "/info", "", {}, 3000);
  return res.status == 200;
}

}  // namespace glue
