// Where the state machine's parts put their actions while handling one input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actions.h"
#include "config.h"

namespace glue {

class Effects {
 public:
  Effects(const Config& config, std::int64_t now_ms, std::uint64_t& txn_counter, CallRef& next_call,
          std::vector<Action>& out)
      : config_(config),
        now_ms_(now_ms),
        txn_counter_(txn_counter),
        next_call_(next_call),
        out_(out) {}

  const Config& config() const { return config_; }
  std::int64_t now_ms() const { return now_ms_; }
  CallRef new_call_ref() { return next_call_++; }

  void push(Action action) { out_.push_back(std::move(action)); }
  void send(const std::string& user_id, const std::string& room_id, std::string type,
            std::string content);
  void notice(const std::string& user_id, const std::string& room_id, std::string_view body);
  void log(LogLevel level, const std::string& room_id, const std::string& user_id,
           const std::string& call_id, std::string message);
  void set_timer(std::string id, std::int64_t delay_ms);
  void cancel_timer(std::string id);

 private:
  const Config& config_;
  std::int64_t now_ms_;
  std::uint64_t& txn_counter_;
  CallRef& next_call_;
  std::vector<Action>& out_;
};

}  // namespace glue
