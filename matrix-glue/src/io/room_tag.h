// The mark on the Janus rooms the glue creates, in their description, so that reconciliation
// destroys only this deployment's leftovers and never a room others made on the same Janus. It
// names the deployment by its focus users' namespace (prefix and server name), which a
// homeserver gives to one application service only.
#pragma once

#include <string>

namespace glue {

std::string deployment_tag(const std::string& focus_prefix, const std::string& server_name);
// "[<tag>] <group room ID>": the group room stays readable for an operator's `list`.
std::string tagged_description(const std::string& tag, const std::string& group_room_id);
bool has_tag(const std::string& description, const std::string& tag);

}  // namespace glue
