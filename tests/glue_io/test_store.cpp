// The durable inbox/outbox: once per event ID, once per outgoing txn ID,
// surviving a reopen (as after SIGKILL).
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
      cmocka_unit_test(test_open_failure),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
