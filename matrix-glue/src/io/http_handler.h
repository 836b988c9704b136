// What an HttpServer asks of the application behind it, and the request and response it
// passes: the server only moves bytes.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

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
  std::vector<std::pair<std::string, std::string>> headers = {};  // besides Content-Type
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Called with the request's head (no body yet): a response refuses the request there, and
  // its body is never read, so that strangers cannot make the server buffer anything.
  virtual std::optional<HttpResponse> screen(const HttpRequest& head) const = 0;
  // The whole request, after screen() let it through.
  virtual HttpResponse handle(const HttpRequest& request) const = 0;
};

}  // namespace glue
