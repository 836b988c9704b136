// matrix-glue: the conference focus Application Service. See --help.
#include <jansson.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "as_router.h"
#include "clock.h"
#include "engine.h"
#include "focus_id.h"
#include "glue_config.h"
#include "http_server.h"
#include "logger.h"
#include "metrics.h"
#include "ops_router.h"
#include "private_file.h"
#include "registration.h"
#include "store.h"

namespace {

constexpr const char* kUsage =
    R"(matrix-glue: a Matrix Application Service that runs conference calls
through Janus (janus.plugin.conference). A user starts a conference in a group
room by inviting the room's focus user and calling it; everyone else in the
room joins by calling the same focus user.

Usage:
  matrix-glue run -c FILE
      Run the service with the configuration FILE (matrix-glue.jcfg; see
      conf/matrix-glue.jcfg.sample). Logs go to stderr. SIGTERM or SIGINT stop it.

  matrix-glue generate-registration [-c FILE] [--url URL] [--server-name NAME]
                                    [--prefix PREFIX] [-o OUT]
      Write the registration YAML for the homeserver (to OUT, else stdout).
      With -c, its tokens, server name, prefix and listening address are used;
      without, new random tokens are made and the matching lines for
      matrix-glue.jcfg are printed on stderr.

  matrix-glue focus-id [-c FILE | --server-name NAME] [--prefix PREFIX] [--legacy] ROOM_ID
      Print the focus user ID of a room: @<prefix><base32 of the room ID>:<server>.
      --legacy prints the historic base64 form instead. Without -c or
      --server-name, the room ID's own server name is used.

  matrix-glue --help | --version
)";

int usage_error(const std::string& message) {
  fprintf(stderr, "matrix-glue: %s\nTry 'matrix-glue --help'.\n", message.c_str());
  return 2;
}

struct Args {
  std::string command;
  std::string config;
  std::string url;
  std::string server_name;
  std::string prefix;
  std::string out;
  bool legacy = false;
  std::vector<std::string> positional;
};

bool parse_args(int argc, char** argv, Args* a, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        *error = arg + " needs a value";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    if (arg == "-c" || arg == "--config") {
      if (!value(&a->config)) return false;
    } else if (arg == "--url") {
      if (!value(&a->url)) return false;
    } else if (arg == "--server-name") {
      if (!value(&a->server_name)) return false;
    } else if (arg == "--prefix") {
      if (!value(&a->prefix)) return false;
    } else if (arg == "-o" || arg == "--output") {
      if (!value(&a->out)) return false;
    } else if (arg == "--legacy") {
      a->legacy = true;
    } else if (!arg.empty() && arg[0] == '-' && arg != "--help" && arg != "--version") {
      *error = "unknown option " + arg;
      return false;
    } else if (a->command.empty()) {
      a->command = arg;
    } else {
      a->positional.push_back(arg);
    }
  }
  return true;
}

int focus_id(const Args& a) {
  if (a.positional.size() != 1) return usage_error("focus-id takes one room ID");
  const std::string& room = a.positional[0];
  if (!glue::is_plausible_room_id(room)) return usage_error("not a room ID: " + room);
  std::string server = a.server_name;
  std::string prefix = a.prefix.empty() ? "fs_" : a.prefix;
  if (!a.config.empty()) {
    glue::GlueConfig cfg;
    std::string error;
    if (!glue::load_config(a.config, &cfg, &error)) return usage_error(error);
    server = cfg.server_name;
    if (a.prefix.empty()) prefix = cfg.focus_prefix;
  }
  if (server.empty()) {
    const auto colon = room.find(':');
    if (colon == std::string::npos) return usage_error("give --server-name for this room ID");
    server = room.substr(colon + 1);
  }
  printf("%s\n", (a.legacy ? glue::make_legacy_focus_user_id(room, prefix, server)
                           : glue::make_focus_user_id(room, prefix, server))
                     .c_str());
  return 0;
}

int generate_registration(const Args& a) {
  glue::Registration r;
  bool fresh_tokens = true;
  if (!a.config.empty()) {
    glue::GlueConfig cfg;
    std::string error;
    if (!glue::load_config(a.config, &cfg, &error)) return usage_error(error);
    r.as_token = cfg.as_token;
    r.hs_token = cfg.hs_token;
    r.server_name = cfg.server_name;
    r.prefix = cfg.focus_prefix;
    r.url = "http://" + cfg.bind_address + ":" + std::to_string(cfg.port);
    fresh_tokens = false;
  } else {
    r.as_token = glue::random_token();
    r.hs_token = glue::random_token();
    r.url = "http://127.0.0.1:8090";
  }
  if (!a.url.empty()) r.url = a.url;
  if (!a.server_name.empty()) r.server_name = a.server_name;
  if (!a.prefix.empty()) r.prefix = a.prefix;
  if (r.server_name.empty()) return usage_error("give --server-name or -c");
  const std::string yaml = glue::registration_yaml(r);
  if (a.out.empty()) {
    fputs(yaml.c_str(), stdout);
  } else {
    std::string error;
    if (!glue::write_private_file(a.out, yaml, &error)) return usage_error("cannot write " + error);
  }
  if (fresh_tokens) {
    fprintf(stderr,
            "# matrix-glue.jcfg, general: { ... }\n\tserver_name = \"%s\"\n\tas_token = "
            "\"%s\"\n\ths_token = \"%s\"\n",
            r.server_name.c_str(), r.as_token.c_str(), r.hs_token.c_str());
  }
  return 0;
}

