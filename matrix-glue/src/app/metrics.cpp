#include "metrics.h"

#include <cstdio>

namespace glue {

void Metrics::observe_setup_seconds(double seconds) {
  std::lock_guard lock(mutex_);
  ++setup_count_;
  setup_sum_seconds_ += seconds;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) ++buckets_[i];
  }
}

void Metrics::set_state(const StateGauges& gauges) {
  std::lock_guard lock(mutex_);
  state_ = gauges;
}

namespace {

// From CMake (matrix-glue/src/app/CMakeLists.txt); the commit is empty outside a git clone.
constexpr const char* kBuildVersion = MCU_BUILD_VERSION;
constexpr const char* kBuildCommit = MCU_BUILD_COMMIT;

// A Prometheus label value: backslash, double quote and newline escaped.
std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

// A sample value: integers as such (up to 2^53 exactly), fractions with their digits.
std::string sample(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

}  // namespace

void Metrics::render_instances(std::string* out) const {
  struct Family {
    const char* name;
    const char* help;
    double (*value)(const JanusInstanceGauges&);
    const char* type = "gauge";
  };
  static constexpr Family kFamilies[] = {
      {"glue_janus_instance_up", "1 if the Janus instance answered its last health check.",
       [](const JanusInstanceGauges& g) -> double { return g.up; }},
      {"glue_janus_instance_weight", "The Janus instance's configured capacity weight.",
       [](const JanusInstanceGauges& g) -> double { return g.weight; }},
      {"glue_janus_instance_participants", "Calls with a session on the Janus instance.",
       [](const JanusInstanceGauges& g) -> double { return static_cast<double>(g.participants); }},
      {"glue_janus_instance_conferences", "Conference rooms the glue has on the Janus instance.",
       [](const JanusInstanceGauges& g) -> double { return static_cast<double>(g.conferences); }},
      {"glue_janus_instance_reported_participants",
       "Participants in all the Janus instance's rooms, as its plugin reported them last.",
       [](const JanusInstanceGauges& g) -> double {
         return static_cast<double>(g.reported_participants);
       }},
      {"glue_janus_instance_tick_load",
       "The busy share (0 to 1) of the Janus instance's tick threads, as its plugin reported it "
       "last.",
       [](const JanusInstanceGauges& g) -> double { return g.tick_load; }},
      {"glue_rooms_reconciled_total",
       "Leftover rooms of this glue's the reconciliation destroyed on the Janus instance.",
       [](const JanusInstanceGauges& g) -> double {
         return static_cast<double>(g.rooms_reconciled);
       },
       "counter"},
  };
  for (const Family& f : kFamilies) {
    *out +=
        std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n";
    for (const JanusInstanceGauges& g : janus_instances) {
      *out += std::string(f.name) + "{instance=\"" + label_value(g.name) + "\"} " +
              sample(f.value(g)) + "\n";
    }
  }
}

void Metrics::render_state(std::string* out) const {
  auto family = [out](const char* name, const char* help, const auto& names, const auto& values) {
    *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n";
    for (size_t i = 0; i < names.size(); ++i) {
      *out += std::string(name) + "{state=\"" + std::string(names[i]) + "\"} " +
              std::to_string(values[i]) + "\n";
    }
  };
  family("glue_focuses", "Focus users at work, by the stage of their group room.", kFocusStageNames,
         state_.focuses);
  family("glue_calls", "Calls to the focus users, by state.", kCallStateNames, state_.calls);
  *out +=
      "# HELP glue_call_backs_total Call-backs after a failover, by outcome.\n"
      "# TYPE glue_call_backs_total counter\n";
  for (size_t i = 0; i < kCallBackOutcomeNames.size(); ++i) {
    *out += "glue_call_backs_total{outcome=\"" + std::string(kCallBackOutcomeNames[i]) + "\"} " +
            std::to_string(state_.call_backs[i]) + "\n";
  }
  *out +=
      "# HELP glue_participants Callers answered and in their Janus room.\n"
      "# TYPE glue_participants gauge\nglue_participants " +
      std::to_string(state_.participants) + "\n";
  *out +=
      "# HELP glue_cascade_rooms Linked rooms on further Janus instances (cascades), link up.\n"
      "# TYPE glue_cascade_rooms gauge\nglue_cascade_rooms " +
      std::to_string(state_.cascade_rooms) +
      "\n"
      "# HELP glue_cascade_links_total Link set-ups of cascaded rooms, by outcome.\n"
      "# TYPE glue_cascade_links_total counter\n"
      "glue_cascade_links_total{outcome=\"linked\"} " +
      std::to_string(state_.link_setups[0]) + "\nglue_cascade_links_total{outcome=\"failed\"} " +
      std::to_string(state_.link_setups[1]) + "\n";
}

std::string Metrics::render() const {
  std::string out;
  auto counter = [&out](const char* name, const char* help, uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(value) + "\n";
  };
  auto gauge = [&out](const char* name, const char* help, int64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name +
           " " + std::to_string(value) + "\n";
  };
  counter("glue_transactions_total", "Homeserver transactions accepted.", transactions);
  counter("glue_events_received_total", "New events in those transactions.", events_received);
  counter("glue_events_processed_total", "Events handled by the conference logic.",
          events_processed);
  counter("glue_calls_invited_total", "m.call.invite events seen.", calls_invited);
  counter("glue_calls_answered_total", "m.call.answer events sent.", calls_answered);
  counter("glue_calls_refused_total", "Calls refused (m.call.reject or hangup before answer).",
          calls_refused);
  counter("glue_calls_hung_up_total", "m.call.hangup events sent.", calls_hung_up);
  counter("glue_janus_failures_total", "Janus requests that failed.", janus_failures);
  counter("glue_matrix_send_failures_total", "Client-server requests given up on.",
          matrix_send_failures);
  out += std::string("# HELP glue_build_info The running build: version and git commit.\n") +
         "# TYPE glue_build_info gauge\nglue_build_info{version=\"" + label_value(kBuildVersion) +
         "\"" + (*kBuildCommit != '\0' ? ",commit=\"" + label_value(kBuildCommit) + "\"" : "") +
         "} 1\n";
  gauge("glue_conferences", "Janus conference rooms in use.", conferences);
  gauge("glue_outbox_pending", "Client-server requests waiting to be sent.", outbox_pending);
  render_instances(&out);
  std::lock_guard lock(mutex_);
  render_state(&out);
  out += "# HELP glue_call_setup_seconds m.call.invite received to m.call.answer sent.\n";
  out += "# TYPE glue_call_setup_seconds histogram\n";
  for (size_t i = 0; i < kBounds.size(); ++i) {
    char line[96];
    snprintf(line, sizeof(line), "glue_call_setup_seconds_bucket{le=\"%g\"} %llu\n", kBounds[i],
             static_cast<unsigned long long>(buckets_[i]));
    out += line;
  }
  out += "glue_call_setup_seconds_bucket{le=\"+Inf\"} " + std::to_string(setup_count_) + "\n";
  char sum[64];
  snprintf(sum, sizeof(sum), "%.6f", setup_sum_seconds_);
  out += std::string("glue_call_setup_seconds_sum ") + sum + "\n";
  out += "glue_call_setup_seconds_count " + std::to_string(setup_count_) + "\n";
  return out;
}

}  // namespace glue
