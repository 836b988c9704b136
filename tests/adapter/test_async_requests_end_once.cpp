// The adapter driven through its janus_plugin struct, as the core drives it:
// every asynchronous request (join, configure, leave) ends in exactly one
// event or one error, also when the core refuses the event, and a `joined`
// the core refuses undoes the join. Synchronous errors are the reply, never
// an event as well.
#include <set>
#include <string>
#include <vector>

#include "errors.h"
#include "janus_api.h"
#include "refusing_gateway.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

extern "C" janus_plugin* create(void);

namespace {

constexpr int kTimeoutMs = 10000;
constexpr int kRoom = 1234;

janus_plugin* plugin = nullptr;
janus_plugin_session* barrier_handle = nullptr;
int barrier_count = 0;

void free_handle(const janus_refcount* ref) {
  g_free(janus_refcount_containerof(ref, janus_plugin_session, ref));
}

janus_plugin_session* open_handle() {
  auto* handle = g_new0(janus_plugin_session, 1);
  janus_refcount_init(&handle->ref, free_handle);
  int error = 1;
  plugin->create_session(handle, &error);
  assert_int_equal(error, 0);
  return handle;
}

void close_handle(janus_plugin_session* handle) {
  int error = 1;
  plugin->destroy_session(handle, &error);
  assert_int_equal(error, 0);
  janus_refcount_decrease(&handle->ref);
}

json_t* parse(const std::string& text) {
  json_error_t error;
  json_t* j = json_loads(text.c_str(), 0, &error);
  assert_non_null(j);
  return j;
}

// A synchronous request: its reply.
json_t* request(janus_plugin_session* handle, const std::string& text) {
  char transaction[] = "sync";
  janus_plugin_result* result =
      plugin->handle_message(handle, transaction, text.empty() ? nullptr : parse(text), nullptr);
  assert_int_equal(result->type, JANUS_PLUGIN_OK);
  assert_non_null(result->content);
  json_t* reply = json_incref(result->content);
  janus_plugin_result_destroy(result);
  return reply;
}

// An asynchronous request: acknowledged now, answered by an event later.
void post(janus_plugin_session* handle, const std::string& transaction, const std::string& text,
          const char* jsep = nullptr) {
  std::vector<char> txn(transaction.begin(), transaction.end());
  txn.push_back('\0');
  janus_plugin_result* result = plugin->handle_message(handle, txn.data(), parse(text),
                                                       jsep != nullptr ? parse(jsep) : nullptr);
  assert_int_equal(result->type, JANUS_PLUGIN_OK_WAIT);
  janus_plugin_result_destroy(result);
}

// The plugin runs asynchronous requests one after another: once a leave
// posted now has been answered, everything posted before has ended.
void drain() {
  const std::string txn = "barrier-" + std::to_string(++barrier_count);
  post(barrier_handle, txn, R"({"request": "leave"})");
  assert_true(RefusingGateway::instance().wait_delivered(barrier_handle, txn, kTimeoutMs));
}

std::string kind(const json_t* event) {
  const char* k = json_string_value(json_object_get(event, "conference"));
  return k != nullptr ? k : "";
}

int error_code(const json_t* event) {
  return static_cast<int>(json_integer_value(json_object_get(event, "error_code")));
}

void release(std::vector<json_t*>& events) {
  for (json_t* e : events) json_decref(e);
  events.clear();
}

// The one event the core took for (handle, transaction); fails on none or more.
json_t* only_event(janus_plugin_session* handle, const std::string& transaction) {
  auto events = RefusingGateway::instance().delivered(handle, transaction);
  assert_int_equal(events.size(), 1);
  return events.front();
}

void expect_joined(janus_plugin_session* handle, const std::string& transaction, int id) {
  json_t* event = only_event(handle, transaction);
  assert_string_equal(kind(event).c_str(), "joined");
  assert_int_equal(json_integer_value(json_object_get(event, "id")), id);
  json_decref(event);
}

void expect_error(janus_plugin_session* handle, const std::string& transaction, int code) {
  json_t* event = only_event(handle, transaction);
  assert_int_equal(error_code(event), code);
  json_decref(event);
}

std::string join(int id) {
  return R"({"request": "join", "room": )" + std::to_string(kRoom) + R"(, "id": )" +
         std::to_string(id) + R"(, "rtp": {"ip": "127.0.0.1", "port": 9, "payload_type": 111}})";
}

std::set<int> participants() {
  json_t* reply = request(
      barrier_handle, R"({"request": "listparticipants", "room": )" + std::to_string(kRoom) + "}");
  json_t* list = json_object_get(reply, "participants");
  assert_true(json_is_array(list));
  std::set<int> ids;
  for (size_t i = 0; i < json_array_size(list); ++i)
    ids.insert(
        static_cast<int>(json_integer_value(json_object_get(json_array_get(list, i), "id"))));
  json_decref(reply);
  return ids;
}

bool is_joined(const json_t* event) {
  return json_string_value(json_object_get(event, "conference")) == std::string("joined");
}

bool is_result(const json_t* event) {
  return json_object_get(event, "result") != nullptr;
}

int setup_plugin(void** /*state*/) {
  plugin = create();
  // No configuration file there: the plugin's defaults.
  if (plugin->init(RefusingGateway::callbacks(), "/nonexistent") != 0) return -1;
  barrier_handle = open_handle();
  json_t* created =
      request(barrier_handle, R"({"request": "create", "room": )" + std::to_string(kRoom) +
                                  R"(, "allow_rtp_participants": true})");
  const bool ok = kind(created) == "created";
  json_decref(created);
  return ok ? 0 : -1;
}

int teardown_plugin(void** /*state*/) {
  close_handle(barrier_handle);
  plugin->destroy();
  RefusingGateway::instance().reset();
  return 0;
}

int fresh_gateway(void** /*state*/) {
  RefusingGateway::instance().reset();
  return 0;
}

void test_join_ends_in_one_joined(void** /*state*/) {
  janus_plugin_session* a = open_handle();
  post(a, "join-a", join(11));
  drain();
  expect_joined(a, "join-a", 11);
  assert_true(participants() == std::set<int>{11});
  post(a, "leave-a", R"({"request": "leave"})");
  drain();
  json_t* left = only_event(a, "leave-a");
  assert_string_equal(kind(left).c_str(), "left");
  json_decref(left);
  assert_true(participants().empty());
  close_handle(a);
}

void test_refused_joined_undoes_the_join(void** /*state*/) {
  RefusingGateway& gateway = RefusingGateway::instance();
  janus_plugin_session* witness = open_handle();
  janus_plugin_session* b = open_handle();
  post(witness, "join-witness", join(21));
  drain();
  expect_joined(witness, "join-witness", 21);

  gateway.refuse_next(b, is_joined);
  post(b, "join-b", join(22));
  drain();
  auto refused = gateway.refused(b, "join-b");
  assert_int_equal(refused.size(), 1);
  assert_string_equal(kind(refused.front()).c_str(), "joined");
  release(refused);
  expect_error(b, "join-b", conf::kErrUnknown);
  assert_true(participants() == std::set<int>{21});
  // Nobody was told about a participant whose join was undone.
  auto notices = gateway.delivered(witness, "");
  assert_int_equal(notices.size(), 0);

  // Undone in the session too: the same handle joins again with the same id.
  post(b, "rejoin-b", join(22));
  drain();
  expect_joined(b, "rejoin-b", 22);
  assert_true(participants() == (std::set<int>{21, 22}));
  close_handle(b);
  close_handle(witness);
  assert_true(participants().empty());
}

void test_refused_configure_ends_in_one_error(void** /*state*/) {
  RefusingGateway& gateway = RefusingGateway::instance();
  janus_plugin_session* a = open_handle();
  post(a, "join-a", join(31));
  drain();
  expect_joined(a, "join-a", 31);

  gateway.refuse_next(a, is_result);
  post(a, "configure-refused", R"({"request": "configure", "muted": true})");
  drain();
  auto refused = gateway.refused(a, "configure-refused");
  assert_int_equal(refused.size(), 1);
  release(refused);
  expect_error(a, "configure-refused", conf::kErrUnknown);

  post(a, "configure", R"({"request": "configure", "muted": false})");
  drain();
  json_t* event = only_event(a, "configure");
  assert_string_equal(json_string_value(json_object_get(event, "result")), "ok");
  json_decref(event);
  close_handle(a);
}

void test_invalid_async_requests_end_in_one_error_each(void** /*state*/) {
  janus_plugin_session* a = open_handle();
  janus_plugin_session* b = open_handle();
  post(a, "join-a", join(41));
  const std::string room = std::to_string(kRoom);
  post(b, "no-room", R"({"request": "join"})");
  post(b, "unknown-room", R"({"request": "join", "room": 999999})");
  post(b, "bad-ip",
       R"({"request": "join", "room": )" + room + R"(, "rtp": {"ip": "nowhere", "port": 9}})");
  post(b, "bad-sdp", R"({"request": "join", "room": )" + room + "}",
       R"({"type": "offer", "sdp": "not an SDP"})");
  post(b, "taken-id", join(41));
  post(b, "configure-unjoined", R"({"request": "configure", "muted": true})");
  post(b, "leave-unjoined", R"({"request": "leave"})");
  post(a, "join-twice", join(42));
  drain();
  expect_joined(a, "join-a", 41);
  expect_error(b, "no-room", conf::kErrMissingElement);
  expect_error(b, "unknown-room", conf::kErrNoSuchRoom);
  expect_error(b, "bad-ip", conf::kErrInvalidElement);
  expect_error(b, "bad-sdp", conf::kErrInvalidSdp);
  expect_error(b, "taken-id", conf::kErrIdExists);
  expect_error(b, "configure-unjoined", conf::kErrNotJoined);
  expect_error(b, "leave-unjoined", conf::kErrNotJoined);
  expect_error(a, "join-twice", conf::kErrAlreadyJoined);
  // Nothing else went to either handle.
  assert_int_equal(RefusingGateway::instance().delivered_count(a), 2);
  assert_int_equal(RefusingGateway::instance().delivered_count(b), 7);
  assert_true(participants() == std::set<int>{41});
  close_handle(b);
  close_handle(a);
}

void test_invalid_sync_requests_reply_once(void** /*state*/) {
  janus_plugin_session* a = open_handle();
  const struct {
    const char* text;
    int code;
  } cases[] = {
      {"", conf::kErrNoMessage},
      {R"({})", conf::kErrMissingElement},
      {R"({"request": 7})", conf::kErrInvalidElement},
      {R"({"request": "dance"})", conf::kErrInvalidRequest},
      {R"({"request": "listparticipants", "room": 999999})", conf::kErrNoSuchRoom},
      {R"({"request": "mute", "room": 1234, "id": 999})", conf::kErrNoSuchUser},
  };
  for (const auto& c : cases) {
    json_t* reply = request(a, c.text);
    assert_int_equal(error_code(reply), c.code);
    json_decref(reply);
  }
  drain();
  assert_int_equal(RefusingGateway::instance().delivered_count(a), 0);
  close_handle(a);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_join_ends_in_one_joined, fresh_gateway),
      cmocka_unit_test_setup(test_refused_joined_undoes_the_join, fresh_gateway),
      cmocka_unit_test_setup(test_refused_configure_ends_in_one_error, fresh_gateway),
      cmocka_unit_test_setup(test_invalid_async_requests_end_in_one_error_each, fresh_gateway),
      cmocka_unit_test_setup(test_invalid_sync_requests_reply_once, fresh_gateway),
  };
  return cmocka_run_group_tests(tests, setup_plugin, teardown_plugin);
}
