// Refusing a call invite before anything reaches Janus.
#pragma once

#include <string>
#include <string_view>

#include "effects.h"
#include "events.h"

namespace glue {

// Reasons of a refusal (outside the spec's list, which has none for them; clients tolerate
// unknown reasons).
inline constexpr std::string_view kNotMember = "not_member";
inline constexpr std::string_view kFocusNotInRoom = "focus_not_in_room";

// m.call.reject for version "1" (matrix-js-sdk ignores a hangup from a callee that has not
// answered), m.call.hangup for version 0; then a short notice saying why.
void refuse_invite(Effects& fx, const std::string& focus_user_id, const CallInvite& invite,
                   std::string_view reason, std::string_view notice);

}  // namespace glue
