// Retries of client-server requests: 429 with its hint, backoff, give up.
#include "../unit/cmocka_cpp.h"
#include "retry_policy.h"

namespace {

void test_decisions(void** /*state*/) {
  using glue::RetryDecision;
  assert_int_equal(glue::decide_retry(200, "{}", 0).kind, RetryDecision::kDone);
  auto d = glue::decide_retry(429, R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1234})", 0);
  assert_int_equal(d.kind, RetryDecision::kRetry);
  assert_int_equal(d.delay_ms, 1234);
  d = glue::decide_retry(429, "garbage", 2);
  assert_int_equal(d.kind, RetryDecision::kRetry);
  assert_int_equal(d.delay_ms, 2000);
  d = glue::decide_retry(502, "", 0);
  assert_int_equal(d.kind, RetryDecision::kRetry);
  assert_int_equal(d.delay_ms, 500);
  d = glue::decide_retry(0, "", 1);
  assert_int_equal(d.delay_ms, 1000);
  d = glue::decide_retry(503, "", 60);
  assert_int_equal(d.delay_ms, 5 * 60 * 1000);
  assert_int_equal(glue::decide_retry(403, R"({"errcode":"M_FORBIDDEN"})", 0).kind,
                   RetryDecision::kGiveUp);
  assert_int_equal(glue::decide_retry(400, "", 0).kind, RetryDecision::kGiveUp);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {cmocka_unit_test(test_decisions)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
