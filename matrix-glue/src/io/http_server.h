// HTTP server for the Application Service API (libmicrohttpd): collects the
// request, hands it to the AsRouter, writes the response.
#pragma once

#include <string>

#include "as_router.h"

struct MHD_Daemon;

namespace glue {

class AsServer {
 public:
  explicit AsServer(const AsRouter& router) : router_(router) {}
  ~AsServer();
  AsServer(const AsServer&) = delete;
  AsServer& operator=(const AsServer&) = delete;

  bool start(const std::string& bind_address, int port, std::string* error);
  void stop();
  int port() const { return port_; }

  const AsRouter& router() const { return router_; }

 private:
  const AsRouter& router_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace glue
