// Where the state machine's parts put their actions while handling one input.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actions.h"
#include "call.h"
#include "config.h"

namespace glue {

// What the state machine keeps besides its conferences and rooms; all of it but the counters
// goes into a snapshot, so that a restarted glue neither reuses a transaction ID nor forgets a
// timer.
struct Ledger {
  std::string txn_prefix;
  std::uint64_t txn_counter = 0;
  CallRef next_call = 1;
  std::map<std::string, std::int64_t> timers;  // armed timer ID -> due time (now_ms clock)
  // Call-backs by CallBackOutcome since the process started (a /metrics counter).
  std::array<std::int64_t, 4> call_backs{};
  // Link set-ups of cascaded rooms since the process started: [0] linked, [1] failed.
  std::array<std::int64_t, 2> link_setups{};
};

class Effects {
 public:
  Effects(const Config& config, std::int64_t now_ms, Ledger& ledger, std::vector<Action>& out)
      : config_(config), now_ms_(now_ms), ledger_(ledger), out_(out) {}

  const Config& config() const { return config_; }
  std::int64_t now_ms() const { return now_ms_; }
  CallRef new_call_ref() { return ledger_.next_call++; }
  // The call_id of a call the focus places: unique across runs, as transaction IDs are.
  std::string new_call_id(CallRef ref) const {
    return ledger_.txn_prefix + ".call." + std::to_string(ref);
  }
  void count_call_back(CallBackOutcome outcome) {
    ++ledger_.call_backs.at(static_cast<std::size_t>(outcome));
  }

  void count_link_setup(bool ok) { ++ledger_.link_setups.at(ok ? 0 : 1); }

  void push(Action action) { out_.push_back(std::move(action)); }
  void send(const std::string& user_id, const std::string& room_id, std::string type,
            std::string content);
  void notice(const std::string& user_id, const std::string& room_id, std::string_view body);
  // A notice in reply to the event `in_reply_to`.
  void reply_notice(const std::string& user_id, const std::string& room_id,
                    const std::string& in_reply_to, std::string_view body);
  void log(LogLevel level, const std::string& room_id, const std::string& user_id,
           const std::string& call_id, std::string message);
  void set_timer(std::string id, std::int64_t delay_ms);
  void cancel_timer(std::string id);

 private:
  const Config& config_;
  std::int64_t now_ms_;
  Ledger& ledger_;
  std::vector<Action>& out_;
};

}  // namespace glue
