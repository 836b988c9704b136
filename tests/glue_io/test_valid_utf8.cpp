// Repairing text for Jansson: well-formed UTF-8 is kept, every other byte becomes U+FFFD.
#include <string>

#include "../unit/cmocka_cpp.h"
#include "valid_utf8.h"

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

void expect(const std::string& in, const std::string& out) {
  assert_string_equal(glue::valid_utf8(in).c_str(), out.c_str());
}

void test_well_formed_text_is_kept(void** /*state*/) {
  expect("", "");
  expect("plain ascii", "plain ascii");
  expect("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xA4", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xA4");
  expect("\xED\x9F\xBF", "\xED\x9F\xBF");
  expect("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF");
}

void test_cut_sequences(void** /*state*/) {
  expect("b\\u\xC3", "b\\u" + kFffd);
  expect("\xE2\x82", kFffd + kFffd);
  expect("\xF0\x9F\x8E", kFffd + kFffd + kFffd);
  expect("\xC3x", kFffd + "x");
}

void test_forbidden_forms(void** /*state*/) {
  expect("\xC0\xAF", kFffd + kFffd);
  expect("\xE0\x80\xAF", kFffd + kFffd + kFffd);
  expect("\xED\xA0\x80", kFffd + kFffd + kFffd);
  expect("\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd);
  expect("\xFF\xFE", kFffd + kFffd);
  expect("\x80", kFffd);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_well_formed_text_is_kept),
      cmocka_unit_test(test_cut_sequences),
      cmocka_unit_test(test_forbidden_forms),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
