#include "store.h"

#include <sqlite3.h>

#include <memory>

#include "private_file.h"

namespace glue {

namespace {

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

Stmt prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return nullptr;
  return Stmt(s);
}

void bind(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string column(sqlite3_stmt* s, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return text != nullptr ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(s, i)))
                         : std::string();
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS inbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  json TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  processed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (processed, seq);
CREATE TABLE IF NOT EXISTS transactions (
  txn_id TEXT PRIMARY KEY,
  received_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  txn_id TEXT NOT NULL UNIQUE,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  user_id TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (done, next_attempt_ms);
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

}  // namespace

Store::~Store() {
  if (db_ != nullptr) sqlite3_close(db_);
}

bool Store::exec(const char* sql) {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

bool Store::open(const std::string& path, std::string* error) {
  // SQLite gives its -wal and -shm files the database file's mode.
  if (!make_private(path, error)) {
    *error = "cannot open database " + *error;
    return false;
  }
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    *error = "cannot open database " + path + ": " + sqlite3_errmsg(db_);
    return false;
  }
  sqlite3_busy_timeout(db_, 5000);
  // WAL + synchronous=FULL: a transaction answered 200 survives a crash or power loss.
  if (!exec("PRAGMA journal_mode=WAL;") || !exec("PRAGMA synchronous=FULL;") || !exec(kSchema) ||
      !add_outbox_columns()) {
    *error = "cannot initialise database " + path + ": " + sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

// Databases of older versions lack the outbox's kind, room and deadline: their requests are
// sends in one shared queue, without a deadline.
bool Store::add_outbox_columns() {
  // Checked inside the write lock: the glue's connections open the database at once.
  if (!exec("BEGIN IMMEDIATE;")) return false;
  const bool ok = prepare(db_, "SELECT kind FROM outbox LIMIT 0") != nullptr ||
                  exec(
                      "ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'send';"
                      "ALTER TABLE outbox ADD COLUMN room_id TEXT NOT NULL DEFAULT '';"
                      "ALTER TABLE outbox ADD COLUMN deadline_ms INTEGER NOT NULL DEFAULT 0;"
                      "CREATE INDEX outbox_room ON outbox (room_id, done, id);");
  if (!ok) {
    exec("ROLLBACK;");
    return false;
  }
  return exec("COMMIT;");
}

int Store::record_transaction(const std::string& txn_id, const std::vector<InboxEvent>& events,
                              int64_t now_ms) {
  if (!exec("BEGIN IMMEDIATE;")) return -1;
  int added = 0;
  bool ok = true;
  Stmt insert =
      prepare(db_, "INSERT OR IGNORE INTO inbox (event_id, json, received_ms) VALUES (?, ?, ?)");
  ok = insert != nullptr;
  for (const auto& e : events) {
    if (!ok) break;
    sqlite3_reset(insert.get());
    bind(insert.get(), 1, e.event_id);
    bind(insert.get(), 2, e.json);
    sqlite3_bind_int64(insert.get(), 3, e.received_ms);
    ok = sqlite3_step(insert.get()) == SQLITE_DONE;
    added += sqlite3_changes(db_);
  }
  if (ok) {
    Stmt txn =
        prepare(db_, "INSERT OR REPLACE INTO transactions (txn_id, received_ms) VALUES (?, ?)");
    ok = txn != nullptr;
    if (ok) {
      bind(txn.get(), 1, txn_id);
      sqlite3_bind_int64(txn.get(), 2, now_ms);
      ok = sqlite3_step(txn.get()) == SQLITE_DONE;
    }
  }
  if (!ok) {
    exec("ROLLBACK;");
    return -1;
  }
  return exec("COMMIT;") ? added : -1;
}

bool Store::transaction_seen(const std::string& txn_id) {
  Stmt s = prepare(db_, "SELECT 1 FROM transactions WHERE txn_id = ?");
  if (!s) return false;
  bind(s.get(), 1, txn_id);
  return sqlite3_step(s.get()) == SQLITE_ROW;
}

bool Store::has_event(const std::string& event_id) {
  Stmt s = prepare(db_, "SELECT 1 FROM inbox WHERE event_id = ?");
  if (!s) return false;
  bind(s.get(), 1, event_id);
  return sqlite3_step(s.get()) == SQLITE_ROW;
}

bool Store::mark_seen(const std::vector<std::string>& event_ids, int64_t now_ms) {
  Stmt s = prepare(db_,
                   "INSERT OR IGNORE INTO inbox (event_id, json, received_ms, processed) "
                   "VALUES (?, '{}', ?, 1)");
  if (!s) return false;
  for (const auto& id : event_ids) {
    sqlite3_reset(s.get());
    bind(s.get(), 1, id);
    sqlite3_bind_int64(s.get(), 2, now_ms);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return false;
  }
  return true;
}

std::vector<InboxEvent> Store::pending_inbox(int limit) {
  std::vector<InboxEvent> out;
  Stmt s = prepare(db_,
                   "SELECT seq, event_id, json, received_ms FROM inbox WHERE processed = 0 "
                   "ORDER BY seq LIMIT ?");
  if (!s) return out;
  sqlite3_bind_int(s.get(), 1, limit);
  while (sqlite3_step(s.get()) == SQLITE_ROW) {
    out.push_back({sqlite3_column_int64(s.get(), 0), column(s.get(), 1), column(s.get(), 2),
                   sqlite3_column_int64(s.get(), 3)});
  }
  return out;
}

bool Store::mark_processed(int64_t seq) {
  Stmt s = prepare(db_, "UPDATE inbox SET processed = 1 WHERE seq = ?");
  if (!s) return false;
  sqlite3_bind_int64(s.get(), 1, seq);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

bool Store::enqueue(const OutboxRequest& r) {
  Stmt s =
      prepare(db_,
              "INSERT OR IGNORE INTO outbox (txn_id, method, path, user_id, body, "
              "next_attempt_ms, kind, room_id, deadline_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!s) return false;
  bind(s.get(), 1, r.txn_id);
  bind(s.get(), 2, r.method);
  bind(s.get(), 3, r.path);
  bind(s.get(), 4, r.user_id);
  bind(s.get(), 5, r.body);
  sqlite3_bind_int64(s.get(), 6, r.next_attempt_ms);
  bind(s.get(), 7, r.kind);
  bind(s.get(), 8, r.room_id);
  sqlite3_bind_int64(s.get(), 9, r.deadline_ms);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

std::vector<OutboxRequest> Store::due_outbox(int64_t now_ms, int limit) {
  std::vector<OutboxRequest> out;
  Stmt s = prepare(db_,
                   "SELECT id, txn_id, method, path, user_id, body, attempts, next_attempt_ms, "
                   "kind, room_id, deadline_ms FROM outbox o WHERE done = 0 AND "
                   "next_attempt_ms <= ? AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.done = 0 "
                   "AND p.room_id = o.room_id AND p.id < o.id) ORDER BY id LIMIT ?");
  if (!s) return out;
  sqlite3_bind_int64(s.get(), 1, now_ms);
  sqlite3_bind_int(s.get(), 2, limit);
  while (sqlite3_step(s.get()) == SQLITE_ROW) {
    OutboxRequest r;
    r.id = sqlite3_column_int64(s.get(), 0);
    r.txn_id = column(s.get(), 1);
    r.method = column(s.get(), 2);
    r.path = column(s.get(), 3);
    r.user_id = column(s.get(), 4);
    r.body = column(s.get(), 5);
    r.attempts = sqlite3_column_int(s.get(), 6);
    r.next_attempt_ms = sqlite3_column_int64(s.get(), 7);
    r.kind = column(s.get(), 8);
    r.room_id = column(s.get(), 9);
    r.deadline_ms = sqlite3_column_int64(s.get(), 10);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<int64_t> Store::next_outbox_due() {
  Stmt s = prepare(db_, "SELECT MIN(next_attempt_ms) FROM outbox WHERE done = 0");
  if (!s || sqlite3_step(s.get()) != SQLITE_ROW || sqlite3_column_type(s.get(), 0) == SQLITE_NULL) {
    return std::nullopt;
  }
  return sqlite3_column_int64(s.get(), 0);
}

bool Store::outbox_done(int64_t id) {
  Stmt s = prepare(db_, "UPDATE outbox SET done = 1 WHERE id = ?");
  if (!s) return false;
  sqlite3_bind_int64(s.get(), 1, id);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

bool Store::outbox_retry_at(int64_t id, int attempts, int64_t next_attempt_ms) {
  Stmt s = prepare(db_, "UPDATE outbox SET attempts = ?, next_attempt_ms = ? WHERE id = ?");
  if (!s) return false;
  sqlite3_bind_int(s.get(), 1, attempts);
  sqlite3_bind_int64(s.get(), 2, next_attempt_ms);
  sqlite3_bind_int64(s.get(), 3, id);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

int64_t Store::outbox_size() {
  Stmt s = prepare(db_, "SELECT COUNT(*) FROM outbox WHERE done = 0");
  if (!s || sqlite3_step(s.get()) != SQLITE_ROW) return -1;
  return sqlite3_column_int64(s.get(), 0);
}

bool Store::commit_state(const std::string& key, const std::string& value, int64_t seq) {
  if (!exec("BEGIN IMMEDIATE;")) return false;
  bool ok = put_state(key, value) && (seq < 0 || mark_processed(seq));
  if (!ok) {
    exec("ROLLBACK;");
    return false;
  }
  return exec("COMMIT;");
}

bool Store::put_state(const std::string& key, const std::string& value) {
  Stmt s = prepare(db_, "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)");
  if (!s) return false;
  bind(s.get(), 1, key);
  bind(s.get(), 2, value);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

std::optional<std::string> Store::get_state(const std::string& key) {
  Stmt s = prepare(db_, "SELECT value FROM kv WHERE key = ?");
  if (!s) return std::nullopt;
  bind(s.get(), 1, key);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return std::nullopt;
  return column(s.get(), 0);
}

}  // namespace glue
