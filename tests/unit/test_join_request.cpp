// The `join` request's fields, rule by rule.
#include <string>

#include "api_test_helpers.h"
#include "errors.h"
#include "join_request.h"
#include "negotiation.h"

namespace {

void expect_error(const char* text, int code) {
  json_t* j = parse(text);
  conf::JoinRequest r;
  auto e = conf::parse_join_request(j, false, &r);
  assert_true(e.has_value());
  assert_int_equal(e->code, code);
  assert_false(e->message.empty());
  json_decref(j);
}

conf::JoinRequest expect_ok(const char* text) {
  json_t* j = parse(text);
  conf::JoinRequest r;
  auto e = conf::parse_join_request(j, false, &r);
  if (e) fail_msg("%s: %d %s", text, e->code, e->message.c_str());
  json_decref(j);
  return r;
}

void test_webrtc_join(void** /*state*/) {
  auto r = expect_ok(R"({"request": "join", "room": 7, "id": 42, "display": "ann", "pin": "p",
                         "muted": true, "codec": "opus", "bitrate": 24000, "quality": 4,
                         "volume": 150, "expected_loss": 10})");
  assert_string_equal(r.room.c_str(), "7");
  assert_int_equal(r.id, 42);
  assert_string_equal(r.display->c_str(), "ann");
  assert_string_equal(r.pin->c_str(), "p");
  assert_true(r.muted);
  assert_false(r.rtp.has_value());
  r = expect_ok(R"({"room": 7})");
  assert_int_equal(r.id, 0);
  assert_false(r.display.has_value());
  assert_false(r.pin.has_value());
  assert_false(r.muted);
}

void test_plain_rtp_join(void** /*state*/) {
  auto r = expect_ok(R"({"room": 7, "rtp": {"ip": "192.0.2.1", "port": 5000}})");
  assert_true(r.rtp.has_value());
  assert_string_equal(r.rtp->ip.c_str(), "192.0.2.1");
  assert_int_equal(r.rtp->port, 5000);
  assert_int_equal(r.rtp->payload_type, 111);
  assert_int_equal(r.rtp->audio_level_ext, 0);
  r = expect_ok(R"({"room": 7, "rtp": {"ip": "2001:db8::1", "port": 65535, "payload_type": 0,
                    "audiolevel_ext": 14, "generate_offer": false}})");
  assert_string_equal(r.rtp->ip.c_str(), "2001:db8::1");
  assert_int_equal(r.rtp->port, 65535);
  assert_int_equal(r.rtp->payload_type, 0);
  assert_int_equal(r.rtp->audio_level_ext, 14);
}

void test_participant_id(void** /*state*/) {
  // Stored as uint64: -5 would become 2^64 - 5 and be echoed back as -5.
  expect_error(R"({"room": 7, "id": -5})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "id": 0})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "id": 1.5})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "id": "42"})", conf::kErrInvalidElement);
  assert_int_equal(expect_ok(R"({"room": 7, "id": 9007199254740993})").id, 9007199254740993ull);
}

void test_room_and_types(void** /*state*/) {
  expect_error(R"({})", conf::kErrMissingElement);
  expect_error(R"({"room": -7})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "display": 3})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "pin": 1234})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "muted": "yes"})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "codec": "pcmu"})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "codec": 1})", conf::kErrInvalidElement);
}

void test_ignored_fields_still_checked(void** /*state*/) {
  expect_error(R"({"room": 7, "bitrate": -1})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "bitrate": "high"})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "quality": 0})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "quality": 11})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "volume": -10})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "expected_loss": 21})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "expected_loss": -1})", conf::kErrInvalidElement);
}

void test_rtp_object(void** /*state*/) {
  expect_error(R"({"room": 7, "rtp": "127.0.0.1:5000"})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"port": 5000}})", conf::kErrMissingElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1"}})", conf::kErrMissingElement);
  expect_error(R"({"room": 7, "rtp": {"ip": 2130706433, "port": 5000}})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "localhost", "port": 5000}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 0}})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": -5000}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 70000}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": "5000"}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 5000, "payload_type": 128}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 5000, "payload_type": -1}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 5000, "audiolevel_ext": 0}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 5000, "audiolevel_ext": 15}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 5000, "generate_offer": true}})",
               conf::kErrInvalidRequest);
  expect_error(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 5000, "generate_offer": 1}})",
               conf::kErrInvalidElement);
}

void test_rtp_destination_is_one_host(void** /*state*/) {
  for (const char* ip : {"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "255.255.255.255",
                         "240.0.0.1", "::", "ff02::1", "::ffff:224.0.0.1", "::ffff:0.0.0.0"}) {
    const std::string text =
        std::string(R"({"room": 7, "rtp": {"ip": ")") + ip + R"(", "port": 5000}})";
    expect_error(text.c_str(), conf::kErrInvalidElement);
  }
  expect_ok(R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 5000}})");
  expect_ok(R"({"room": 7, "rtp": {"ip": "::1", "port": 5000}})");
  expect_ok(R"({"room": 7, "rtp": {"ip": "::ffff:192.0.2.7", "port": 5000}})");
}

