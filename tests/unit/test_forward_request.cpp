// rtp_forward, stop_rtp_forward and listforwarders, rule by rule, and who may use them.
#include <string>

#include "errors.h"
#include "forward_request.h"

// Last: CMocka's macros break standard headers included after it.
#include "api_test_helpers.h"

namespace {

int forward_error(const char* text, bool string_ids = false) {
  return error_code(text, [string_ids](json_t* j) {
    conf::RtpForwardRequest r;
    return conf::parse_rtp_forward_request(j, string_ids, &r);
  });
}

int stop_error(const char* text) {
  return error_code(text, [](json_t* j) {
    conf::StopRtpForwardRequest r;
    return conf::parse_stop_rtp_forward_request(j, false, &r);
  });
}

void test_rtp_forward_fields(void** /*state*/) {
  json_t* j = parse(
      R"({"room": 5, "secret": "s", "admin_key": "k", "host": "127.0.0.1", "port": 5004,
          "ssrc": 4294967295, "ptype": 111, "always_on": true, "codec": "OPUS", "group": "g",
          "host_family": "ipv4"})");
  conf::RtpForwardRequest r;
  assert_false(conf::parse_rtp_forward_request(j, false, &r).has_value());
  assert_string_equal(r.room.c_str(), "5");
  assert_string_equal(r.credentials.secret->c_str(), "s");
  assert_string_equal(r.credentials.admin_key->c_str(), "k");
  assert_string_equal(r.host.c_str(), "127.0.0.1");
  assert_int_equal(r.port, 5004);
  assert_int_equal(r.ssrc, 4294967295u);
  assert_int_equal(r.payload_type, 111);
  assert_true(r.always_on);
  json_decref(j);
  // AudioBridge's defaults: payload type 100, SSRC from the stream_id, not always on.
  j = parse(R"({"room": 5, "host": "::1", "port": 9})");
  conf::RtpForwardRequest d;
  assert_false(conf::parse_rtp_forward_request(j, false, &d).has_value());
  assert_int_equal(d.payload_type, 100);
  assert_int_equal(d.ssrc, 0);
  assert_false(d.always_on);
  assert_false(d.credentials.secret.has_value());
  json_decref(j);
}

void test_rtp_forward_rules(void** /*state*/) {
  using namespace conf;
  assert_int_equal(forward_error(R"({"host": "127.0.0.1", "port": 9})"), kErrMissingElement);
  assert_int_equal(forward_error(R"({"room": 5, "port": 9})"), kErrMissingElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "127.0.0.1"})"), kErrMissingElement);
  assert_int_equal(forward_error(R"({"room": "x", "host": "127.0.0.1", "port": 9})", true), 0);
  // The destination: one numeric unicast host, a real port.
  for (const char* host : {R"("example.org")", R"("0.0.0.0")", R"("::")", R"("224.0.0.1")",
                           R"("ff02::1")", R"("255.255.255.255")", R"("")", "5"}) {
    const std::string text = std::string(R"({"room": 5, "port": 9, "host": )") + host + "}";
    assert_int_equal(forward_error(text.c_str()), kErrInvalidElement);
  }
  assert_int_equal(forward_error(R"({"room": 5, "host": "10.0.0.1", "port": 0})"),
                   kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "10.0.0.1", "port": 65536})"),
                   kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "10.0.0.1", "port": "9"})"),
                   kErrInvalidElement);
  // host_family must name the address' own family.
  assert_int_equal(
      forward_error(R"({"room": 5, "host": "10.0.0.1", "port": 9, "host_family": "ipv6"})"),
      kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "host_family": "ipv4"})"),
                   kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "host_family": "IPv6"})"),
                   0);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "host_family": "ipx"})"),
                   kErrInvalidElement);
  // RTP header fields in range.
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "ptype": 128})"),
                   kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "ssrc": -1})"),
                   kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "ssrc": 4294967296})"),
                   kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "always_on": 1})"),
                   kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "secret": 1})"),
                   kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "admin_key": 1})"),
                   kErrInvalidElement);
  // Opus only; no SRTP; group must be a string (and is ignored: rooms have no groups).
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "codec": "pcmu"})"),
                   kErrInvalidRequest);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "codec": 1})"),
                   kErrInvalidElement);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "srtp_suite": 80,
                        "srtp_crypto": "a2V5"})"),
                   kErrInvalidRequest);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "srtp_crypto": "a2V5"})"),
                   kErrInvalidRequest);
  assert_int_equal(forward_error(R"({"room": 5, "host": "::1", "port": 9, "group": 3})"),
                   kErrInvalidElement);
}

