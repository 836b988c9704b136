#include "http_client.h"

#include <curl/curl.h>

namespace glue {

namespace {

size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// libcurl calls it about once a second even while no data flows; non-zero aborts.
int check_abort(void* abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(abort)->load() ? 1 : 0;
}

}  // namespace

HttpClient::HttpClient() : curl_(curl_easy_init()) {}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);
}

std::string HttpClient::escape(const std::string& text) {
  char* e = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = e != nullptr ? e : "";
  curl_free(e);
  return out;
}

HttpResult HttpClient::request(const std::string& method, const std::string& url,
                               const std::string& body, const std::vector<std::string>& headers,
                               long timeout_ms, const std::atomic<bool>* abort) {
  HttpResult result;
  if (curl_ == nullptr) {
    result.error = "curl_easy_init failed";
    return result;
  }
  curl_easy_reset(curl_);
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &result.body);
  if (abort != nullptr) {
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, &check_abort);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(abort));
  }
  if (method != "GET") {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  const CURLcode code = curl_easy_perform(curl_);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    result.status = static_cast<int>(status);
    curl_header* h = nullptr;
    if (curl_easy_header(curl_, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK) {
      result.retry_after = h->value;
    }
  } else {
    result.error = curl_easy_strerror(code);
  }
  curl_slist_free_all(list);
  return result;
}

}  // namespace glue
