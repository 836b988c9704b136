// Retries of the glue's writes to the homeserver: the homeserver's hints honoured, backoff with
// jitter inside its bounds, each kind of write given up at its deadline.
#include <cstdint>

#include "retry_policy.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

using glue::decide_retry;
using glue::RetryDecision;
using glue::WriteAnswer;

constexpr std::uint32_t kMaxRandom = 0xffffffffu;

// The backoff before try `attempts` + 2 lies in [full / 2, full], and both ends are reached.
void expect_jitter_bounds(const WriteAnswer& answer, int attempts, int64_t full) {
  int64_t lo = INT64_MAX;
  int64_t hi = 0;
  for (std::uint32_t r = 0; r < 65536; ++r) {
    const RetryDecision d = decide_retry(answer, attempts, 0, 0, r);
    assert_int_equal(d.kind, RetryDecision::kRetry);
    if (d.delay_ms < full / 2 || d.delay_ms > full) {
      fail_msg("attempt %d: %lld ms outside [%lld, %lld]", attempts,
               static_cast<long long>(d.delay_ms), static_cast<long long>(full / 2),
               static_cast<long long>(full));
    }
    lo = d.delay_ms < lo ? d.delay_ms : lo;
    hi = d.delay_ms > hi ? d.delay_ms : hi;
  }
  assert_int_equal(lo, full / 2);
  assert_int_equal(hi, full);
}

void test_backoff_with_jitter(void**) {
  const WriteAnswer unavailable{503, "", -1};
  expect_jitter_bounds(unavailable, 0, 500);
  expect_jitter_bounds(unavailable, 1, 1000);
  expect_jitter_bounds(unavailable, 3, 4000);
  expect_jitter_bounds(unavailable, 60, 30000);  // capped
  // No answer at all (the homeserver is down): capped at 2 s, so writes follow its return.
  expect_jitter_bounds(WriteAnswer{0, "", -1}, 1, 1000);
  expect_jitter_bounds(WriteAnswer{0, "", -1}, 2, 2000);
  expect_jitter_bounds(WriteAnswer{0, "", -1}, 60, 2000);
  // A 429 without a hint backs off the same way.
  expect_jitter_bounds(WriteAnswer{429, R"({"errcode":"M_LIMIT_EXCEEDED"})", -1}, 2, 2000);
}

void test_retry_after_honoured(void**) {
  const WriteAnswer body_hint{429, R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1234})", -1};
  for (std::uint32_t r : {0u, 1u, 777u, kMaxRandom}) {
    assert_int_equal(decide_retry(body_hint, 0, 0, 0, r).delay_ms, 1234);
  }
  // A hint shorter than the backoff does not shorten it.
  const RetryDecision later =
      decide_retry(WriteAnswer{429, R"({"retry_after_ms":300})", -1}, 4, 0, 0, kMaxRandom);
  assert_true(later.delay_ms >= 4000 && later.delay_ms <= 8000);
  const WriteAnswer header_hint{429, "", 3000};
  assert_int_equal(decide_retry(header_hint, 0, 0, 0, 0).delay_ms, 3000);
  assert_int_equal(decide_retry(header_hint, 0, 0, 0, kMaxRandom).delay_ms, 3000);
  // Both: the longer one.
  assert_int_equal(
      decide_retry(WriteAnswer{429, R"({"retry_after_ms":5000})", 2000}, 0, 0, 0, 0).delay_ms,
      5000);
  assert_int_equal(
      decide_retry(WriteAnswer{429, R"({"retry_after_ms":500})", 7000}, 0, 0, 0, 0).delay_ms, 7000);
  assert_int_equal(glue::parse_retry_after("1"), 1000);
  assert_int_equal(glue::parse_retry_after(" 120 \r\n"), 120000);
  assert_int_equal(glue::parse_retry_after("0"), 0);
  assert_int_equal(glue::parse_retry_after(""), -1);
  assert_int_equal(glue::parse_retry_after("-1"), -1);
  assert_int_equal(glue::parse_retry_after("1.5"), -1);
  assert_int_equal(glue::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), -1);
}

void test_done_and_hopeless(void**) {
  assert_int_equal(decide_retry(WriteAnswer{200, "{}", -1}, 9, 0, 1, 0).kind, RetryDecision::kDone);
  for (int status : {400, 401, 403, 404}) {
    const RetryDecision d =
        decide_retry(WriteAnswer{status, R"({"errcode":"M_FORBIDDEN"})", -1}, 0, 0, 0, 0);
    assert_int_equal(d.kind, RetryDecision::kGiveUp);
    assert_false(d.expired);
  }
}

// Retried up to the deadline, never past it; 0 is no deadline.
void test_deadline(void**) {
  const WriteAnswer limited{429, R"({"retry_after_ms":300})", -1};
  RetryDecision d = decide_retry(limited, 0, 10000, 10300, 0);
  assert_int_equal(d.kind, RetryDecision::kRetry);
  d = decide_retry(limited, 0, 10000, 10299, 0);
  assert_int_equal(d.kind, RetryDecision::kGiveUp);
  assert_true(d.expired);
  d = decide_retry(WriteAnswer{502, "", -1}, 3, 10000, 12000, kMaxRandom);  // 4000 ms
  assert_int_equal(d.kind, RetryDecision::kGiveUp);
  assert_true(d.expired);
  d = decide_retry(WriteAnswer{502, "", -1}, 3, 10000, 12000, 0);  // 2000 ms
  assert_int_equal(d.kind, RetryDecision::kRetry);
  assert_int_equal(decide_retry(limited, 50, 1LL << 40, 0, 0).kind, RetryDecision::kRetry);
}

void test_deadlines_per_kind(void**) {
  using glue::WriteKind;
  assert_int_equal(glue::deadline_ms(WriteKind::kJoin), 15 * 60 * 1000);
  assert_int_equal(glue::deadline_ms(WriteKind::kLeave), 24 * 3600 * 1000);
  assert_int_equal(glue::deadline_ms(WriteKind::kCallSignal), 60 * 1000);
  assert_int_equal(glue::deadline_ms(WriteKind::kCallEnd), 10 * 60 * 1000);
  assert_int_equal(glue::deadline_ms(WriteKind::kMessage), 60 * 60 * 1000);
  assert_true(glue::send_kind("m.call.answer") == WriteKind::kCallSignal);
  assert_true(glue::send_kind("m.call.candidates") == WriteKind::kCallSignal);
  assert_true(glue::send_kind("m.call.negotiate") == WriteKind::kCallSignal);
  assert_true(glue::send_kind("m.call.hangup") == WriteKind::kCallEnd);
  assert_true(glue::send_kind("m.call.reject") == WriteKind::kCallEnd);
  assert_true(glue::send_kind("m.room.message") == WriteKind::kMessage);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_backoff_with_jitter), cmocka_unit_test(test_retry_after_honoured),
      cmocka_unit_test(test_done_and_hopeless),   cmocka_unit_test(test_deadline),
      cmocka_unit_test(test_deadlines_per_kind),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
