// Requests about the plugin as a whole, which only an `admin_key` opens fully: `list` shows
// private rooms with it (as AudioBridge's), `load` needs it whenever one is configured.
#pragma once

#include <jansson.h>

#include <optional>
#include <string>

#include "parse_error.h"

namespace conf {

struct AdminRequest {
  std::optional<std::string> admin_key;
};

std::optional<ParseError> parse_admin_request(const json_t* message, AdminRequest* out);

enum class AdminAccess {
  kAdmin,      // the configured admin_key was given
  kAnonymous,  // none given (an empty one counts as none), or none configured
  kRefused,    // a wrong one given: a 489, not a silently shorter answer
};

AdminAccess admin_access(const AdminRequest& request, const std::string& configured_key);

}  // namespace conf
