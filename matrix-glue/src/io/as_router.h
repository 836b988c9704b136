// The Application Service API as the homeserver calls it, minus the sockets:
// a request in, a response out. Paths in both forms (/_matrix/app/v1/... and
// the legacy unprefixed ones), the hs_token from `Authorization: Bearer` or the
// legacy `access_token` query parameter, Matrix error codes for everything
// else. The HTTP server (as_server) only moves bytes.
#pragma once

#include <jansson.h>

#include <functional>
#include <string>

namespace glue {

struct HttpRequest {
  std::string method;
  std::string path;           // decoded, without the query string
  std::string authorization;  // the Authorization header, if any
  std::string access_token;   // the access_token query parameter, if any
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body = "{}";
};

struct AsHandlers {
  // A transaction's events (a JSON array). Returns false if they could not be
  // recorded durably: the homeserver then retries.
  std::function<bool(const std::string& txn_id, json_t* events)> transaction;
  // Whether a user ID in our namespace exists (or was just provisioned).
  std::function<bool(const std::string& user_id)> user_exists;
  // Prometheus text for GET /metrics.
  std::function<std::string()> metrics;
};

class AsRouter {
 public:
  AsRouter(std::string hs_token, AsHandlers handlers);
  HttpResponse handle(const HttpRequest& request) const;

 private:
  bool authorized(const HttpRequest& request, HttpResponse* denial) const;
  std::string hs_token_;
  AsHandlers handlers_;
};

// Compares in time independent of where the strings differ.
bool constant_time_equal(const std::string& a, const std::string& b);

HttpResponse matrix_error(int status, const char* errcode, const std::string& message);

}  // namespace glue
