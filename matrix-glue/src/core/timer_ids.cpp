#include "timer_ids.h"

#include <array>
#include <charconv>
#include <utility>

namespace glue {
namespace {

constexpr std::array<std::pair<TimerKind, std::string_view>, 5> kNames = {{
    {TimerKind::kNoCall, "nocall"},
    {TimerKind::kInviteLifetime, "lifetime"},
    {TimerKind::kSetup, "setup"},
    {TimerKind::kCandidateBatch, "candidates"},
    {TimerKind::kHangupGrace, "grace"},
}};

std::string make(TimerKind kind, std::string_view rest) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return std::string(name).append("|").append(rest);
  }
  return {};
}

}  // namespace

std::string no_call_timer_id(std::string_view focus_user_id) {
  return make(TimerKind::kNoCall, focus_user_id);
}

std::string call_timer_id(TimerKind kind, CallRef call) {
  return make(kind, std::to_string(call));
}

std::optional<TimerTarget> parse_timer_id(std::string_view id) {
  const size_t bar = id.find('|');
  if (bar == std::string_view::npos) return std::nullopt;
  const std::string_view name = id.substr(0, bar);
  const std::string_view rest = id.substr(bar + 1);
  for (const auto& [kind, known] : kNames) {
    if (name != known) continue;
    TimerTarget t;
    t.kind = kind;
    if (kind == TimerKind::kNoCall) {
      t.focus_user_id = rest;
      return t;
    }
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), t.call);
    if (ec != std::errc() || end != rest.data() + rest.size()) return std::nullopt;
    return t;
  }
  return std::nullopt;
}

}  // namespace glue
