// What to do with a client-server API answer to one of the glue's writes: done, retry later
// (when), or give up. 429 waits at least what the homeserver asks (`retry_after_ms` in the
// body, `Retry-After` in the header); 429 without a hint, 5xx and connection failures back off
// exponentially with jitter (up to 30 s; up to 2 s without any HTTP answer, so that writes follow
// a homeserver's return closely); other 4xx will not get better. Nothing is retried past the
// write's deadline, after which it no longer makes sense.
#pragma once

#include <cstdint>
#include <string>

namespace glue {

// The kinds of writes, each with its own deadline (deadline_ms()).
enum class WriteKind {
  kJoin,        // joining a room: the group room (S2) or a caller's 1:1 room
  kLeave,       // leaving or declining a room
  kCallSignal,  // m.call.answer, candidates, negotiate: useful while the call is being set up
  kCallEnd,     // m.call.hangup, m.call.reject
  kMessage,     // notices
};

// How long after it was queued a write of `kind` is still worth sending.
std::int64_t deadline_ms(WriteKind kind);
// The kind of a PUT .../send/{type}/... by its event type.
WriteKind send_kind(const std::string& event_type);

struct RetryDecision {
  enum Kind { kDone, kRetry, kGiveUp } kind = kDone;
  int64_t delay_ms = 0;
  bool expired = false;  // kGiveUp because the next try would come after the deadline
};

// One answer: `status` (0: no HTTP answer), its body, its Retry-After header in ms (-1: none).
struct WriteAnswer {
  int status = 0;
  std::string body;
  int64_t retry_after_header_ms = -1;
};

// `attempts`: how many tries failed before this one; `now_ms` and `deadline_at_ms` on one
// clock (deadline_at_ms 0: none); `random` any uniformly random number (the jitter).
RetryDecision decide_retry(const WriteAnswer& answer, int attempts, int64_t now_ms,
                           int64_t deadline_at_ms, std::uint32_t random);

// Retry-After as delay-seconds, in ms; -1 when absent or not a number (an HTTP-date is not
// honoured: Synapse sends none).
int64_t parse_retry_after(const std::string& header);

}  // namespace glue
