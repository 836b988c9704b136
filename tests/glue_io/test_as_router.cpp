// The Application Service API without sockets: paths, tokens, errors.
#include <optional>
#include <string>
#include <vector>

#include "../unit/cmocka_cpp.h"
#include "as_router.h"

namespace {

const std::string kToken = "hs_token_0123456789abcdef";

struct Recorder {
  std::vector<std::string> txns;
  size_t events = 0;
  bool fail = false;
};

glue::AsRouter make_router(Recorder* rec) {
  glue::AsHandlers h;
  h.transaction = [rec](const std::string& txn, json_t* events) {
    if (rec->fail) return false;
    rec->txns.push_back(txn);
    rec->events += json_array_size(events);
    return true;
  };
  h.user_exists = [](const std::string& user) { return user == "@fs_abc:example.org"; };
  return glue::AsRouter(kToken, h);
}

glue::HttpRequest put_txn(const std::string& path, const std::string& body) {
  glue::HttpRequest r;
  r.method = "PUT";
  r.path = path;
  r.authorization = "Bearer " + kToken;
  r.body = body;
  return r;
}

bool has_errcode(const glue::HttpResponse& r, const char* errcode) {
  return r.body.find(errcode) != std::string::npos;
}

void test_both_path_forms_and_token_places(void** /*state*/) {
  Recorder rec;
  auto router = make_router(&rec);
  auto r = router.handle(put_txn("/_matrix/app/v1/transactions/1", R"({"events":[{},{}]})"));
  assert_int_equal(r.status, 200);
  glue::HttpRequest legacy = put_txn("/transactions/2", R"({"events":[{}]})");
  legacy.authorization.clear();
  legacy.access_token = kToken;
  r = router.handle(legacy);
  assert_int_equal(r.status, 200);
  assert_int_equal(rec.txns.size(), 2);
  assert_string_equal(rec.txns[0].c_str(), "1");
  assert_string_equal(rec.txns[1].c_str(), "2");
  assert_int_equal(rec.events, 3);
}

void test_tokens(void** /*state*/) {
  Recorder rec;
  auto router = make_router(&rec);
  auto req = put_txn("/_matrix/app/v1/transactions/1", R"({"events":[]})");
  req.authorization.clear();
  auto r = router.handle(req);
  assert_int_equal(r.status, 401);
  assert_true(has_errcode(r, "M_MISSING_TOKEN"));
  req.authorization = "Bearer wrong";
  r = router.handle(req);
  assert_int_equal(r.status, 403);
  assert_true(has_errcode(r, "M_FORBIDDEN"));
  req.authorization = "Bearer " + kToken + "x";
  assert_int_equal(router.handle(req).status, 403);
  req.authorization.clear();
  req.access_token = kToken.substr(0, kToken.size() - 1);
  assert_int_equal(router.handle(req).status, 403);
  assert_true(rec.txns.empty());
}

void test_bad_bodies(void** /*state*/) {
  Recorder rec;
  auto router = make_router(&rec);
  auto r = router.handle(put_txn("/_matrix/app/v1/transactions/1", "{not json"));
  assert_int_equal(r.status, 400);
  assert_true(has_errcode(r, "M_NOT_JSON"));
  r = router.handle(put_txn("/_matrix/app/v1/transactions/1", R"({"events": 5})"));
  assert_int_equal(r.status, 400);
  assert_true(has_errcode(r, "M_BAD_JSON"));
  r = router.handle(put_txn("/_matrix/app/v1/transactions/1", "[]"));
  assert_int_equal(r.status, 400);
  r = router.handle(put_txn("/_matrix/app/v1/transactions/", R"({"events":[]})"));
  assert_int_equal(r.status, 400);
  auto get = put_txn("/_matrix/app/v1/transactions/1", R"({"events":[]})");
  get.method = "GET";
  assert_int_equal(router.handle(get).status, 405);
  assert_true(rec.txns.empty());
  rec.fail = true;
  r = router.handle(put_txn("/_matrix/app/v1/transactions/9", R"({"events":[{}]})"));
  assert_int_equal(r.status, 500);
}

// Jansson's error text quotes the input and may cut a character in half; the error body must
// still be JSON with an errcode (found by fuzz_as_transaction).
void test_parse_error_quoting_half_a_character(void** /*state*/) {
  Recorder rec;
  auto router = make_router(&rec);
  const auto r =
      router.handle(put_txn("/_matrix/app/v1/transactions/1", "{\"a\": \"b\\u\xC3\xA9\"}"));
  assert_int_equal(r.status, 400);
  assert_true(has_errcode(r, "M_NOT_JSON"));
  json_error_t error;
  json_t* body = json_loadb(r.body.data(), r.body.size(), 0, &error);
  assert_non_null(body);
  assert_non_null(json_string_value(json_object_get(body, "error")));
  json_decref(body);
}

void test_users_rooms_ping(void** /*state*/) {
  Recorder rec;
  auto router = make_router(&rec);
  glue::HttpRequest req;
  req.method = "GET";
  req.authorization = "Bearer " + kToken;
  req.path = "/_matrix/app/v1/users/@fs_abc:example.org";
  assert_int_equal(router.handle(req).status, 200);
  req.path = "/users/@someone:example.org";
  auto r = router.handle(req);
  assert_int_equal(r.status, 404);
  assert_true(has_errcode(r, "M_NOT_FOUND"));
  req.path = "/_matrix/app/v1/rooms/#alias:example.org";
  assert_int_equal(router.handle(req).status, 404);
  req.method = "POST";
  req.path = "/_matrix/app/v1/ping";
  assert_int_equal(router.handle(req).status, 200);
  req.path = "/_matrix/app/v1/nope";
  assert_int_equal(router.handle(req).status, 404);
}

// The public AS port does not serve the operator's endpoints, with or without a token.
void test_no_metrics_on_the_as_port(void** /*state*/) {
  Recorder rec;
  auto router = make_router(&rec);
  glue::HttpRequest req;
  req.method = "GET";
  for (const char* path : {"/metrics", "/health"}) {
    req.path = path;
    req.authorization.clear();
    assert_int_equal(router.handle(req).status, 404);
    req.authorization = "Bearer " + kToken;
    assert_int_equal(router.handle(req).status, 404);
  }
}

// Decisions on the head alone, before any body is read: each refusal the same as with the
// body, a good head passes; nothing reaches the transaction handler.
void test_screen_before_the_body(void** /*state*/) {
  Recorder rec;
  auto router = make_router(&rec);
  glue::HttpRequest head = put_txn("/_matrix/app/v1/transactions/1", "");
  assert_false(router.screen(head).has_value());
  head.path = "/transactions/2";
  head.authorization.clear();
  head.access_token = kToken;
  assert_false(router.screen(head).has_value());
  const struct {
    const char* method;
    const char* path;
    const char* authorization;
    int status;
    const char* errcode;
  } refused[] = {
      {"PUT", "/_matrix/app/v1/transactions/1", "", 401, "M_MISSING_TOKEN"},
      {"PUT", "/_matrix/app/v1/transactions/1", "Bearer wrong", 403, "M_FORBIDDEN"},
      {"PUT", "/transactions/1", "Basic abc", 401, "M_MISSING_TOKEN"},
      {"PUT", "/somewhere/else", "", 404, "M_UNRECOGNIZED"},
      {"POST", "/_matrix/app/v1/transactions/1", "good", 405, "M_UNRECOGNIZED"},
      {"PUT", "/_matrix/app/v1/transactions/", "good", 400, "M_INVALID_PARAM"},
      {"PUT", "/_matrix/app/v1/transactions/a/b", "good", 400, "M_INVALID_PARAM"},
      {"GET", "/_matrix/app/v1/ping", "good", 405, "M_UNRECOGNIZED"},
      {"PUT", "/_matrix/app/v1/users/@fs_abc:example.org", "", 401, "M_MISSING_TOKEN"},
  };
  for (const auto& c : refused) {
    glue::HttpRequest r;
    r.method = c.method;
    r.path = c.path;
    r.authorization = std::string(c.authorization) == "good" ? "Bearer " + kToken : c.authorization;
    std::optional<glue::HttpResponse> verdict = router.screen(r);
    if (!verdict || verdict->status != c.status || !has_errcode(*verdict, c.errcode)) {
      fail_msg("%s %s (%s): expected %d %s, got %d %s", c.method, c.path, c.authorization, c.status,
               c.errcode, verdict ? verdict->status : 0,
               verdict ? verdict->body.c_str() : "no refusal");
    }
    r.body = R"({"events":[{}]})";
    assert_int_equal(router.handle(r).status, c.status);
  }
  assert_true(rec.txns.empty());
}

void test_constant_time_equal(void** /*state*/) {
  assert_true(glue::constant_time_equal("abc", "abc"));
  assert_false(glue::constant_time_equal("abc", "abd"));
  assert_false(glue::constant_time_equal("abc", "abcd"));
  assert_false(glue::constant_time_equal("", "a"));
  assert_true(glue::constant_time_equal("", ""));
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_both_path_forms_and_token_places),
      cmocka_unit_test(test_tokens),
      cmocka_unit_test(test_bad_bodies),
      cmocka_unit_test(test_parse_error_quoting_half_a_character),
      cmocka_unit_test(test_users_rooms_ping),
      cmocka_unit_test(test_no_metrics_on_the_as_port),
      cmocka_unit_test(test_screen_before_the_body),
      cmocka_unit_test(test_constant_time_equal),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
