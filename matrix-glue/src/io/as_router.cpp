#include "as_router.h"

#include <memory>

#include "valid_utf8.h"

namespace glue {

namespace {

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

enum class Route { kTransaction, kUser, kRoom, kPing, kNone };

Route route_of(const std::string& path, std::string* rest) {
  if (strip_route(path, "transactions/", rest)) return Route::kTransaction;
  if (strip_route(path, "users/", rest)) return Route::kUser;
  if (strip_route(path, "rooms/", rest)) return Route::kRoom;
  if (path == "/_matrix/app/v1/ping") return Route::kPing;
  return Route::kNone;
}

const char* method_of(Route route) {
  switch (route) {
    case Route::kTransaction:
      return "PUT";
    case Route::kPing:
      return "POST";
    case Route::kUser:
    case Route::kRoom:
    case Route::kNone:
      break;
  }
  return "GET";
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
  const std::string text_ok = valid_utf8(message);
  JsonPtr j(json_pack("{s:s, s:s%}", "errcode", errcode, "error", text_ok.data(), text_ok.size()));
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

std::optional<HttpResponse> AsRouter::screen(const HttpRequest& head) const {
  std::string rest;
  const Route route = route_of(head.path, &rest);
  if (route == Route::kNone) return matrix_error(404, "M_UNRECOGNIZED", "Unrecognized request");
  HttpResponse denial;
  if (!authorized(head, &denial)) return denial;
  if (head.method != method_of(route)) {
    return matrix_error(405, "M_UNRECOGNIZED", std::string("Use ") + method_of(route));
  }
  if (route == Route::kTransaction && (rest.empty() || rest.find('/') != std::string::npos)) {
    return matrix_error(400, "M_INVALID_PARAM", "Bad transaction ID");
  }
  return std::nullopt;
}

HttpResponse AsRouter::handle(const HttpRequest& request) const {
  if (std::optional<HttpResponse> refused = screen(request)) return *refused;
  std::string rest;
  switch (route_of(request.path, &rest)) {
    case Route::kTransaction: {
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
      if (handlers_.user_exists && handlers_.user_exists(rest))
        return {200, "application/json", "{}"};
      return matrix_error(404, "M_NOT_FOUND", "No such user in this namespace");
    case Route::kRoom:
      return matrix_error(404, "M_NOT_FOUND", "This service has no room aliases");
    case Route::kPing:
      return {200, "application/json", "{}"};
    case Route::kNone:
      break;
  }
  return matrix_error(404, "M_UNRECOGNIZED", "Unrecognized request");
}

}  // namespace glue
