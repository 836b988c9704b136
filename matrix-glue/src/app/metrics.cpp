#include "metrics.h"

#include <cstdio>

namespace glue {

void Metrics::observe_setup_ms(double ms) {
  std::lock_guard lock(mutex_);
  ++setup_count_;
  setup_sum_ms_ += ms;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (ms <= kBounds[i]) ++buckets_[i];
  }
}

namespace {

// A Prometheus label value: backslash, double quote and newline escaped.
std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

}  // namespace

void Metrics::render_instances(std::string* out) const {
  struct Family {
    const char* name;
    const char* help;
    int64_t (*value)(const JanusInstanceGauges&);
  };
  static constexpr Family kFamilies[] = {
      {"glue_janus_instance_up", "1 if the Janus instance answered its last health check.",
       [](const JanusInstanceGauges& g) -> int64_t { return g.up; }},
      {"glue_janus_instance_weight", "The Janus instance's configured capacity weight.",
       [](const JanusInstanceGauges& g) -> int64_t { return g.weight; }},
      {"glue_janus_instance_participants", "Calls with a session on the Janus instance.",
       [](const JanusInstanceGauges& g) -> int64_t { return g.participants; }},
      {"glue_janus_instance_conferences", "Conference rooms the glue has on the Janus instance.",
       [](const JanusInstanceGauges& g) -> int64_t { return g.conferences; }},
  };
  for (const Family& f : kFamilies) {
    *out += std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name + " gauge\n";
    for (const JanusInstanceGauges& g : janus_instances) {
      *out += std::string(f.name) + "{instance=\"" + label_value(g.name) + "\"} " +
              std::to_string(f.value(g)) + "\n";
    }
  }
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
  gauge("glue_conferences", "Janus conference rooms in use.", conferences);
  gauge("glue_outbox_pending", "Client-server requests waiting to be sent.", outbox_pending);
  render_instances(&out);
  std::lock_guard lock(mutex_);
  out += "# HELP glue_call_setup_ms m.call.invite received to m.call.answer sent.\n";
  out += "# TYPE glue_call_setup_ms histogram\n";
  for (size_t i = 0; i < kBounds.size(); ++i) {
    char line[96];
    snprintf(line, sizeof(line), "glue_call_setup_ms_bucket{le=\"%g\"} %llu\n", kBounds[i],
             static_cast<unsigned long long>(buckets_[i]));
    out += line;
  }
  out += "glue_call_setup_ms_bucket{le=\"+Inf\"} " + std::to_string(setup_count_) + "\n";
  char sum[64];
  snprintf(sum, sizeof(sum), "%.3f", setup_sum_ms_);
  out += std::string("glue_call_setup_ms_sum ") + sum + "\n";
  out += "glue_call_setup_ms_count " + std::to_string(setup_count_) + "\n";
  return out;
}

}  // namespace glue
