// JanusWorker tells a Janus that restarted (every session gone: JanusLost, once) from one
// session that Janus dropped (JanusCallGone for that call only), and notices a restart between
// two of its checks. Janus is a TEST DOUBLE here: forgetting sessions on cue, between two checks
// or while a call's long poll waits, is what no real Janus shows on cue (the end-to-end test
// SIGKILLs and restarts the real one).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "janus_worker.h"
#include "loopback_listener.h"
#include "metrics.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

using namespace std::chrono_literals;

// TEST DOUBLE of Janus' HTTP API: sessions and handles get new IDs; a request on a session it
// does not know (any more) gets Janus' 458; a long poll on a known session is held until the
// session is forgotten (then 458) or for half a second (then a keepalive).
class ForgettingJanus {
 public:
  ForgettingJanus() {
    if (!listener_.listening()) fail_msg("listen");
  }

  std::string url() const { return listener_.url(); }

  int sessions_created() {
    std::lock_guard lock(mutex_);
    return created_;
  }
  int handles_attached() {
    std::lock_guard lock(mutex_);
    return attached_;
  }
  // A restart: every session is gone.
  void forget_all() {
    std::lock_guard lock(mutex_);
    known_.clear();
  }
  // Only this session is gone (e.g. its session_timeout ran out).
  void forget(std::uint64_t session) {
    std::lock_guard lock(mutex_);
    known_.erase(session);
  }

 private:
  bool known(std::uint64_t session) {
    std::lock_guard lock(mutex_);
    return known_.contains(session);
  }

  std::string answer(const std::string& method, const std::string& path, const std::string& body) {
    const std::string kNoSession =
        R"({"janus":"error","error":{"code":458,"reason":"No such session"}})";
    const std::string prefix = "/janus/";
    const std::uint64_t session =
        path.rfind(prefix, 0) == 0 ? std::strtoull(path.c_str() + prefix.size(), nullptr, 10) : 0;
    if (method == "GET") {
      for (int i = 0; i < 10 && known(session); ++i) std::this_thread::sleep_for(50ms);
      return known(session) ? R"({"janus":"keepalive"})" : kNoSession;
    }
    if (session == 0) {  // create
      std::lock_guard lock(mutex_);
      const std::uint64_t id = next_id_++;
      known_.insert(id);
      ++created_;
      return R"({"janus":"success","data":{"id":)" + std::to_string(id) + "}}";
    }
    if (!known(session)) return kNoSession;
    if (body.find("\"keepalive\"") != std::string::npos) return R"({"janus":"ack"})";
    std::lock_guard lock(mutex_);
    if (body.find("\"attach\"") != std::string::npos) ++attached_;
    return R"({"janus":"success","data":{"id":)" + std::to_string(next_id_++) + "}}";
  }

  void serve(int fd) {
    std::string request;
    char buf[4096];
    size_t head_end;
    while ((head_end = request.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        close(fd);
        return;
      }
      request.append(buf, static_cast<size_t>(n));
    }
    size_t length = 0;
    const size_t at = request.find("Content-Length: ");
    if (at != std::string::npos && at < head_end)
      length = std::strtoul(&request[at + 16], nullptr, 10);
    while (request.size() < head_end + 4 + length) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    const size_t method_end = request.find(' ');
    const size_t path_end = request.find_first_of(" ?", method_end + 1);
    const std::string body = answer(request.substr(0, method_end),
                                    request.substr(method_end + 1, path_end - method_end - 1),
                                    request.substr(head_end + 4));
    respond_json(fd, body);
  }

  std::mutex mutex_;
  std::set<std::uint64_t> known_;
  std::uint64_t next_id_ = 1000;
  int created_ = 0;
  int attached_ = 0;
  // Last: destroyed (its threads joined) before the members serve() uses.
  LoopbackListener listener_{[this](int fd) { serve(fd); }};
};

// What the worker posted to the core.
struct Posted {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<glue::Event> events;

  glue::JanusWorker::Post post() {
    return [this](glue::Event e) {
      std::lock_guard lock(mutex);
      events.push_back(std::move(e));
      cv.notify_all();
    };
  }

  template <typename T>
  std::vector<T> of() {
    std::lock_guard lock(mutex);
    std::vector<T> out;
    for (const glue::Event& e : events) {
      if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    }
    return out;
  }