// A link: plain RTP whose far port may come later, its credentials and timeout.
void test_link_join(void** /*state*/) {
  auto r = expect_ok(R"({"room": 7, "link": true, "secret": "s", "rtp": {"ip": "192.0.2.1"}})");
  assert_true(r.link.has_value());
  assert_int_equal(r.rtp->port, 0);
  assert_string_equal(r.link->credentials.secret->c_str(), "s");
  assert_false(r.link->credentials.admin_key.has_value());
  assert_int_equal(r.link->timeout_s, 5);
  r = expect_ok(R"({"room": 7, "link": true, "admin_key": "k", "link_timeout": 0,
                    "rtp": {"ip": "192.0.2.1", "port": 6000, "audiolevel_ext": 1}})");
  assert_int_equal(r.rtp->port, 6000);
  assert_string_equal(r.link->credentials.admin_key->c_str(), "k");
  assert_int_equal(r.link->timeout_s, 0);
  r = expect_ok(R"({"room": 7, "link": false, "rtp": {"ip": "192.0.2.1", "port": 6000}})");
  assert_false(r.link.has_value());

  // Only a link may leave the port out; a link is plain RTP.
  expect_error(R"({"room": 7, "rtp": {"ip": "192.0.2.1"}})", conf::kErrMissingElement);
  expect_error(R"({"room": 7, "link": true})", conf::kErrMissingElement);
  expect_error(R"({"room": 7, "link": "yes", "rtp": {"ip": "192.0.2.1"}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "link": true, "link_timeout": -1, "rtp": {"ip": "192.0.2.1"}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "link": true, "link_timeout": 3601, "rtp": {"ip": "192.0.2.1"}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "link": true, "secret": 1, "rtp": {"ip": "192.0.2.1"}})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "link_timeout": 5, "rtp": {"ip": "192.0.2.1", "port": 6000}})",
               conf::kErrInvalidRequest);
}

void test_generate_offer(void** /*state*/) {
  auto r = expect_ok(R"({"room": 7})");
  assert_false(r.generate_offer);
  assert_false(r.offer_video);
  r = expect_ok(R"({"room": 7, "generate_offer": true})");
  assert_true(r.generate_offer);
  assert_false(r.offer_video);
  r = expect_ok(R"({"room": 7, "generate_offer": true, "offer_video": true})");
  assert_true(r.generate_offer);
  assert_true(r.offer_video);
  r = expect_ok(R"({"room": 7, "generate_offer": false, "offer_video": false})");
  assert_false(r.generate_offer);
  expect_error(R"({"room": 7, "generate_offer": "yes"})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "generate_offer": 1})", conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "generate_offer": true, "offer_video": 1})",
               conf::kErrInvalidElement);
  expect_error(R"({"room": 7, "offer_video": true})", conf::kErrInvalidRequest);
  expect_error(R"({"room": 7, "generate_offer": false, "offer_video": true})",
               conf::kErrInvalidRequest);
  expect_error(R"({"room": 7, "generate_offer": true,
                   "rtp": {"ip": "127.0.0.1", "port": 5000}})",
               conf::kErrInvalidRequest);
}

int join_jsep_error(const char* request_text, conf::Jsep::Type type, bool with_jsep = true) {
  json_t* j = parse(request_text);
  conf::JoinRequest r;
  assert_false(conf::parse_join_request(j, false, &r).has_value());
  json_decref(j);
  conf::Jsep jsep{type, "v=0"};
  auto e = conf::check_join_jsep(r, with_jsep ? &jsep : nullptr);
  if (e) assert_false(e->message.empty());
  return e ? e->code : 0;
}

void test_join_jsep(void** /*state*/) {
  using Type = conf::Jsep::Type;
  const char* plain = R"({"room": 7})";
  const char* offer = R"({"room": 7, "generate_offer": true})";
  const char* rtp = R"({"room": 7, "rtp": {"ip": "127.0.0.1", "port": 5000}})";
  assert_int_equal(join_jsep_error(plain, Type::kOffer), 0);
  assert_int_equal(join_jsep_error(plain, Type::kOffer, false), 0);
  assert_int_equal(join_jsep_error(plain, Type::kAnswer), conf::kErrInvalidSdp);
  assert_int_equal(join_jsep_error(offer, Type::kOffer, false), 0);
  assert_int_equal(join_jsep_error(offer, Type::kOffer), conf::kErrInvalidRequest);
  assert_int_equal(join_jsep_error(offer, Type::kAnswer), conf::kErrInvalidRequest);
  assert_int_equal(join_jsep_error(rtp, Type::kOffer, false), 0);
  assert_int_equal(join_jsep_error(rtp, Type::kOffer), conf::kErrInvalidRequest);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_webrtc_join),
      cmocka_unit_test(test_plain_rtp_join),
      cmocka_unit_test(test_participant_id),
      cmocka_unit_test(test_room_and_types),
      cmocka_unit_test(test_ignored_fields_still_checked),
      cmocka_unit_test(test_rtp_object),
      cmocka_unit_test(test_rtp_destination_is_one_host),
      cmocka_unit_test(test_link_join),
      cmocka_unit_test(test_generate_offer),
      cmocka_unit_test(test_join_jsep),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
