#include "retry_policy.h"

#include <jansson.h>

#include <algorithm>
#include <charconv>

namespace glue {

namespace {

constexpr int64_t kFirstBackoffMs = 500;
constexpr int64_t kMaxBackoffMs = 30 * 1000;
// No HTTP answer at all: the homeserver is down (a refused connection costs it nothing) or its
// request timeout spaced the tries already. Short, so that writes go out within about 2 s of
// its return instead of up to 30 s later, when a call's signalling may be past its deadline.
constexpr int64_t kMaxNoAnswerBackoffMs = 2 * 1000;
constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;

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

// "Equal jitter": half the exponential backoff fixed, half random, so that writes that failed
// together do not all come back together.
int64_t backoff_ms(int attempts, int64_t max_ms, std::uint32_t random) {
  const int64_t full = std::min(max_ms, kFirstBackoffMs << std::clamp(attempts, 0, 16));
  return full / 2 + static_cast<int64_t>(random % static_cast<std::uint32_t>(full / 2 + 1));
}

}  // namespace

int64_t deadline_ms(WriteKind kind) {
  switch (kind) {
    case WriteKind::kJoin:
      return 15 * kMinute;  // an inviter who waited longer has given up on the conference
    case WriteKind::kLeave:
      return 24 * 60 * kMinute;  // leaving is always right, however late
    case WriteKind::kCallSignal:
      return kMinute;  // matrix-js-sdk's invite lifetime: the call is given up after it
    case WriteKind::kCallEnd:
      return 10 * kMinute;  // the caller's client still shows the call as ringing or live
    case WriteKind::kMessage:
      return 60 * kMinute;
  }
  return kMinute;
}

WriteKind send_kind(const std::string& event_type) {
  if (event_type == "m.call.hangup" || event_type == "m.call.reject") return WriteKind::kCallEnd;
  if (event_type.rfind("m.call.", 0) == 0) return WriteKind::kCallSignal;
  return WriteKind::kMessage;
}

RetryDecision decide_retry(const WriteAnswer& answer, int attempts, int64_t now_ms,
                           int64_t deadline_at_ms, std::uint32_t random) {
  if (answer.status >= 200 && answer.status < 300) return {RetryDecision::kDone, 0, false};
  int64_t delay =
      backoff_ms(attempts, answer.status == 0 ? kMaxNoAnswerBackoffMs : kMaxBackoffMs, random);
  if (answer.status == 429) {
    const int64_t hinted = std::max(retry_after_ms(answer.body), answer.retry_after_header_ms);
    delay = std::max(delay, hinted);
  } else if (answer.status != 0 && answer.status < 500) {
    return {RetryDecision::kGiveUp, 0, false};
  }
  if (deadline_at_ms != 0 && now_ms + delay > deadline_at_ms) {
    return {RetryDecision::kGiveUp, 0, true};
  }
  return {RetryDecision::kRetry, delay, false};
}

int64_t parse_retry_after(const std::string& header) {
  const char* begin = header.data();
  const char* end = begin + header.size();
  while (begin != end && *begin == ' ') ++begin;
  while (end != begin && (end[-1] == ' ' || end[-1] == '\r' || end[-1] == '\n')) --end;
  int64_t seconds = -1;
  const auto [stop, ec] = std::from_chars(begin, end, seconds);
  if (ec != std::errc() || stop != end || seconds < 0 || seconds > 24 * 3600) return -1;
  return seconds * kSecond;
}

}  // namespace glue
