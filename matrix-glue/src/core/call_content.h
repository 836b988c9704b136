// JSON contents of the events the focus sends (m.call.* and notices).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events.h"

namespace glue {

// Who a call event is from and for: what the glue sends follows the caller's version; version
// "1" events carry the focus' own party_id.
struct CallIdentity {
  std::string call_id;
  int version = 0;
  std::string party_id;
};

// m.call.answer; version "1" adds `sdp_stream_metadata` (clients without it disable the
// voice-to-video upgrade).
std::string answer_content(const CallIdentity& id, std::string_view answer_sdp);
// m.call.invite of a call the focus places (version "1"): the plugin's offer for `invitee`.
std::string invite_content(const CallIdentity& id, std::string_view invitee,
                           std::int64_t lifetime_ms, std::string_view offer_sdp);
// m.call.select_answer naming the answer of the caller's device `selected_party_id`.
std::string select_answer_content(const CallIdentity& id, std::string_view selected_party_id);
// m.call.negotiate carrying the answer to a renegotiation offer.
std::string negotiate_answer_content(const CallIdentity& id, std::string_view answer_sdp);
std::string candidates_content(const CallIdentity& id, const std::vector<Candidate>& candidates);
// m.call.hangup, and m.call.reject (same fields; `reason` is extra there, for humans).
std::string hangup_content(const CallIdentity& id, std::string_view reason);
std::string notice_content(std::string_view body);
// A notice answering the event `in_reply_to` (m.relates_to.m.in_reply_to).
std::string reply_notice_content(std::string_view body, std::string_view in_reply_to);

}  // namespace glue
