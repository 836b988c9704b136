// A request from the homeserver as the glue takes it in: the AS router (matrix-glue/src/io/
// as_router.*) judges path, method and token and reads the transaction body; each event is
// then stored as text, read back and parsed into the core's inputs (matrix-glue/src/app/
// event_parser.*), as matrix-glue's transaction handler and engine do.
//
// Input: "METHOD PATH[?access_token=TOKEN]\nAUTHORIZATION\nBODY".
#include <jansson.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "as_router.h"
#include "event_parser.h"
#include "fuzz_check.h"
#include "sdp_streams.h"

namespace {

using JsonPtr = std::unique_ptr<json_t, decltype(&json_decref)>;

constexpr char kHsToken[] = "hs_secret";

std::string_view take_line(std::string_view* text) {
  const size_t eol = text->find('\n');
  const std::string_view line = text->substr(0, eol);
  *text = eol == std::string_view::npos ? std::string_view() : text->substr(eol + 1);
  return line;
}

glue::HttpRequest request_of(std::string_view text) {
  glue::HttpRequest r;
  const std::string_view first = take_line(&text);
  const size_t space = first.find(' ');
  r.method = std::string(first.substr(0, space));
  std::string_view target = space == std::string_view::npos ? "" : first.substr(space + 1);
  const size_t query = target.find('?');
  if (query != std::string_view::npos) {
    const std::string_view params = target.substr(query + 1);
    if (params.starts_with("access_token=")) r.access_token = std::string(params.substr(13));
    target = target.substr(0, query);
  }
  r.path = std::string(target);
  r.authorization = std::string(take_line(&text));
  r.body = std::string(text);
  return r;
}

void check_call_header(const glue::CallHeader& h) {
  fuzz::check(!h.room_id.empty() && !h.sender.empty() && !h.call_id.empty(),
              "call event without room_id, sender or call_id accepted");
  fuzz::check(h.version == 0 || h.version == 1, "call version other than 0 or 1");
}

void check_event(const glue::Event& event) {
  if (const auto* m = std::get_if<glue::MemberEvent>(&event)) {
    fuzz::check(!m->room_id.empty() && !m->user_id.empty(), "member event without room or user");
    fuzz::check(!m->encrypted || m->membership == glue::Membership::kInvite,
                "encryption read from stripped state of a non-invite");
  } else if (const auto* e = std::get_if<glue::RoomEncryptionEvent>(&event)) {
    fuzz::check(!e->room_id.empty(), "encryption event without a room");
  } else if (const auto* invite = std::get_if<glue::CallInvite>(&event)) {
    check_call_header(*invite);
    fuzz::check(!invite->offer_sdp.empty(), "invite without an offer accepted");
    glue::sdp_streams(invite->offer_sdp);
  } else if (const auto* negotiate = std::get_if<glue::CallNegotiate>(&event)) {
    check_call_header(*negotiate);
    fuzz::check(!negotiate->sdp.empty(), "negotiate without an SDP accepted");
  } else if (const auto* candidates = std::get_if<glue::CallCandidates>(&event)) {
    check_call_header(*candidates);
    for (const glue::Candidate& c : candidates->candidates)
      fuzz::check(!c.sdp_mline_index || *c.sdp_mline_index >= 0, "negative sdpMLineIndex");
  }
}

// The glue stores each event with an event_id as compact JSON text and parses it later.
bool record_transaction(json_t* events) {
  fuzz::check(json_is_array(events), "transaction handler called without an array");
  size_t i;
  json_t* ev;
  json_array_foreach(events, i, ev) {
    if (json_string_value(json_object_get(ev, "event_id")) == nullptr) continue;
    char* text = json_dumps(ev, JSON_COMPACT);
    fuzz::check(text != nullptr, "an event object cannot be stored as text");
    JsonPtr stored(json_loads(text, 0, nullptr), &json_decref);
    std::free(text);
    fuzz::check(stored != nullptr, "a stored event does not read back");
    std::string why;
    if (auto event = glue::parse_matrix_event(stored.get(), 1000, &why)) check_event(*event);
    if (auto call = glue::parse_call_event(stored.get(), 1000, &why))
      std::visit([](const auto& c) { check_call_header(c); }, *call);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bool recorded = false;
  glue::AsHandlers handlers;
  handlers.transaction = [&](const std::string& txn_id, json_t* events) {
    fuzz::check(!txn_id.empty() && txn_id.find('/') == std::string::npos,
                "transaction ID empty or with a slash");
    recorded = record_transaction(events);
    return recorded;
  };
  handlers.user_exists = [](const std::string&) { return false; };
  const glue::AsRouter router(kHsToken, handlers);

  const glue::HttpRequest request =
      request_of(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::optional<glue::HttpResponse> screened = router.screen(request);
  const glue::HttpResponse response = router.handle(request);
  fuzz::check(!screened || screened->status == response.status,
              "handle() lets through what screen() refused");
  fuzz::check(response.status != 200 || !screened, "a refused request answered 200");
  fuzz::check(!recorded || response.status == 200, "recorded transaction not answered 200");

  json_error_t error;
  JsonPtr body(json_loadb(response.body.data(), response.body.size(), 0, &error), &json_decref);
  fuzz::check(body != nullptr && json_is_object(body.get()), "response body is not a JSON object");
  fuzz::check(response.status == 200 || json_is_string(json_object_get(body.get(), "errcode")),
              "error response without an errcode");
  return 0;
}
