// HTTP server (libmicrohttpd) in front of an HttpHandler: a request's head is screened before
// any of its body is read, bodies are capped, and so is the number of connections.
#pragma once

#include <cstddef>
#include <string>

#include "http_handler.h"

struct MHD_Daemon;

namespace glue {

struct HttpServerLimits {
  unsigned max_connections = 32;  // more are closed at once
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  unsigned idle_timeout_s = 30;  // a connection that sends nothing for this long is closed
};

class HttpServer {
 public:
  HttpServer(const HttpHandler& handler, HttpServerLimits limits)
      : handler_(handler), limits_(limits) {}
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `port` 0: any free port (see port()).
  bool start(const std::string& bind_address, int port, std::string* error);
  void stop();
  int port() const { return port_; }

  const HttpHandler& handler() const { return handler_; }
  const HttpServerLimits& limits() const { return limits_; }

 private:
  const HttpHandler& handler_;
  const HttpServerLimits limits_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace glue
