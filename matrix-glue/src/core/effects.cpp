#include "effects.h"

#include "call_content.h"

namespace glue {

void Effects::send(const std::string& user_id, const std::string& room_id, std::string type,
                   std::string content) {
  push(SendEvent{user_id, room_id, std::move(type), std::move(content),
                 ledger_.txn_prefix + "." + std::to_string(++ledger_.txn_counter)});
}

void Effects::notice(const std::string& user_id, const std::string& room_id,
                     std::string_view body) {
  send(user_id, room_id, "m.room.message", notice_content(body));
}

void Effects::reply_notice(const std::string& user_id, const std::string& room_id,
                           const std::string& in_reply_to, std::string_view body) {
  send(user_id, room_id, "m.room.message", reply_notice_content(body, in_reply_to));
}

void Effects::log(LogLevel level, const std::string& room_id, const std::string& user_id,
                  const std::string& call_id, std::string message) {
  push(Log{level, room_id, user_id, call_id, std::move(message)});
}

void Effects::set_timer(std::string id, std::int64_t delay_ms) {
  ledger_.timers[id] = now_ms_ + delay_ms;
  push(SetTimer{std::move(id), delay_ms});
}

void Effects::cancel_timer(std::string id) {
  ledger_.timers.erase(id);
  push(CancelTimer{std::move(id)});
}

}  // namespace glue
