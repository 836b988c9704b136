// The asynchronous requests of one participant: join, configure, leave. They
// run on the plugin's worker and answer with an event pushed to the handle;
// the returned error, if any, is for the caller to push instead.
#pragma once

#include <memory>
#include <optional>

#include "parse_error.h"
#include "state.h"

namespace conf {

std::optional<ParseError> handle_join(const std::shared_ptr<Session>& session,
                                      const char* transaction, const json_t* message,
                                      const json_t* jsep);
std::optional<ParseError> handle_configure(const std::shared_ptr<Session>& session,
                                           const char* transaction, const json_t* message,
                                           const json_t* jsep);
std::optional<ParseError> handle_leave(const std::shared_ptr<Session>& session,
                                       const char* transaction);

}  // namespace conf
