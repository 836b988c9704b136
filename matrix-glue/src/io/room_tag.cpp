#include "room_tag.h"

namespace glue {

std::string deployment_tag(const std::string& focus_prefix, const std::string& server_name) {
  return "matrix-glue " + focus_prefix + ":" + server_name;
}

std::string tagged_description(const std::string& tag, const std::string& group_room_id) {
  return "[" + tag + "] " + group_room_id;
}

bool has_tag(const std::string& description, const std::string& tag) {
  return description.starts_with("[" + tag + "] ");
}

}  // namespace glue
