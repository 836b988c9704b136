// `list` and `load`: the admin_key read, and what it opens, rule by rule.
#include <string>

#include "admin_request.h"
#include "errors.h"

// Last: CMocka's macros break standard headers included after it.
#include "api_test_helpers.h"

namespace {

conf::AdminAccess access(const char* text, const std::string& configured) {
  json_t* j = parse(text);
  conf::AdminRequest r;
  assert_false(conf::parse_admin_request(j, &r).has_value());
  json_decref(j);
  return conf::admin_access(r, configured);
}

void test_parse(void** /*state*/) {
  json_t* j = parse(R"({"request": "list", "admin_key": "k"})");
  conf::AdminRequest r;
  assert_false(conf::parse_admin_request(j, &r).has_value());
  assert_string_equal(r.admin_key->c_str(), "k");
  json_decref(j);
  assert_int_equal(error_code(R"({"admin_key": 5})",
                              [](json_t* m) {
                                conf::AdminRequest a;
                                return conf::parse_admin_request(m, &a);
                              }),
                   conf::kErrInvalidElement);
}

void test_access(void** /*state*/) {
  assert_true(access(R"({"admin_key": "k"})", "k") == conf::AdminAccess::kAdmin);
  assert_true(access(R"({"admin_key": "x"})", "k") == conf::AdminAccess::kRefused);
  assert_true(access(R"({})", "k") == conf::AdminAccess::kAnonymous);
  assert_true(access(R"({"admin_key": ""})", "k") == conf::AdminAccess::kAnonymous);
  // No key configured: nobody is an admin, whatever they send.
  assert_true(access(R"({"admin_key": "k"})", "") == conf::AdminAccess::kAnonymous);
  assert_true(access(R"({})", "") == conf::AdminAccess::kAnonymous);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_access),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
