// Who offers on a participant's PeerConnection, and so which JSEP each
// request may carry. Normally the peer offers and the plugin answers; after a
// `join` with generate_offer the plugin has offered and waits for the peer's
// answer in a `configure`. Once answered, the peer may renegotiate with
// offers of its own as any peer does (Matrix clients renegotiate that way).
#pragma once

#include <optional>

#include "join_request.h"
#include "jsep.h"
#include "parse_error.h"

namespace conf {

// A join's JSEP: none with rtp or generate_offer; otherwise an offer, if any.
std::optional<ParseError> check_join_jsep(const JoinRequest& request, const Jsep* jsep);

// A configure's JSEP: an answer only while the plugin's offer is pending, an
// offer only while it is not.
std::optional<ParseError> check_configure_jsep(bool offer_pending, const Jsep& jsep);

}  // namespace conf
