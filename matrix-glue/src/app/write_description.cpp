#include "write_description.h"

#include "focus_id.h"

namespace glue {

namespace {

// The event type of a ".../send/{type}/{txn}" path (percent-encoded as it went out).
std::string event_type(const std::string& path) {
  const std::string marker = "/send/";
  const size_t at = path.rfind(marker);
  if (at == std::string::npos) return "event";
  const size_t begin = at + marker.size();
  return path.substr(begin, path.find('/', begin) - begin);
}

}  // namespace

std::string describe_write(const OutboxRequest& write, const std::string& focus_prefix,
                           const std::string& server_name) {
  const auto group_room = parse_focus_user_id(write.user_id, focus_prefix, server_name);
  const char* role = group_room && *group_room == write.room_id ? "group room" : "1:1 room";
  std::string what;
  if (write.kind == "join") {
    what = "joining";
  } else if (write.kind == "leave") {
    what = "leaving";
  } else {
    what = event_type(write.path) + " in";
  }
  return what + " the " + role + " " + write.room_id + " as " + write.user_id;
}

}  // namespace glue
