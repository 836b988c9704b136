#include "room.h"

#include <arpa/inet.h>

#include "clock.h"

namespace loadgen {

namespace {

std::string plugin_error(const json_t* data) {
  const char* e = json_string_value(json_object_get(data, "error"));
  return "plugin error " + std::to_string(json_integer_value(json_object_get(data, "error_code"))) +
         ": " + (e != nullptr ? e : "?");
}

constexpr int kDestroyAttempts = 3;
constexpr double kDestroyTimeoutS = 30;

int64_t int_field(const json_t* obj, const char* key) {
  return json_integer_value(json_object_get(obj, key));
}

}  // namespace

bool Room::create(std::string* error) {
  control_ = janus_.attach(plugin_, error);
  if (control_ == 0) return false;
  // AudioBridge's defaults except what the benchmark needs; ours accepts the same.
  Json reply = janus_.request(control_,
                              json_pack("{sssisb}", "request", "create", "sampling_rate", 48000,
                                        "allow_rtp_participants", 1),
                              error);
  if (!reply) return false;
  const json_t* room = json_object_get(reply.get(), "room");
  if (!json_is_integer(room)) {
    *error = "create: " + plugin_error(reply.get());
    return false;
  }
  room_ = static_cast<uint64_t>(json_integer_value(room));
  return true;
}

bool Room::join_all(std::span<Participant> ps, double timeout_s, std::string* error) {
  // All joins are posted first and their events collected afterwards, so that
  // a few hundred joins take seconds rather than round trips in series.
  std::vector<std::string> transactions;
  for (size_t i = 0; i < ps.size(); ++i) {
    const uint64_t handle = janus_.attach(plugin_, error);
    if (handle == 0) return false;
    const std::string display = "p" + std::to_string(i);
    json_t* body =
        json_pack("{sssIsss{sssisisi}}", "request", "join", "room", static_cast<json_int_t>(room_),
                  "display", display.c_str(), "rtp", "ip", "127.0.0.1", "port", ps[i].local_port,
                  "payload_type", kPayloadType, "audiolevel_ext", kAudioLevelExtId);
    const std::string tx = janus_.post_async(handle, body, error);
    if (tx.empty()) return false;
    transactions.push_back(tx);
  }
  for (size_t i = 0; i < ps.size(); ++i) {
    // Each join gets its own timeout, counted from when the previous one came.
    const int64_t deadline = monotonic_ns() + static_cast<int64_t>(timeout_s * 1e9);
    Json data = janus_.wait_event(transactions[i], deadline, error);
    if (!data) return false;
    const json_t* rtp = json_object_get(data.get(), "rtp");
    const char* ip = json_string_value(json_object_get(rtp, "ip"));
    const int64_t port = int_field(rtp, "port");
    if (ip == nullptr || port <= 0 || port > 65535) {
      *error = "join of p" + std::to_string(i) + ": no rtp endpoint in " +
               (json_object_get(data.get(), "error_code") ? plugin_error(data.get()) : "the event");
      return false;
    }
    sockaddr_in& a = ps[i].plugin;
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1 || a.sin_addr.s_addr != htonl(INADDR_LOOPBACK)) {
      *error = std::string("join: plugin's RTP address is not 127.0.0.1: ") + ip;
      return false;
    }
  }
  return true;
}

bool Room::counters(MixerCounters* out, std::string* error) {
  Json reply = janus_.request(
      control_,
      json_pack("{sssI}", "request", "listparticipants", "room", static_cast<json_int_t>(room_)),
      error);
  if (!reply) return false;
  if (json_object_get(reply.get(), "error_code") != nullptr) {
    *error = "listparticipants: " + plugin_error(reply.get());
    return false;
  }
  const json_t* m = json_object_get(reply.get(), "mixer");
  out->present = json_is_object(m);
  if (!out->present) return true;
  out->ticks = int_field(m, "ticks");
  out->late_ticks = int_field(m, "late_ticks");
  out->missed_ticks = int_field(m, "missed_ticks");
  out->encodes = int_field(m, "encodes");
  out->max_tick_us = int_field(m, "max_tick_us");
  return true;
}

bool Room::destroy(std::string* error) {
  if (room_ == 0 || control_ == 0) return true;
  // An overloaded plugin can leave Janus' request threads starved for seconds;
  // a room left behind would keep loading the core during the next run.
  for (int attempt = 0; attempt < kDestroyAttempts; ++attempt) {
    Json reply = janus_.request(
        control_, json_pack("{sssI}", "request", "destroy", "room", static_cast<json_int_t>(room_)),
        error, kDestroyTimeoutS);
    if (reply) {
      const int64_t code = int_field(reply.get(), "error_code");
      // 485: gone already (an earlier attempt that timed out on our side).
      if (code == 0 || (attempt > 0 && code == 485)) {
        room_ = 0;
        return true;
      }
      *error = "destroy: " + plugin_error(reply.get());
      return false;
    }
  }
  return false;
}

}  // namespace loadgen
