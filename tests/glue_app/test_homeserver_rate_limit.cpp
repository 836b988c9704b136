// A homeserver that rate-limits the focus for a while (a FAULT DOUBLE: Synapse's own limits
// cannot be made to answer 429 on cue for an Application Service, which it exempts): the join of
// the group room and the events sent land once it recovers, each retry waiting what the
// homeserver asked for, and one room's writes keep their order.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "focus_id.h"
#include "http_server.h"
#include "matrix_worker.h"
#include "metrics.h"
#include "write_description.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

using Clock = std::chrono::steady_clock;

const std::string kServer = "example.org";
const std::string kGroup = "!group:example.org";
const std::string kDm = "!dm:example.org";
const std::string kFocus = glue::make_focus_user_id(kGroup, "fs_", kServer);

int64_t ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// FAULT DOUBLE of a homeserver: answers 429 to joins (retry_after_ms 300) for the first
// `limited_ms`, and to the first event sent with only a Retry-After header of 1 s.
class RateLimitingHomeserver : public glue::HttpHandler {
 public:
  struct Seen {
    std::string method;
    std::string path;
    int64_t at_ms;
    int status;
  };

  explicit RateLimitingHomeserver(int64_t limited_ms) : limited_ms_(limited_ms) {}

  std::optional<glue::HttpResponse> screen(const glue::HttpRequest&) const override {
    return std::nullopt;
  }

  glue::HttpResponse handle(const glue::HttpRequest& request) const override {
    std::lock_guard lock(mutex_);
    const int64_t at = ms_since(t0_);
    glue::HttpResponse r{200, "application/json", "{}"};
    if (request.path.find("/join/") != std::string::npos && at < limited_ms_) {
      r = {429, "application/json",
           R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":300})"};
    } else if (request.path.find("/send/") != std::string::npos && sends_++ == 0) {
      r = {429, "application/json", R"({"errcode":"M_LIMIT_EXCEEDED"})", {{"Retry-After", "1"}}};
    }
    seen_.push_back({request.method, request.path, at, r.status});
    return r;
  }

  std::vector<Seen> seen(const std::string& part) const {
    std::lock_guard lock(mutex_);
    std::vector<Seen> out;
    for (const Seen& s : seen_) {
      if (s.path.find(part) != std::string::npos) out.push_back(s);
    }
    return out;
  }

 private:
  const int64_t limited_ms_;
  const Clock::time_point t0_ = Clock::now();
  mutable std::mutex mutex_;
  mutable int sends_ = 0;
  mutable std::vector<Seen> seen_;
};

struct Posted {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<glue::Event> events;

  std::optional<glue::JoinResult> wait_join(int timeout_ms) {
    std::unique_lock lock(mutex);
    std::optional<glue::JoinResult> found;
    cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
      for (const glue::Event& e : events) {
        if (const auto* j = std::get_if<glue::JoinResult>(&e)) found = *j;
      }
      return found.has_value();
    });
    return found;
  }
};

glue::GlueConfig config_for(int port, const std::string& database) {
  glue::GlueConfig c;
  c.server_name = kServer;
  c.homeserver_url = "http://127.0.0.1:" + std::to_string(port);
  c.as_token = "as_token_0123456789";
  c.hs_token = "hs_token_0123456789";
  c.database = database;
  return c;
}

std::string temp_db() {
  char path[] = "/tmp/glue-ratelimit-XXXXXX";
  if (mkdtemp(path) == nullptr) fail_msg("mkdtemp");
  return std::string(path) + "/glue.sqlite";
}