  // Waits up to `timeout` for an event of type T; how long it took, or fails.
  template <typename T>
  std::chrono::milliseconds wait_for(std::chrono::milliseconds timeout, const char* what) {
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex);
    const bool seen = cv.wait_for(lock, timeout, [&] {
      for (const glue::Event& e : events) {
        if (std::holds_alternative<T>(e)) return true;
      }
      return false;
    });
    if (!seen) fail_msg("no %s within %lld ms", what, static_cast<long long>(timeout.count()));
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0);
  }
};

void wait_until(const std::function<bool()>& done, const char* what) {
  for (int i = 0; i < 200 && !done(); ++i) std::this_thread::sleep_for(10ms);
  if (!done()) fail_msg("%s", what);
}

// A worker on a ForgettingJanus, declared in the order the tests want them destroyed (the worker
// first, the double last).
struct Rig {
  ForgettingJanus janus;
  glue::Metrics metrics;
  glue::JanusInstanceGauges gauges{"j1"};
  Posted posted;
  glue::JanusWorker worker{{janus.url(), "", ""}, 5000ms, metrics, gauges, posted.post()};
};

// Janus restarted between two checks, no call up: the next check (at most 5 s later) finds the
// control session unknown and reports JanusLost once, then makes a new control session.
void test_restart_between_checks(void**) {
  Rig rig;
  rig.worker.start();
  wait_until([&] { return rig.janus.handles_attached() == 1; }, "no control session");
  rig.janus.forget_all();
  const auto took = rig.posted.wait_for<glue::JanusLost>(7000ms, "JanusLost");
  std::fprintf(stderr, "restart noticed after %lld ms\n", static_cast<long long>(took.count()));
  const auto lost = rig.posted.of<glue::JanusLost>();
  assert_int_equal(lost.size(), 1);
  assert_non_null(std::strstr(lost[0].reason.c_str(), "restarted"));
  // The instance is named, and its gauge says down until Janus answers again.
  assert_string_equal(lost[0].instance.c_str(), "j1");
  wait_until([&] { return rig.janus.handles_attached() == 2; }, "no new control session");
  wait_until([&] { return rig.gauges.up == 1; }, "instance not up again");
  rig.worker.stop();
  assert_int_equal(rig.posted.of<glue::JanusLost>().size(), 1);
}

// A call's long poll answered 458 because Janus restarted: JanusLost at once, not a
// JanusCallGone for the call (which the core would take for a lost PeerConnection).
void test_call_poll_finds_janus_restarted(void**) {
  Rig rig;
  rig.worker.start();
  wait_until([&] { return rig.janus.handles_attached() == 1; }, "no control session");
  rig.worker.submit(glue::JanusAttach{7, "@fs_x:example.org"});
  rig.posted.wait_for<glue::JanusAttached>(3000ms, "JanusAttached");
  rig.janus.forget_all();
  const auto took = rig.posted.wait_for<glue::JanusLost>(2500ms, "JanusLost");
  std::fprintf(stderr, "restart noticed after %lld ms\n", static_cast<long long>(took.count()));
  std::this_thread::sleep_for(1500ms);
  rig.worker.stop();
  assert_int_equal(rig.posted.of<glue::JanusLost>().size(), 1);
  assert_int_equal(rig.posted.of<glue::JanusCallGone>().size(), 0);
}

// Janus is up but dropped one call's session: that call is gone, Janus is not lost.
void test_one_session_gone(void**) {
  Rig rig;
  rig.worker.start();
  rig.worker.submit(glue::JanusAttach{7, "@fs_x:example.org"});
  rig.posted.wait_for<glue::JanusAttached>(3000ms, "JanusAttached");
  rig.janus.forget(rig.posted.of<glue::JanusAttached>()[0].session_id);
  rig.posted.wait_for<glue::JanusCallGone>(2500ms, "JanusCallGone");
  rig.worker.stop();
  const auto gone = rig.posted.of<glue::JanusCallGone>();
  assert_int_equal(gone.size(), 1);
  assert_int_equal(gone[0].call, 7);
  assert_string_equal(gone[0].reason.c_str(), "Janus session gone");
  assert_int_equal(rig.posted.of<glue::JanusLost>().size(), 0);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_restart_between_checks),
      cmocka_unit_test(test_call_poll_finds_janus_restarted),
      cmocka_unit_test(test_one_session_gone),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
