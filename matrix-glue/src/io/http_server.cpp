#include "http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstdlib>
#include <cstring>

#include "as_router.h"

namespace glue {

namespace {

// One per request, from its first call to its completion.
struct Upload {
  HttpRequest request;
  bool too_large = false;
};

MHD_Result respond(MHD_Connection* connection, const HttpResponse& r) {
  MHD_Response* response = MHD_create_response_from_buffer(
      r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, "Content-Type", r.content_type.c_str());
  for (const auto& [name, value] : r.headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  const MHD_Result ret = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
  MHD_destroy_response(response);
  return ret;
}

HttpRequest head_of(MHD_Connection* connection, const char* url, const char* method) {
  HttpRequest head;
  head.method = method;
  head.path = url;
  const char* auth = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Authorization");
  if (auth != nullptr) head.authorization = auth;
  const char* token =
      MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "access_token");
  if (token != nullptr) head.access_token = token;
  return head;
}

// The declared length, when there is one and it is a number.
bool declared_length(MHD_Connection* connection, unsigned long long* length) {
  const char* v = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Length");
  if (v == nullptr) return false;
  char* end = nullptr;
  *length = std::strtoull(v, &end, 10);
  return end != v && *end == '\0';
}

HttpResponse too_large() {
  return matrix_error(413, "M_TOO_LARGE", "Body too large");
}

MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method,
                      const char* /*version*/, const char* upload_data, size_t* upload_size,
                      void** con_cls) {
  const auto* server = static_cast<const HttpServer*>(cls);
  auto* upload = static_cast<Upload*>(*con_cls);
  if (upload == nullptr) {
    // The head only: refusing here answers before the body is read (MHD then closes the
    // connection instead of reading the rest).
    HttpRequest head = head_of(connection, url, method);
    if (std::optional<HttpResponse> refused = server->handler().screen(head)) {
      return respond(connection, *refused);
    }
    unsigned long long length = 0;
    if (declared_length(connection, &length) && length > server->limits().max_body_bytes) {
      return respond(connection, too_large());
    }
    *con_cls = new Upload{std::move(head), false};
    return MHD_YES;
  }
  if (*upload_size > 0) {
    // A chunked body has no declared length: what goes beyond the cap is dropped unread.
    if (upload->request.body.size() + *upload_size > server->limits().max_body_bytes) {
      upload->too_large = true;
    } else if (!upload->too_large) {
      upload->request.body.append(upload_data, *upload_size);
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (upload->too_large) return respond(connection, too_large());
  return respond(connection, server->handler().handle(upload->request));
}

void on_completed(void* /*cls*/, MHD_Connection* /*connection*/, void** con_cls,
                  MHD_RequestTerminationCode /*code*/) {
  delete static_cast<Upload*>(*con_cls);
  *con_cls = nullptr;
}

}  // namespace

HttpServer::~HttpServer() {
  stop();
}

bool HttpServer::start(const std::string& bind_address, int port, std::string* error) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, bind_address.c_str(), &addr.sin_addr) != 1) {
    *error = "bind address must be a numeric IPv4 address: " + bind_address;
    return false;
  }
  daemon_ = MHD_start_daemon(
      MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, static_cast<uint16_t>(port), nullptr,
      nullptr, &on_request, this, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED,
      &on_completed, nullptr, MHD_OPTION_CONNECTION_TIMEOUT, limits_.idle_timeout_s,
      MHD_OPTION_CONNECTION_LIMIT, limits_.max_connections, MHD_OPTION_END);
  if (daemon_ == nullptr) {
    *error = "cannot listen on " + bind_address + ":" + std::to_string(port);
    return false;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info != nullptr ? info->port : port;
  return true;
}

void HttpServer::stop() {
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
}

}  // namespace glue
