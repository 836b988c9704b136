// Timer IDs name what a timer is for, so a firing routes back without a lookup table.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "events.h"

namespace glue {

enum class TimerKind {
  kNoCall,          // S8, per focus: "nocall|<focus user ID>"
  kInviteLifetime,  // per call, until the answer is sent: "lifetime|<call ref>"
  kSetup,           // per call, until Janus reports media: "setup|<call ref>"
  kCandidateBatch,  // per call, Janus' candidates collected: "candidates|<call ref>"
  kHangupGrace,     // per call, Janus reported its PeerConnection gone: "grace|<call ref>"
};

struct TimerTarget {
  TimerKind kind = TimerKind::kNoCall;
  std::string focus_user_id;  // kNoCall
  CallRef call = 0;           // the others
};

std::string no_call_timer_id(std::string_view focus_user_id);
std::string call_timer_id(TimerKind kind, CallRef call);
std::optional<TimerTarget> parse_timer_id(std::string_view id);

}  // namespace glue
