// The durable inbox/outbox: once per event ID, once per outgoing txn ID,
// surviving a reopen (as after SIGKILL).
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "../unit/cmocka_cpp.h"
#include "store.h"

namespace {

std::string temp_db() {
  char path[] = "/tmp/glue-store-XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  unlink(path);
  return path;
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
}

void test_events_once_per_event_id(void** /*state*/) {
  const std::string path = temp_db();
  {
    glue::Store store;
    std::string error;
    assert_true(store.open(path, &error));
    assert_int_equal(store.record_transaction("1", {{0, "$a", "{}", 1}, {0, "$b", "{}", 1}}, 1), 2);
    // A retry, and a homeserver that restarted and reused transaction ID 1 with new events.
    assert_int_equal(store.record_transaction("1", {{0, "$a", "{}", 2}, {0, "$b", "{}", 2}}, 2), 0);
    assert_int_equal(store.record_transaction("1", {{0, "$c", "{}", 3}}, 3), 1);
    assert_true(store.transaction_seen("1"));
    assert_false(store.transaction_seen("2"));
    auto pending = store.pending_inbox(10);
    assert_int_equal(pending.size(), 3);
    assert_string_equal(pending[0].event_id.c_str(), "$a");
    assert_string_equal(pending[2].event_id.c_str(), "$c");
    assert_true(store.mark_processed(pending[0].seq));
  }
  {
    glue::Store store;
    std::string error;
    assert_true(store.open(path, &error));
    auto pending = store.pending_inbox(10);
    assert_int_equal(pending.size(), 2);
    assert_string_equal(pending[0].event_id.c_str(), "$b");
    assert_int_equal(store.record_transaction("7", {{0, "$a", "{}", 4}}, 4), 0);
  }
  remove_db(path);
}

void test_outbox(void** /*state*/) {
  const std::string path = temp_db();
  glue::Store store;
  std::string error;
  assert_true(store.open(path, &error));
  glue::OutboxRequest r;
  r.txn_id = "answer-call1";
  r.method = "PUT";
  r.path = "/_matrix/client/v3/rooms/!r:x/send/m.call.answer/answer-call1";
  r.user_id = "@fs_x:x";
  r.body = "{}";
  r.next_attempt_ms = 100;
  assert_true(store.enqueue(r));
  assert_true(store.enqueue(r));  // the same request again: no duplicate
  assert_int_equal(store.outbox_size(), 1);
  assert_int_equal(store.due_outbox(99, 10).size(), 0);
  auto due = store.due_outbox(100, 10);
  assert_int_equal(due.size(), 1);
  assert_true(store.outbox_retry_at(due[0].id, 1, 500));
  assert_int_equal(store.due_outbox(200, 10).size(), 0);
  due = store.due_outbox(500, 10);
  assert_int_equal(due.size(), 1);
  assert_int_equal(due[0].attempts, 1);
  assert_true(store.outbox_done(due[0].id));
  assert_int_equal(store.outbox_size(), 0);
  assert_true(store.enqueue(r));  // done requests still block duplicates
  assert_int_equal(store.outbox_size(), 0);
  assert_true(store.put_state("k", "v1"));
  assert_true(store.put_state("k", "v2"));
  assert_string_equal(store.get_state("k")->c_str(), "v2");
  assert_false(store.get_state("missing").has_value());
  remove_db(path);
}

glue::OutboxRequest write(const std::string& txn, const std::string& room, const char* kind) {
  glue::OutboxRequest r;
  r.txn_id = txn;
  r.method = "PUT";
  r.path = "/p/" + txn;
  r.user_id = "@fs_x:x";
  r.body = "{}";
  r.kind = kind;
  r.room_id = room;
  r.deadline_ms = 9000;
  return r;
}

// One room's writes go out in order: a later one waits while an earlier one is retried; other
// rooms' writes do not wait for it. Kind, room and deadline come back as queued.
void test_outbox_order_per_room(void** /*state*/) {
  const std::string path = temp_db();
  glue::Store store;
  std::string error;
  assert_true(store.open(path, &error));
  assert_true(store.enqueue(write("join", "!a:x", "join")));
  assert_true(store.enqueue(write("answer", "!a:x", "send")));
  assert_true(store.enqueue(write("leave", "!b:x", "leave")));
  auto due = store.due_outbox(0, 10);
  assert_int_equal(due.size(), 2);
  assert_string_equal(due[0].txn_id.c_str(), "join");
  assert_string_equal(due[0].kind.c_str(), "join");
  assert_string_equal(due[0].room_id.c_str(), "!a:x");
  assert_int_equal(due[0].deadline_ms, 9000);
  assert_string_equal(due[1].txn_id.c_str(), "leave");
  assert_true(store.outbox_retry_at(due[0].id, 1, 300));
  assert_true(store.outbox_done(due[1].id));
  assert_int_equal(store.due_outbox(100, 10).size(), 0);  // "answer" waits for "join"
  assert_int_equal(*store.next_outbox_due(), 0);
  due = store.due_outbox(300, 10);
  assert_int_equal(due.size(), 1);
  assert_string_equal(due[0].txn_id.c_str(), "join");
  assert_true(store.outbox_done(due[0].id));
  due = store.due_outbox(300, 10);
  assert_int_equal(due.size(), 1);
  assert_string_equal(due[0].txn_id.c_str(), "answer");
  assert_true(store.outbox_done(due[0].id));
  assert_false(store.next_outbox_due().has_value());
  remove_db(path);
}

// A database of the previous version (an outbox without kind, room and deadline) is upgraded
// on open, its queued request kept.
void test_outbox_upgrade(void** /*state*/) {
  const std::string path = temp_db();
  sqlite3* db = nullptr;
  assert_int_equal(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                                "txn_id TEXT NOT NULL UNIQUE, method TEXT NOT NULL, path TEXT "
                                "NOT NULL, user_id TEXT NOT NULL, body TEXT NOT NULL, attempts "
                                "INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL "
                                "DEFAULT 0, done INTEGER NOT NULL DEFAULT 0);"
                                "INSERT INTO outbox (txn_id, method, path, user_id, body) VALUES "
                                "('old', 'PUT', '/p/old', '@fs_x:x', '{}');",
                                nullptr, nullptr, nullptr),
                   SQLITE_OK);
  sqlite3_close(db);
  glue::Store store;
  std::string error;
  if (!store.open(path, &error)) fail_msg("%s", error.c_str());
  glue::Store second;  // the glue opens several connections
  if (!second.open(path, &error)) fail_msg("%s", error.c_str());
  auto due = store.due_outbox(0, 10);
  assert_int_equal(due.size(), 1);
  assert_string_equal(due[0].txn_id.c_str(), "old");
  assert_string_equal(due[0].kind.c_str(), "send");
  assert_int_equal(due[0].deadline_ms, 0);
  remove_db(path);
}

void test_open_failure(void** /*state*/) {
  glue::Store store;
  std::string error;
  assert_false(store.open("/nonexistent-dir/x.sqlite", &error));
  assert_false(error.empty());
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_events_once_per_event_id),
      cmocka_unit_test(test_outbox),
      cmocka_unit_test(test_outbox_order_per_room),
      cmocka_unit_test(test_outbox_upgrade),
      cmocka_unit_test(test_open_failure),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
