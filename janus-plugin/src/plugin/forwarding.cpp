#include "forwarding.h"

#include "errors.h"
#include "events.h"
#include "forward_request.h"
#include "log.h"
#include "rooms.h"

namespace conf {

namespace {

template <typename Request>
using Parser = std::optional<ParseError> (*)(const json_t*, bool, Request*);

// Parses a forwarding request and finds its room, if the credentials may touch it.
template <typename Request>
std::optional<ParseError> accept(const json_t* message, Parser<Request> parse, Request* request,
                                 std::shared_ptr<Room>* room) {
  if (auto e = parse(message, plugin().settings.string_ids, request)) return e;
  if (auto e = find_room_or_error(request->room, room)) return e;
  if (!forward_allowed(request->credentials, (*room)->options.secret, plugin().settings.admin_key))
    return ParseError{kErrUnauthorized, "Unauthorized (the room's secret or the admin_key)"};
  return std::nullopt;
}

json_t* forwarder_json(uint32_t stream_id, const RoomForwarder& f) {
  json_t* j = json_object();
  json_object_set_new(j, "stream_id", json_integer(stream_id));
  json_object_set_new(j, "ip", json_string(f.host.c_str()));
  json_object_set_new(j, "port", json_integer(f.port));
  json_object_set_new(j, "ssrc", json_integer(f.options.ssrc));
  json_object_set_new(j, "codec", json_string("opus"));
  json_object_set_new(j, "ptype", json_integer(f.options.payload_type));
  json_object_set_new(j, "always_on", json_boolean(f.options.always_on));
  json_object_set_new(j, "packets",
                      json_integer(static_cast<json_int_t>(f.socket->packets_sent())));
  json_object_set_new(j, "bytes", json_integer(static_cast<json_int_t>(f.socket->bytes_sent())));
  json_object_set_new(j, "send_errors",
                      json_integer(static_cast<json_int_t>(f.socket->send_errors())));
  return j;
}

// Janus' event handlers learn when a forwarder starts or stops.
void tell_handlers(const char* what, const Room& room, uint32_t stream_id, const RoomForwarder& f) {
  json_t* info = json_object();
  json_object_set_new(info, "event", json_string(what));
  json_object_set_new(info, "room", room_json(room.options.id));
  json_object_set_new(info, "stream_id", json_integer(stream_id));
  json_object_set_new(info, "host", json_string(f.host.c_str()));
  json_object_set_new(info, "port", json_integer(f.port));
  notify_handlers(nullptr, info);
}

// Takes a forwarder out of the mixer (which then no longer touches its socket) and closes it.
void stop_forwarder(Room& room, uint32_t stream_id, const RoomForwarder& f) {
  room.audio->forwarders().remove(stream_id);
  log(Level::kInfo, "room %s: forwarder %u to %s:%u stopped (%llu packets, %llu send errors)",
      room.options.id.c_str(), stream_id, f.host.c_str(), f.port,
      static_cast<unsigned long long>(f.socket->packets_sent()),
      static_cast<unsigned long long>(f.socket->send_errors()));
  tell_handlers("forwarder-stopped", room, stream_id, f);
}

}  // namespace

json_t* handle_rtp_forward(const json_t* message) {
  RtpForwardRequest request;
  std::shared_ptr<Room> room;
  if (auto e = accept<RtpForwardRequest>(message, parse_rtp_forward_request, &request, &room))
    return make_error(e->code, e->message);
  std::lock_guard lock(room->forwarders_mutex);
  if (room->destroyed) return make_error(kErrNoSuchRoom, "No such room (" + request.room + ")");
  if (room->forwarders.size() >= kMaxForwardersPerRoom)
    return make_error(kErrTooManyForwarders, "Too many forwarders in this room (at most " +
                                                 std::to_string(kMaxForwardersPerRoom) + ")");
  std::string error;
  RoomForwarder f;
  f.host = request.host;
  f.port = request.port;
  f.socket = ForwardSocket::open(request.host, request.port, &error);
  if (!f.socket)
    return make_error(kErrRtpSetup,
                      "Could not open the forwarding socket to " + request.host + ": " + error);
  uint32_t stream_id = 0;
  do {
    stream_id = static_cast<uint32_t>(random_id());
  } while (stream_id == 0 || room->forwarders.count(stream_id) > 0);
  f.options.ssrc = request.ssrc != 0 ? request.ssrc : stream_id;
  f.options.payload_type = request.payload_type;
  f.options.always_on = request.always_on;
  room->audio->forwarders().add(stream_id, f.socket, f.options);
  room->forwarders[stream_id] = f;
  log(Level::kInfo, "room %s: forwarding the mix to %s:%u (stream_id %u, ssrc %u, pt %u%s)",
      room->options.id.c_str(), f.host.c_str(), f.port, stream_id, f.options.ssrc,
      f.options.payload_type, f.options.always_on ? ", always on" : "");
  tell_handlers("forwarder-started", *room, stream_id, f);
  json_t* ev = room_event("success", *room);
  json_object_set_new(ev, "stream_id", json_integer(stream_id));
  json_object_set_new(ev, "host", json_string(f.host.c_str()));
  json_object_set_new(ev, "port", json_integer(f.port));
  return ev;
}

json_t* handle_stop_rtp_forward(const json_t* message) {
  StopRtpForwardRequest request;
  std::shared_ptr<Room> room;
  if (auto e =
          accept<StopRtpForwardRequest>(message, parse_stop_rtp_forward_request, &request, &room))
    return make_error(e->code, e->message);
  std::lock_guard lock(room->forwarders_mutex);
  auto it = room->forwarders.find(request.stream_id);
  if (it == room->forwarders.end())
    return make_error(kErrInvalidElement, "No such forwarder (stream_id " +
                                              std::to_string(request.stream_id) + ") in this room");
  stop_forwarder(*room, it->first, it->second);
  room->forwarders.erase(it);
  json_t* ev = room_event("success", *room);
  json_object_set_new(ev, "stream_id", json_integer(request.stream_id));
  return ev;
}

json_t* handle_listforwarders(const json_t* message) {
  ListForwardersRequest request;
  std::shared_ptr<Room> room;
  if (auto e =
          accept<ListForwardersRequest>(message, parse_listforwarders_request, &request, &room))
    return make_error(e->code, e->message);
  json_t* list = json_array();
  {
    std::lock_guard lock(room->forwarders_mutex);
    for (const auto& [stream_id, f] : room->forwarders)
      json_array_append_new(list, forwarder_json(stream_id, f));
  }
  json_t* ev = room_event("forwarders", *room);
  json_object_set_new(ev, "rtp_forwarders", list);
  return ev;
}

void stop_all_forwarders(Room& room) {
  std::lock_guard lock(room.forwarders_mutex);
  for (const auto& [stream_id, f] : room.forwarders) stop_forwarder(room, stream_id, f);
  room.forwarders.clear();
}

}  // namespace conf
