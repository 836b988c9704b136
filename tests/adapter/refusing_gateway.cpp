#include "refusing_gateway.h"

#include <chrono>

namespace {

gboolean events_disabled() {
  return FALSE;
}

}  // namespace

RefusingGateway& RefusingGateway::instance() {
  static RefusingGateway gateway;
  return gateway;
}

janus_callbacks* RefusingGateway::callbacks() {
  // Only what the adapter calls on requests; the media callbacks stay null.
  static janus_callbacks callbacks = {
      .push_event = push_event,
      .relay_rtp = nullptr,
      .relay_rtcp = nullptr,
      .relay_data = nullptr,
      .send_pli = nullptr,
      .send_pli_stream = nullptr,
      .send_remb = nullptr,
      .close_pc = nullptr,
      .end_session = nullptr,
      .events_is_enabled = events_disabled,
      .notify_event = nullptr,
      .auth_is_signed = nullptr,
      .auth_is_signature_valid = nullptr,
      .auth_signature_contains = nullptr,
  };
  return &callbacks;
}

int RefusingGateway::push_event(janus_plugin_session* handle, janus_plugin* /*plugin*/,
                                const char* transaction, json_t* message, json_t* /*jsep*/) {
  return instance().push(handle, transaction, message);
}

int RefusingGateway::push(janus_plugin_session* handle, const char* transaction, json_t* event) {
  bool refuse = false;
  {
    std::lock_guard lock(mutex_);
    refuse = refuse_handle_ == handle && refuse_match_ && refuse_match_(event);
    if (refuse) {
      refuse_handle_ = nullptr;
      refuse_match_ = nullptr;
    }
    // A copy, not a reference like the core's: the test thread then never
    // counts references on an object the plugin's worker is releasing.
    pushes_.push_back(
        {handle, transaction != nullptr ? transaction : "", json_deep_copy(event), !refuse});
  }
  pushed_.notify_all();
  return refuse ? JANUS_ERROR_SESSION_NOT_FOUND : JANUS_OK;
}

void RefusingGateway::refuse_next(janus_plugin_session* handle,
                                  std::function<bool(const json_t*)> match) {
  std::lock_guard lock(mutex_);
  refuse_handle_ = handle;
  refuse_match_ = std::move(match);
}

std::vector<json_t*> RefusingGateway::events(janus_plugin_session* handle,
                                             const std::string& transaction, bool delivered) {
  std::lock_guard lock(mutex_);
  std::vector<json_t*> out;
  for (const Push& p : pushes_) {
    if (p.handle == handle && p.transaction == transaction && p.delivered == delivered)
      out.push_back(json_incref(p.event));
  }
  return out;
}

std::vector<json_t*> RefusingGateway::delivered(janus_plugin_session* handle,
                                                const std::string& transaction) {
  return events(handle, transaction, true);
}

std::vector<json_t*> RefusingGateway::refused(janus_plugin_session* handle,
                                              const std::string& transaction) {
  return events(handle, transaction, false);
}

size_t RefusingGateway::delivered_count(janus_plugin_session* handle) {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const Push& p : pushes_) n += p.handle == handle && p.delivered ? 1 : 0;
  return n;
}

bool RefusingGateway::wait_delivered(janus_plugin_session* handle, const std::string& transaction,
                                     int timeout_ms) {
  std::unique_lock lock(mutex_);
  return pushed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    for (const Push& p : pushes_) {
      if (p.handle == handle && p.transaction == transaction && p.delivered) return true;
    }
    return false;
  });
}

void RefusingGateway::reset() {
  std::lock_guard lock(mutex_);
  for (Push& p : pushes_) json_decref(p.event);
  pushes_.clear();
  refuse_handle_ = nullptr;
  refuse_match_ = nullptr;
}
