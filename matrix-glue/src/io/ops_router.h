// The operator's endpoints, on their own listener (loopback by default), apart from the
// Application Service API that the homeserver reaches: GET /metrics (Prometheus text) and
// GET /health.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "http_handler.h"

namespace glue {

class OpsRouter : public HttpHandler {
 public:
  explicit OpsRouter(std::function<std::string()> metrics) : metrics_(std::move(metrics)) {}
  std::optional<HttpResponse> screen(const HttpRequest& head) const override;
  HttpResponse handle(const HttpRequest& request) const override;

 private:
  std::function<std::string()> metrics_;
};

}  // namespace glue
