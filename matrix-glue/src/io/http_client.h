// Blocking HTTP requests with libcurl, one handle per client object (not
// shared between threads).
#pragma once

#include <atomic>
#include <string>
#include <vector>

typedef void CURL;

namespace glue {

struct HttpResult {
  int status = 0;  // 0: no HTTP answer (connection failed, timed out)
  std::string body;
  std::string error;        // curl's message when status == 0
  std::string retry_after;  // the Retry-After header, if any
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `abort` (when not null) ends the request within about a second once it becomes true.
  HttpResult request(const std::string& method, const std::string& url, const std::string& body,
                     const std::vector<std::string>& headers, long timeout_ms,
                     const std::atomic<bool>* abort = nullptr);

  // Percent-encodes one path segment or query value.
  static std::string escape(const std::string& text);

 private:
  CURL* curl_;
};

}  // namespace glue
