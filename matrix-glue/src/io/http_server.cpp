#include "as_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstring>

namespace glue {

namespace {

constexpr size_t kMaxBody = 16 * 1024 * 1024 + 1;

struct Upload {
  std::string body;
  bool too_large = false;
};

MHD_Result respond(MHD_Connection* connection, const HttpResponse& r) {
  MHD_Response* response = MHD_create_response_from_buffer(
      r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, "Content-Type", r.content_type.c_str());
  const MHD_Result ret = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
  MHD_destroy_response(response);
  return ret;
}

MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method,
                      const char* /*version*/, const char* upload_data, size_t* upload_size,
                      void** con_cls) {
  auto* server = static_cast<AsServer*>(cls);
  auto* upload = static_cast<Upload*>(*con_cls);
  if (upload == nullptr) {
    *con_cls = new Upload;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (upload->body.size() + *upload_size > kMaxBody) {
      upload->too_large = true;
    } else {
      upload->body.append(upload_data, *upload_size);
    }
    *upload_size = 0;
    return MHD_YES;
  }
  HttpRequest request;
  request.method = method;
  request.path = url;
  request.body = std::move(upload->body);
  const char* auth = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Authorization");
  if (auth != nullptr) request.authorization = auth;
  const char* token =
      MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "access_token");
  if (token != nullptr) request.access_token = token;
  if (upload->too_large)
    return respond(connection, matrix_error(413, "M_TOO_LARGE", "Body too large"));
  return respond(connection, server->router().handle(request));
}

void on_completed(void* /*cls*/, MHD_Connection* /*connection*/, void** con_cls,
                  MHD_RequestTerminationCode /*code*/) {
  delete static_cast<Upload*>(*con_cls);
  *con_cls = nullptr;
}

}  // namespace

AsServer::~AsServer() {
  stop();
}

bool AsServer::start(const std::string& bind_address, int port, std::string* error) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, bind_address.c_str(), &addr.sin_addr) != 1) {
    *error = "bind_address must be a numeric IPv4 address: " + bind_address;
    return false;
  }
  daemon_ = MHD_start_daemon(
      MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, static_cast<uint16_t>(port), nullptr,
      nullptr, &on_request, this, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED,
      &on_completed, nullptr, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
  if (daemon_ == nullptr) {
    *error = "cannot listen on " + bind_address + ":" + std::to_string(port);
    return false;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info != nullptr ? info->port : port;
  return true;
}

void AsServer::stop() {
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
}

}  // namespace glue
