#include "as_router.h"

#include <memory>

namespace glue {

namespace {

constexpr size_t kMaxTransactionBytes = 16 * 1024 * 1024;

struct JsonDeleter {
  void operator()(json_t* j) const { json_decref(j); }
};
using JsonPtr = std::unique_ptr<json_t, JsonDeleter>;

// The part of `path` after the route in either prefix form.
bool strip_route(const std::string& path, const std::string& route, std::string* rest) {
  for (const std::string& prefix : {"/_matrix/app/v1/" + route, "/" + route}) {
    if (path.rfind(prefix, 0) == 0) {
      *rest = path.substr(prefix.size());
      return true;
    }
  }
  return false;
}

}  // namespace

bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = a.size() > b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

HttpResponse matrix_error(int status, const char* errcode, const std::string& message) {
  JsonPtr j(json_pack("{s:s, s:s%}", "errcode", errcode, "error", message.data(), message.size()));
  char* text = json_dumps(j.get(), JSON_COMPACT);
  HttpResponse r{status, "application/json", text != nullptr ? text : "{}"};
  free(text);
  return r;
}

AsRouter::AsRouter(std::string hs_token, AsHandlers handlers)
    : hs_token_(std::move(hs_token)), handlers_(std::move(handlers)) {}

bool AsRouter::authorized(const HttpRequest& request, HttpResponse* denial) const {
  std::string token = request.access_token;
  const std::string bearer = "Bearer ";
  if (request.authorization.rfind(bearer, 0) == 0)
    token = request.authorization.substr(bearer.size());
  if (token.empty()) {
    *denial = matrix_error(401, "M_MISSING_TOKEN", "Missing hs_token");
    return false;
  }
  if (!constant_time_equal(token, hs_token_)) {
    *denial = matrix_error(403, "M_FORBIDDEN", "Bad hs_token");
    return false;
  }
  return true;
}

HttpResponse AsRouter::handle(const HttpRequest& request) const {
  if (request.path == "/metrics") {
    if (request.method != "GET") return matrix_error(405, "M_UNRECOGNIZED", "Use GET");
    return {200, "text/plain; version=0.0.4", handlers_.metrics ? handlers_.metrics() : ""};
  }
  std::string rest;
  enum class Route { kTransaction, kUser, kRoom, kPing, kNone } route = Route::kNone;
  if (strip_route(request.path, "transactions/", &rest)) {
    route = Route::kTransaction;
  } else if (strip_route(request.path, "users/", &rest)) {
    route = Route::kUser;
  } else if (strip_route(request.path, "rooms/", &rest)) {
    route = Route::kRoom;
  } else if (request.path == "/_matrix/app/v1/ping") {
    route = Route::kPing;
  }
  if (route == Route::kNone) return matrix_error(404, "M_UNRECOGNIZED", "Unrecognized request");

  HttpResponse denial;
  if (!authorized(request, &denial)) return denial;

  switch (route) {
    case Route::kTransaction: {
      if (request.method != "PUT") return matrix_error(405, "M_UNRECOGNIZED", "Use PUT");
      if (rest.empty() || rest.find('/') != std::string::npos) {
        return matrix_error(400, "M_INVALID_PARAM", "Bad transaction ID");
      }
      if (request.body.size() > kMaxTransactionBytes) {
        return matrix_error(413, "M_TOO_LARGE", "Transaction too large");
      }
      json_error_t error;
      JsonPtr body(json_loadb(request.body.data(), request.body.size(), 0, &error));
      if (!body || !json_is_object(body.get())) {
        return matrix_error(400, "M_NOT_JSON",
                            std::string("Body is not a JSON object: ") + error.text);
      }
      json_t* events = json_object_get(body.get(), "events");
      if (!json_is_array(events)) return matrix_error(400, "M_BAD_JSON", "events must be an array");
      if (!handlers_.transaction(rest, events)) {
        return matrix_error(500, "M_UNKNOWN", "Could not record the transaction; retry later");
      }
      return {200, "application/json", "{}"};
    }
    case Route::kUser:
      if (request.method != "GET") return matrix_error(405, "M_UNRECOGNIZED", "Use GET");
      if (handlers_.user_exists && handlers_.user_exists(rest))
        return {200, "application/json", "{}"};
      return matrix_error(404, "M_NOT_FOUND", "No such user in this namespace");
    case Route::kRoom:
      if (request.method != "GET") return matrix_error(405, "M_UNRECOGNIZED", "Use GET");
      return matrix_error(404, "M_NOT_FOUND", "This service has no room aliases");
    case Route::kPing:
      if (request.method != "POST") return matrix_error(405, "M_UNRECOGNIZED", "Use POST");
      return {200, "application/json", "{}"};
    case Route::kNone:
      break;
  }
  return matrix_error(404, "M_UNRECOGNIZED", "Unrecognized request");
}

}  // namespace glue
