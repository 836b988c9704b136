#include "retry_policy.h"

#include <jansson.h>

#include <algorithm>

namespace glue {

namespace {

constexpr int64_t kFirstBackoffMs = 500;
constexpr int64_t kMaxBackoffMs = 5 * 60 * 1000;

int64_t retry_after_ms(const std::string& body) {
  json_t* j = json_loads(body.c_str(), 0, nullptr);
  int64_t ms = -1;
  if (json_is_object(j)) {
    json_t* v = json_object_get(j, "retry_after_ms");
    if (json_is_integer(v) && json_integer_value(v) >= 0) ms = json_integer_value(v);
  }
  json_decref(j);
  return ms;
}

}  // namespace

RetryDecision decide_retry(int status, const std::string& body, int attempts) {
  if (status >= 200 && status < 300) return {RetryDecision::kDone, 0};
  const int64_t backoff = std::min(kMaxBackoffMs, kFirstBackoffMs << std::clamp(attempts, 0, 20));
  if (status == 429) {
    const int64_t hinted = retry_after_ms(body);
    return {RetryDecision::kRetry, hinted >= 0 ? std::min(hinted, kMaxBackoffMs) : backoff};
  }
  if (status == 0 || status >= 500) return {RetryDecision::kRetry, backoff};
  return {RetryDecision::kGiveUp, 0};
}

}  // namespace glue