void test_join_lands_after_rate_limit(void**) {
  // The reported outage: 429 with retry_after_ms 300 for about a second (4 tries' worth).
  RateLimitingHomeserver homeserver(1200);
  glue::HttpServer server(homeserver, glue::HttpServerLimits{});
  std::string error;
  if (!server.start("127.0.0.1", 0, &error)) fail_msg("%s", error.c_str());
  glue::Metrics metrics;
  Posted posted;
  glue::MatrixWorker worker(config_for(server.port(), temp_db()), metrics, [&](glue::Event e) {
    std::lock_guard lock(posted.mutex);
    posted.events.push_back(std::move(e));
    posted.cv.notify_all();
  });
  if (!worker.start(&error)) fail_msg("%s", error.c_str());
  worker.join_room(kFocus, kGroup);
  // Queued behind the join, in the same room, and rate-limited on its own first try.
  assert_true(worker.send_event(kFocus, kGroup, "m.room.message", R"({"body":"one"})", "t.1"));
  assert_true(worker.send_event(kFocus, kGroup, "m.room.message", R"({"body":"two"})", "t.2"));

  const std::optional<glue::JoinResult> joined = posted.wait_join(15000);
  if (!joined) fail_msg("no JoinResult within 15 s");
  assert_true(joined->ok);
  assert_string_equal(joined->room_id.c_str(), kGroup.c_str());

  const auto joins = homeserver.seen("/join/");
  std::fprintf(stderr, "join tries:");
  for (const auto& j : joins) std::fprintf(stderr, " %d@%lldms", j.status, (long long)j.at_ms);
  std::fprintf(stderr, "\n");
  assert_true(joins.size() >= 3);
  assert_int_equal(joins.front().status, 429);
  assert_int_equal(joins.back().status, 200);
  assert_true(joins.back().at_ms >= 1200);
  // Both sides count whole milliseconds on clocks of different phase: 1 ms of rounding.
  constexpr int64_t kRoundingMs = 1;
  for (size_t i = 1; i < joins.size(); ++i) {
    if (joins[i].at_ms - joins[i - 1].at_ms < 300 - kRoundingMs) {
      fail_msg("try %zu came %lld ms after a 429 that asked for 300", i + 1,
               static_cast<long long>(joins[i].at_ms - joins[i - 1].at_ms));
    }
  }

  // The sends: after the join, the first one again no sooner than its Retry-After, in order.
  for (int i = 0; i < 100 && homeserver.seen("/send/").size() < 3; ++i) usleep(50 * 1000);
  const auto sends = homeserver.seen("/send/");
  assert_int_equal(sends.size(), 3);
  assert_true(sends[0].at_ms >= joins.back().at_ms);
  assert_int_equal(sends[0].status, 429);
  assert_true(sends[0].path.find("/t.1") != std::string::npos);
  assert_true(sends[1].path.find("/t.1") != std::string::npos);
  assert_int_equal(sends[1].status, 200);
  if (sends[1].at_ms - sends[0].at_ms < 1000 - kRoundingMs) {
    fail_msg("Retry-After: 1 not honoured: again after %lld ms",
             static_cast<long long>(sends[1].at_ms - sends[0].at_ms));
  }
  assert_true(sends[2].path.find("/t.2") != std::string::npos);
  worker.stop();
}

// A failure's log line names the room the write was for.
void test_write_names_its_room(void**) {
  glue::OutboxRequest join;
  join.kind = "join";
  join.user_id = kFocus;
  join.room_id = kGroup;
  assert_string_equal(glue::describe_write(join, "fs_", kServer).c_str(),
                      ("joining the group room " + kGroup + " as " + kFocus).c_str());
  join.room_id = kDm;
  assert_string_equal(glue::describe_write(join, "fs_", kServer).c_str(),
                      ("joining the 1:1 room " + kDm + " as " + kFocus).c_str());
  glue::OutboxRequest send;
  send.kind = "send";
  send.user_id = kFocus;
  send.room_id = kDm;
  send.path = "/_matrix/client/v3/rooms/%21dm%3Aexample.org/send/m.call.answer/t.7";
  assert_string_equal(glue::describe_write(send, "fs_", kServer).c_str(),
                      ("m.call.answer in the 1:1 room " + kDm + " as " + kFocus).c_str());
  send.kind = "leave";
  send.room_id = kGroup;
  assert_string_equal(glue::describe_write(send, "fs_", kServer).c_str(),
                      ("leaving the group room " + kGroup + " as " + kFocus).c_str());
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_join_lands_after_rate_limit),
      cmocka_unit_test(test_write_names_its_room),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