int run(const Args& a) {
  if (a.config.empty()) return usage_error("run needs -c FILE");
  glue::GlueConfig cfg;
  std::string error;
  std::vector<std::string> warnings;
  if (!glue::load_config(a.config, &cfg, &error, &warnings)) {
    fprintf(stderr, "matrix-glue: %s\n", error.c_str());
    return 1;
  }
  glue::set_log_level(cfg.log_level);
  glue::set_log_format(cfg.log_format == "json" ? glue::LogFormat::kJson : glue::LogFormat::kText);
  for (const std::string& w : warnings) glue::log_line(glue::Severity::kWarn, "%s", w.c_str());

  // Signals are taken by sigwait() below, not by whichever thread they hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  glue::Metrics metrics;
  glue::Engine engine(cfg, metrics);
  if (!engine.start(&error)) {
    glue::log_line(glue::Severity::kError, "%s", error.c_str());
    return 1;
  }
  glue::Store as_store;  // the AS thread's own connection
  if (!as_store.open(cfg.database, &error)) {
    glue::log_line(glue::Severity::kError, "%s", error.c_str());
    return 1;
  }
  glue::AsHandlers handlers;
  handlers.transaction = [&](const std::string& txn, json_t* events) {
    std::vector<glue::InboxEvent> batch;
    size_t i;
    json_t* ev;
    json_array_foreach(events, i, ev) {
      const char* id = json_string_value(json_object_get(ev, "event_id"));
      if (id == nullptr) continue;
      char* text = json_dumps(ev, JSON_COMPACT);
      batch.push_back({0, id, text != nullptr ? text : "{}", glue::now_ms()});
      free(text);
    }
    const int added = as_store.record_transaction(txn, batch, glue::now_ms());
    if (added < 0) {
      glue::log_line(glue::Severity::kError, "transaction %s not recorded: database error",
                     txn.c_str());
      return false;
    }
    ++metrics.transactions;
    metrics.events_received += static_cast<uint64_t>(added);
    glue::log_line(glue::Severity::kDebug, "transaction %s: %zu events, %d new", txn.c_str(),
                   batch.size(), added);
    if (added > 0) engine.inbox_changed();
    return true;
  };
  handlers.user_exists = [&](const std::string& user_id) {
    if (!glue::parse_focus_user_id(user_id, cfg.focus_prefix, cfg.server_name)) return false;
    return engine.matrix().provision_user(user_id);
  };
  glue::AsRouter router(cfg.hs_token, handlers);
  glue::HttpServerLimits limits;
  limits.max_connections = static_cast<unsigned>(cfg.max_connections);
  limits.max_body_bytes = cfg.max_body_bytes;
  glue::HttpServer server(router, limits);
  if (!server.start(cfg.bind_address, cfg.port, &error)) {
    glue::log_line(glue::Severity::kError, "%s", error.c_str());
    return 1;
  }
  std::string pool;
  for (const glue::JanusInstanceConfig& in : cfg.janus_instances) {
    pool += (pool.empty() ? "" : ", ") + in.name + " " + in.endpoint.url + " (weight " +
            std::to_string(in.weight) + ")";
  }
  glue::log_line(glue::Severity::kInfo, "matrix-glue listening on %s:%d for %s; Janus: %s",
                 cfg.bind_address.c_str(), server.port(), cfg.homeserver_url.c_str(), pool.c_str());
  glue::OpsRouter ops([&] { return metrics.render(); });
  glue::HttpServerLimits ops_limits;
  ops_limits.max_connections = 8;
  ops_limits.max_body_bytes = 0;
  glue::HttpServer ops_server(ops, ops_limits);
  if (cfg.metrics_port != 0) {
    if (!ops_server.start(cfg.metrics_bind_address, cfg.metrics_port, &error)) {
      glue::log_line(glue::Severity::kError, "metrics listener: %s", error.c_str());
      return 1;
    }
    glue::log_line(glue::Severity::kInfo, "/metrics and /health on %s:%d",
                   cfg.metrics_bind_address.c_str(), ops_server.port());
  }

  std::thread engine_thread([&engine] { engine.run(); });
  int sig = 0;
  sigwait(&signals, &sig);
  glue::log_line(glue::Severity::kInfo, "signal %d: stopping", sig);
  ops_server.stop();
  server.stop();
  engine.stop();
  engine_thread.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  std::string error;
  if (!parse_args(argc, argv, &args, &error)) return usage_error(error);
  if (args.command.empty() || args.command == "--help" || args.command == "help") {
    fputs(kUsage, stdout);
    return args.command.empty() ? 2 : 0;
  }
  if (args.command == "--version") {
    puts("matrix-glue 0.1.0");
    return 0;
  }
  if (args.command == "run") return run(args);
  if (args.command == "focus-id") return focus_id(args);
  if (args.command == "generate-registration") return generate_registration(args);
  return usage_error("unknown command " + args.command);
}
