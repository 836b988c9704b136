#include "requests.h"

#include <string_view>

#include "announcements.h"
#include "errors.h"
#include "events.h"
#include "forwarding.h"
#include "log.h"
#include "participant_requests.h"
#include "plugin_stats.h"
#include "recording.h"
#include "request_name.h"
#include "room_requests.h"

namespace conf {

namespace {

using SyncHandler = json_t* (*)(const json_t*);
using AsyncHandler = std::optional<ParseError> (*)(const std::shared_ptr<Session>&, const char*,
                                                   const json_t*, const json_t*);

struct SyncRequest {
  std::string_view name;
  SyncHandler handle;
};

constexpr SyncRequest kSyncRequests[] = {
    {"create", handle_create},
    {"destroy", handle_destroy},
    {"exists", handle_exists},
    {"list", handle_list},
    {"load", handle_load},
    {"listparticipants", handle_listparticipants},
    {"kick", handle_kick},
    {"mute", handle_mute},
    {"unmute", handle_unmute},
    {"mute_room", handle_mute_room},
    {"unmute_room", handle_unmute_room},
    {"kick_all", handle_kick_all},
    {"enable_recording", handle_enable_recording},
    {"play_file", handle_play_file},
    {"is_playing", handle_is_playing},
    {"stop_file", handle_stop_file},
    {"rtp_forward", handle_rtp_forward},
    {"stop_rtp_forward", handle_stop_rtp_forward},
    {"listforwarders", handle_listforwarders},
};

std::optional<ParseError> leave(const std::shared_ptr<Session>& session, const char* transaction,
                                const json_t* /*message*/, const json_t* /*jsep*/) {
  return handle_leave(session, transaction);
}

struct AsyncRequest {
  std::string_view name;
  AsyncHandler handle;
};

constexpr AsyncRequest kAsyncRequests[] = {
    {"join", handle_join},
    {"configure", handle_configure},
    {"leave", leave},
};

// Runs on the worker: every asynchronous request ends in exactly one event,
// the handler's own or this error.
void run_async(const AsyncRequest& request, const std::shared_ptr<Session>& session,
               const std::string& transaction, json_t* message, json_t* jsep) {
  if (!session->destroyed) {
    if (auto error = request.handle(session, transaction.c_str(), message, jsep)) {
      log(Level::kWarn, "%.*s failed: %d %s", static_cast<int>(request.name.size()),
          request.name.data(), error->code, error->message.c_str());
      if (!push_event(session->handle, transaction.c_str(),
                      make_error(error->code, error->message)))
        log(Level::kWarn, "%.*s: the error event was not delivered either",
            static_cast<int>(request.name.size()), request.name.data());
    }
  }
  json_decref(message);
  if (jsep != nullptr) json_decref(jsep);
}

}  // namespace

json_t* handle_admin_request(const json_t* message) {
  std::string name;
  if (auto e = parse_request_name(message, &name)) return make_error(e->code, e->message);
  if (name == "stats") return plugin_stats_json();
  for (const SyncRequest& request : kSyncRequests) {
    if (request.name == name) return request.handle(message);
  }
  return make_error(kErrInvalidRequest, "Unknown Admin API request '" + name +
                                            "' (stats and the synchronous requests only)");
}

json_t* handle_request(const std::shared_ptr<Session>& session, const char* transaction,
                       json_t* message, json_t* jsep, bool* async) {
  *async = false;
  json_t* reply = nullptr;
  std::string name;
  if (auto e = parse_request_name(message, &name)) {
    reply = make_error(e->code, e->message);
  } else {
    for (const AsyncRequest& request : kAsyncRequests) {
      if (request.name != name) continue;
      *async = true;
      std::string txn = transaction != nullptr ? transaction : "";
      plugin().post([&request, session, txn, message, jsep] {
        run_async(request, session, txn, message, jsep);
      });
      return nullptr;
    }
    for (const SyncRequest& request : kSyncRequests) {
      if (request.name == name) reply = request.handle(message);
    }
    if (reply == nullptr) reply = make_error(kErrInvalidRequest, "Unknown request '" + name + "'");
  }
  json_decref(message);
  if (jsep != nullptr) json_decref(jsep);
  return reply;
}

}  // namespace conf
