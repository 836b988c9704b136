#include "refusal.h"

#include "call_content.h"

namespace glue {

void refuse_invite(Effects& fx, const std::string& focus_user_id, const CallInvite& invite,
                   std::string_view reason, std::string_view notice) {
  const CallIdentity id{invite.call_id, invite.version, fx.config().party_id};
  fx.send(focus_user_id, invite.room_id, invite.version == 0 ? "m.call.hangup" : "m.call.reject",
          hangup_content(id, reason));
  fx.notice(focus_user_id, invite.room_id, notice);
  fx.log(LogLevel::kInfo, invite.room_id, invite.sender, invite.call_id,
         "call refused: " + std::string(reason));
}

}  // namespace glue
