// The request name, `kick`/`mute`/`unmute` and `configure` (its fields and its JSEP), rule by
// rule.
#include <string>

#include "api_test_helpers.h"
#include "configure_request.h"
#include "errors.h"
#include "member_request.h"
#include "negotiation.h"
#include "request_name.h"

namespace {

int name_error(const char* text) {
  return error_code(text, [](json_t* j) {
    std::string name;
    return conf::parse_request_name(j, &name);
  });
}

void test_request_name(void** /*state*/) {
  json_t* j = parse(R"({"request": "join"})");
  std::string name;
  assert_false(conf::parse_request_name(j, &name).has_value());
  assert_string_equal(name.c_str(), "join");
  json_decref(j);
  assert_int_equal(name_error(R"([])"), conf::kErrInvalidJson);
  assert_int_equal(name_error(R"("join")"), conf::kErrInvalidJson);
  assert_int_equal(name_error(R"({})"), conf::kErrMissingElement);
  // Present but not a string: an invalid element, not a missing one.
  assert_int_equal(name_error(R"({"request": 5})"), conf::kErrInvalidElement);
  assert_int_equal(name_error(R"({"request": null})"), conf::kErrInvalidElement);
}

int member_error(const char* text) {
  return error_code(text, [](json_t* j) {
    conf::MemberRequest r;
    return conf::parse_member_request(j, false, &r);
  });
}

void test_member_request(void** /*state*/) {
  json_t* j = parse(R"({"room": 3, "id": 77, "secret": "s"})");
  conf::MemberRequest r;
  assert_false(conf::parse_member_request(j, false, &r).has_value());
  assert_string_equal(r.room.c_str(), "3");
  assert_int_equal(r.id, 77);
  assert_string_equal(r.secret->c_str(), "s");
  json_decref(j);
  assert_int_equal(member_error(R"({"room": 3})"), conf::kErrMissingElement);
  assert_int_equal(member_error(R"({"id": 3})"), conf::kErrMissingElement);
  assert_int_equal(member_error(R"({"room": 3, "id": -5})"), conf::kErrInvalidElement);
  assert_int_equal(member_error(R"({"room": 3, "id": 0})"), conf::kErrInvalidElement);
  assert_int_equal(member_error(R"({"room": 3, "id": "77"})"), conf::kErrInvalidElement);
  assert_int_equal(member_error(R"({"room": 3, "id": 7, "secret": 1})"), conf::kErrInvalidElement);
}

int configure_error(const char* text) {
  return error_code(text, [](json_t* j) {
    conf::ConfigureRequest r;
    return conf::parse_configure_request(j, &r);
  });
}

void test_configure_request(void** /*state*/) {
  json_t* j = parse(R"({"muted": true, "display": "d", "video": false,
                        "video_layout": "speaker", "secret": "s", "quality": 5})");
  conf::ConfigureRequest r;
  assert_false(conf::parse_configure_request(j, &r).has_value());
  assert_true(*r.muted);
  assert_string_equal(r.display->c_str(), "d");
  assert_false(*r.video);
  assert_true(*r.video_speaker_layout);
  assert_string_equal(r.secret->c_str(), "s");
  json_decref(j);
  j = parse(R"({})");
  conf::ConfigureRequest none;
  assert_false(conf::parse_configure_request(j, &none).has_value());
  assert_false(none.muted || none.display || none.video || none.video_speaker_layout);
  json_decref(j);
  assert_int_equal(configure_error(R"({"muted": 1})"), conf::kErrInvalidElement);
  assert_int_equal(configure_error(R"({"display": false})"), conf::kErrInvalidElement);
  assert_int_equal(configure_error(R"({"video": "off"})"), conf::kErrInvalidElement);
  assert_int_equal(configure_error(R"({"video_layout": "mosaic"})"), conf::kErrInvalidElement);
  assert_int_equal(configure_error(R"({"secret": 5})"), conf::kErrInvalidElement);
  assert_int_equal(configure_error(R"({"volume": -1})"), conf::kErrInvalidElement);
  assert_int_equal(configure_error(R"({"bitrate": -32000})"), conf::kErrInvalidElement);
  assert_int_equal(configure_error(R"({"generate_offer": false})"), 0);
  assert_int_equal(configure_error(R"({"generate_offer": true})"), conf::kErrInvalidRequest);
  assert_int_equal(configure_error(R"({"generate_offer": "yes"})"), conf::kErrInvalidElement);
}

int configure_jsep_error(bool offer_pending, conf::Jsep::Type type) {
  auto e = conf::check_configure_jsep(offer_pending, conf::Jsep{type, "v=0"});
  if (e) assert_false(e->message.empty());
  return e ? e->code : 0;
}

void test_configure_jsep(void** /*state*/) {
  using Type = conf::Jsep::Type;
  // The plugin offered (join with generate_offer): only the peer's answer.
  assert_int_equal(configure_jsep_error(true, Type::kAnswer), 0);
  assert_int_equal(configure_jsep_error(true, Type::kOffer), conf::kErrInvalidSdp);
  // Nothing outstanding: the peer (re)negotiates with offers, never answers.
  assert_int_equal(configure_jsep_error(false, Type::kOffer), 0);
  assert_int_equal(configure_jsep_error(false, Type::kAnswer), conf::kErrInvalidSdp);
}

// A link's far end, learnt after its join: a whole ip and port.
void test_configure_link_target(void** /*state*/) {
  json_t* j = parse(R"({"rtp": {"ip": "192.0.2.7", "port": 10002}})");
  conf::ConfigureRequest r;
  assert_false(conf::parse_configure_request(j, &r).has_value());
  assert_string_equal(r.rtp->ip.c_str(), "192.0.2.7");
  assert_int_equal(r.rtp->port, 10002);
  json_decref(j);
  assert_int_equal(configure_error(R"({"rtp": {"ip": "192.0.2.7"}})"), conf::kErrMissingElement);
  assert_int_equal(configure_error(R"({"rtp": {"ip": "192.0.2.7", "port": 0}})"),
                   conf::kErrInvalidElement);
  assert_int_equal(configure_error(R"({"rtp": {"ip": "224.0.0.1", "port": 5000}})"),
                   conf::kErrInvalidElement);
  assert_int_equal(configure_error(R"({"rtp": 5})"), conf::kErrInvalidElement);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_request_name),      cmocka_unit_test(test_member_request),
      cmocka_unit_test(test_configure_request), cmocka_unit_test(test_configure_link_target),
      cmocka_unit_test(test_configure_jsep),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
