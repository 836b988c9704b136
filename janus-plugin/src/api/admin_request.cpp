#include "admin_request.h"

#include "json_fields.h"

namespace conf {

std::optional<ParseError> parse_admin_request(const json_t* message, AdminRequest* out) {
  return read_string(message, "admin_key", &out->admin_key);
}

AdminAccess admin_access(const AdminRequest& request, const std::string& configured_key) {
  if (configured_key.empty() || !request.admin_key || request.admin_key->empty())
    return AdminAccess::kAnonymous;
  return *request.admin_key == configured_key ? AdminAccess::kAdmin : AdminAccess::kRefused;
}

}  // namespace conf
