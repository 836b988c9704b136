#include "ops_router.h"

#include "as_router.h"

namespace glue {

std::optional<HttpResponse> OpsRouter::screen(const HttpRequest& head) const {
  if (head.path != "/metrics" && head.path != "/health") {
    return matrix_error(404, "M_UNRECOGNIZED", "Unrecognized request");
  }
  if (head.method != "GET") return matrix_error(405, "M_UNRECOGNIZED", "Use GET");
  return std::nullopt;
}

HttpResponse OpsRouter::handle(const HttpRequest& request) const {
  if (std::optional<HttpResponse> refused = screen(request)) return *refused;
  if (request.path == "/health") return {200, "application/json", R"({"status":"ok"})"};
  return {200, "text/plain; version=0.0.4", metrics_()};
}

}  // namespace glue
