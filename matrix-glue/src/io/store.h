// The glue's durable state (SQLite): the inbox of homeserver events (recorded
// before a transaction is answered, processed once per event ID), and the
// outbox of client-server requests still to send (each with a stable
// transaction ID, so a retry after a crash never duplicates an event).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace glue {

struct InboxEvent {
  int64_t seq = 0;
  std::string event_id;
  std::string json;  // the event as the homeserver sent it
  int64_t received_ms = 0;
};

struct OutboxRequest {
  int64_t id = 0;
  std::string txn_id;         // stable: the request's idempotency key
  std::string method;         // "PUT" or "POST"
  std::string path;           // client-server API path, with the txn_id in it where the API has one
  std::string user_id;        // the focus user to act as
  std::string body;           // JSON
  std::string kind = "send";  // "join" (its result goes back to the core), "leave", "send"
  std::string room_id;        // the room it acts in: one room's writes go out in order
  int64_t deadline_ms = 0;    // not tried after this (0: no deadline)
  int attempts = 0;
  int64_t next_attempt_ms = 0;
};

class Store {
 public:
  Store() = default;
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  bool open(const std::string& path, std::string* error);

  // Records the events of one transaction atomically. Events already seen (by
  // event ID) are skipped; returns how many were new, or -1 on a database error.
  int record_transaction(const std::string& txn_id, const std::vector<InboxEvent>& events,
                         int64_t now_ms);
  bool transaction_seen(const std::string& txn_id);
  bool has_event(const std::string& event_id);
  // Records events read another way (a room's history) as already processed,
  // so that the same events in a later transaction are skipped.
  bool mark_seen(const std::vector<std::string>& event_ids, int64_t now_ms);
  std::vector<InboxEvent> pending_inbox(int limit);
  bool mark_processed(int64_t seq);

  // Queues a request unless one with the same txn_id exists; true if queued or present.
  bool enqueue(const OutboxRequest& request);
  // Due requests, oldest first, at most one per room: a room's next write waits until the one
  // before it is done or given up, so that e.g. candidates never overtake their answer.
  std::vector<OutboxRequest> due_outbox(int64_t now_ms, int limit);
  // When the earliest request not yet done is due (nullopt: none).
  std::optional<int64_t> next_outbox_due();
  bool outbox_done(int64_t id);
  bool outbox_retry_at(int64_t id, int attempts, int64_t next_attempt_ms);
  int64_t outbox_size();

  // Atomically: the state after an event, and (seq >= 0) that inbox event done.
  bool commit_state(const std::string& key, const std::string& value, int64_t seq);

  // Small key/value state (e.g. the state machine's snapshot).
  bool put_state(const std::string& key, const std::string& value);
  std::optional<std::string> get_state(const std::string& key);

 private:
  bool exec(const char* sql);
  bool add_outbox_columns();
  sqlite3* db_ = nullptr;
};

}  // namespace glue
