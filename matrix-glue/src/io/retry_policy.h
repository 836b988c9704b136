// What to do with a client-server API answer to a queued request: done,
// retry later (when), or give up. 429 honours retry_after_ms; 5xx and
// connection failures back off exponentially; other 4xx will not get better.
#pragma once

#include <cstdint>
#include <string>

namespace glue {

struct RetryDecision {
  enum Kind { kDone, kRetry, kGiveUp } kind = kDone;
  int64_t delay_ms = 0;
};

RetryDecision decide_retry(int status, const std::string& body, int attempts);

}  // namespace glue