void test_stop_and_list_rules(void** /*state*/) {
  using namespace conf;
  json_t* j = parse(R"({"room": 5, "stream_id": 77, "admin_key": "k"})");
  StopRtpForwardRequest r;
  assert_false(parse_stop_rtp_forward_request(j, false, &r).has_value());
  assert_int_equal(r.stream_id, 77);
  assert_string_equal(r.credentials.admin_key->c_str(), "k");
  json_decref(j);
  assert_int_equal(stop_error(R"({"room": 5})"), kErrMissingElement);
  assert_int_equal(stop_error(R"({"stream_id": 5})"), kErrMissingElement);
  assert_int_equal(stop_error(R"({"room": 5, "stream_id": 0})"), kErrInvalidElement);
  assert_int_equal(stop_error(R"({"room": 5, "stream_id": -3})"), kErrInvalidElement);
  assert_int_equal(stop_error(R"({"room": 5, "stream_id": "3"})"), kErrInvalidElement);
  assert_int_equal(stop_error(R"({"room": 5, "stream_id": 3, "secret": false})"),
                   kErrInvalidElement);

  j = parse(R"({"room": 5, "secret": "s"})");
  ListForwardersRequest l;
  assert_false(parse_listforwarders_request(j, false, &l).has_value());
  assert_string_equal(l.credentials.secret->c_str(), "s");
  json_decref(j);
  assert_int_equal(error_code(R"({})",
                              [](json_t* x) {
                                ListForwardersRequest y;
                                return parse_listforwarders_request(x, false, &y);
                              }),
                   kErrMissingElement);
}

void test_who_may_forward(void** /*state*/) {
  using conf::forward_allowed;
  const conf::ForwardCredentials none;
  const conf::ForwardCredentials secret{"s", std::nullopt};
  const conf::ForwardCredentials wrong_secret{"x", std::nullopt};
  const conf::ForwardCredentials key{std::nullopt, "k"};
  const conf::ForwardCredentials wrong_key{std::nullopt, "x"};
  const conf::ForwardCredentials wrong_key_right_secret{"s", "x"};
  // The room's secret, or the admin_key: either one.
  assert_true(forward_allowed(secret, "s", "k"));
  assert_true(forward_allowed(key, "s", "k"));
  assert_true(forward_allowed(wrong_key_right_secret, "s", "k"));
  assert_false(forward_allowed(none, "s", "k"));
  assert_false(forward_allowed(wrong_secret, "s", "k"));
  assert_false(forward_allowed(wrong_key, "s", "k"));
  assert_false(forward_allowed(none, "s", ""));
  assert_true(forward_allowed(secret, "s", ""));
  // A room without a secret: the admin_key guards it when the plugin has one.
  assert_false(forward_allowed(none, "", "k"));
  assert_false(forward_allowed(secret, "", "k"));
  assert_true(forward_allowed(key, "", "k"));
  // Neither: open, as every moderator request of such a room.
  assert_true(forward_allowed(none, "", ""));
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_rtp_forward_fields),
      cmocka_unit_test(test_rtp_forward_rules),
      cmocka_unit_test(test_stop_and_list_rules),
      cmocka_unit_test(test_who_may_forward),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
