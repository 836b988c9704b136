// The Application Service API as the homeserver calls it, minus the sockets:
// a request in, a response out. Paths in both forms (/_matrix/app/v1/... and
// the legacy unprefixed ones), the hs_token from `Authorization: Bearer` or the
// legacy `access_token` query parameter, Matrix error codes for everything
// else. Everything but the body is judged before the body is read (screen).
#pragma once

#include <jansson.h>

#include <functional>
#include <optional>
#include <string>

#include "http_handler.h"

namespace glue {

struct AsHandlers {
  // A transaction's events (a JSON array). Returns false if they could not be
  // recorded durably: the homeserver then retries.
  std::function<bool(const std::string& txn_id, json_t* events)> transaction;
  // Whether a user ID in our namespace exists (or was just provisioned).
  std::function<bool(const std::string& user_id)> user_exists;
};

class AsRouter : public HttpHandler {
 public:
  AsRouter(std::string hs_token, AsHandlers handlers);
  // Unknown paths, wrong methods, missing or wrong tokens, bad transaction IDs.
  std::optional<HttpResponse> screen(const HttpRequest& head) const override;
  HttpResponse handle(const HttpRequest& request) const override;

 private:
  bool authorized(const HttpRequest& request, HttpResponse* denial) const;
  std::string hs_token_;
  AsHandlers handlers_;
};

// Compares in time independent of where the strings differ.
bool constant_time_equal(const std::string& a, const std::string& b);

HttpResponse matrix_error(int status, const char* errcode, const std::string& message);

}  // namespace glue
