#include "negotiation.h"

#include "errors.h"

namespace conf {

std::optional<ParseError> check_join_jsep(const JoinRequest& request, const Jsep* jsep) {
  if (jsep == nullptr) return std::nullopt;
  if (request.rtp) return ParseError{kErrInvalidRequest, "A join with rtp takes no jsep"};
  if (request.generate_offer)
    return ParseError{kErrInvalidRequest,
                      "A join with generate_offer takes no jsep (the plugin makes the offer)"};
  if (jsep->type == Jsep::Type::kAnswer)
    return ParseError{kErrInvalidSdp,
                      "An SDP answer without an outstanding offer (a join takes an offer, or "
                      "generate_offer)"};
  return std::nullopt;
}

std::optional<ParseError> check_configure_jsep(bool offer_pending, const Jsep& jsep) {
  if (offer_pending && jsep.type == Jsep::Type::kOffer)
    return ParseError{kErrInvalidSdp,
                      "An SDP offer while the plugin's offer awaits its answer (send the answer)"};
  if (!offer_pending && jsep.type == Jsep::Type::kAnswer)
    return ParseError{kErrInvalidSdp, "An SDP answer without an outstanding offer from the plugin"};
  return std::nullopt;
}

}  // namespace conf
