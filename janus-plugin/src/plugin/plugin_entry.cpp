// The C ABI Janus loads: create() and the janus_plugin callbacks. Each
// callback only finds the session and hands over to requests.cpp / the room.
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"
#include "events.h"
#include "janus_api.h"
#include "link_watchdog.h"
#include "log.h"
#include "media_watchdog.h"
#include "monotonic.h"
#include "plugin_config.h"
#include "plugin_stats.h"
#include "requests.h"
#include "rooms.h"
#include "rtp.h"
#include "tick_pool.h"

namespace conf {

namespace {

constexpr int kVersion = 1;
constexpr const char* kVersionString = "0.1.0";
constexpr const char* kPackage = "janus.plugin.conference";

std::atomic<bool> initialized{false};
std::atomic<bool> stopping{false};

}  // namespace

Plugin& plugin() {
  static Plugin instance;
  return instance;
}

// Producers on other threads notify under the lock, here and in the glue's workers: the lock
// orders the notify before the owner's join, so the owner may destroy the condition variable
// right after (TSan saw a Janus request thread's late notify race the plugin's exit).
void Plugin::post(std::function<void()> task) {
  std::lock_guard lock(queue_mutex_);
  if (stopping_) return;
  queue_.push_back(std::move(task));
  queue_cv_.notify_one();
}

void Plugin::start_worker() {
  stopping_ = false;
  worker_ = std::thread([this] {
    std::unique_lock lock(queue_mutex_);
    for (;;) {
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      auto task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  });
}

void Plugin::stop_worker() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

std::shared_ptr<Session> Plugin::find_session(janus_plugin_session* handle) {
  std::shared_lock lock(sessions_mutex);
  auto it = sessions.find(handle);
  return it == sessions.end() ? nullptr : it->second;
}

WebRtcOutput::WebRtcOutput(janus_callbacks* gateway, janus_plugin_session* handle, bool outbox)
    : gateway_(gateway), handle_(handle) {
  janus_refcount_increase(&handle_->ref);
  if (outbox) {
    outbox_ = std::make_unique<mcu::RelayOutbox>([this](const uint8_t* p, size_t len, int level) {
      relay(p, len, false, payload_type, level);
    });
  }
}

WebRtcOutput::~WebRtcOutput() {
  plugin().mix_drained += drained();
  plugin().mix_overdue += overdue();
  plugin().mix_waited_us += waited_us();
  janus_refcount_decrease(&handle_->ref);
}

void WebRtcOutput::send(const uint8_t* packet, size_t len, int level) {
  if (outbox_)
    outbox_->hold(packet, len, level);
  else
    relay(packet, len, false, payload_type, level);
}

void WebRtcOutput::idle() {
  if (outbox_) outbox_->release();
}

void WebRtcOutput::drain() {
  if (outbox_) outbox_->drain();
}

void WebRtcOutput::send(const uint8_t* packet, size_t len) {
  relay(packet, len, true, video_payload_type, -1);
}

void WebRtcOutput::relay(const uint8_t* packet, size_t len, bool video, int pt, int level) {
  if (!ready || g_atomic_int_get(&handle_->stopped) || len < 12) return;
  char buffer[1500];
  if (len > sizeof(buffer)) return;
  std::memcpy(buffer, packet, len);
  // The negotiated payload type can change on renegotiation.
  buffer[1] = static_cast<char>((packet[1] & 0x80) | (pt & 0x7f));
  janus_plugin_rtp rtp;
  janus_plugin_rtp_extensions_reset(&rtp.extensions);
  rtp.mindex = -1;
  rtp.video = video ? TRUE : FALSE;
  rtp.buffer = buffer;
  rtp.length = static_cast<uint16_t>(len);
  if (level >= 0) {
    rtp.extensions.audio_level = static_cast<int8_t>(level);
    rtp.extensions.audio_level_vad = level < 127;
  }
  gateway_->relay_rtp(handle_, &rtp);
}

void WebRtcOutput::request_keyframe(bool full_intra_request) {
  if (!ready || g_atomic_int_get(&handle_->stopped)) return;
  if (!full_intra_request) {
    gateway_->send_pli(handle_);
    return;
  }
  // The core has no FIR helper; it fixes up our SSRC on the way out.
  char fir[20];
  const size_t len =
      mcu::write_rtcp_fir(reinterpret_cast<uint8_t*>(fir), sizeof(fir), 1, video_ssrc, fir_seq_++);
  if (len == 0) return;
  janus_plugin_rtcp rtcp;
  rtcp.mindex = -1;
  rtcp.video = TRUE;
  rtcp.buffer = fir;
  rtcp.length = static_cast<uint16_t>(len);
  gateway_->relay_rtcp(handle_, &rtcp);
}

void WebRtcOutput::cap_bitrate(uint32_t bps) {
  if (!ready || g_atomic_int_get(&handle_->stopped)) return;
  gateway_->send_remb(handle_, bps);
}

}  // namespace conf

using namespace conf;

extern "C" {

static int conf_init(janus_callbacks* callback, const char* config_path) {
  if (callback == nullptr || config_path == nullptr) return -1;
  Plugin& pl = plugin();
  pl.gateway = callback;
  std::vector<RoomOptions> rooms;
  std::string error;
  const std::string path = std::string(config_path) + "/" + kPackage + ".jcfg";
  if (!load_config(path, &pl.settings, &rooms, &error)) {
    log(Level::kError, "configuration error: %s", error.c_str());
    return -1;
  }
  std::shared_ptr<const mcu::CaptionFont> font =
      mcu::CaptionFont::open(pl.settings.caption_font, &error);
  if (!font) {
    log(Level::kError, "general.caption_font: %s (install fonts-dejavu-core or set another font)",
        error.c_str());
    return -1;
  }
  pl.caption_font = std::move(font);
  pl.reactor = std::make_unique<UdpReactor>();
  if (!pl.reactor->ok()) {
    log(Level::kError, "cannot start the plain RTP reader");
    return -1;
  }
  if (!mcu::TickPool::configure_shared(static_cast<unsigned>(pl.settings.tick_threads))) {
    log(Level::kWarn, "tick_threads ignored: the tick threads were started before");
  }
  log(Level::kInfo, "%u tick threads (%s)", mcu::TickPool::shared().size(),
      pl.settings.tick_threads > 0 ? "tick_threads" : "one per usable CPU");
  pl.start_worker();
  for (auto& options : rooms) {
    ParseError e;
    if (!create_room(options, &e))
      log(Level::kWarn, "skipping room from %s: %s", path.c_str(), e.message.c_str());
  }
  start_stats_events(pl.settings.stats_interval);
  start_media_watchdog(pl.settings.media_timeout, pl.settings.offer_timeout);
  start_link_watchdog();
  initialized = true;
  log(Level::kInfo,
      "%s %s initialized (%zu rooms from %s; plain RTP ports %u-%u, max_rooms %d, %u tick "
      "threads)",
      kPackage, kVersionString, rooms.size(), path.c_str(), pl.settings.rtp.port_min,
      pl.settings.rtp.port_max, pl.settings.max_rooms, mcu::TickPool::shared().size());
  return 0;
}

static void conf_destroy() {
  if (!initialized) return;
  stopping = true;
  Plugin& pl = plugin();
  stop_stats_events();
  stop_media_watchdog();
  stop_link_watchdog();
  pl.stop_worker();
  destroy_all_rooms();
  pl.reactor->stop();
  {
    std::unique_lock lock(pl.sessions_mutex);
    pl.sessions.clear();
  }
  pl.reactor.reset();
  initialized = false;
  stopping = false;
  log(Level::kInfo, "%s destroyed", kPackage);
}

static int conf_get_api_compatibility() {
  return JANUS_PLUGIN_API_VERSION;
}
static int conf_get_version() {
  return kVersion;
}
static const char* conf_get_version_string() {
  return kVersionString;
}
static const char* conf_get_description() {
  return "MCU for Matrix conferences: Opus mixed with mix-minus, VP8 composited and encoded once";
}
static const char* conf_get_name() {
  return "Conference MCU";
}
static const char* conf_get_author() {
  return "janus-conference developers";
}
static const char* conf_get_package() {
  return kPackage;
}

static void conf_create_session(janus_plugin_session* handle, int* error) {
  if (stopping || !initialized) {
    *error = -1;
    return;
  }
  auto session = std::make_shared<Session>(handle);
  janus_refcount_increase(&handle->ref);
  Plugin& pl = plugin();
  std::unique_lock lock(pl.sessions_mutex);
  handle->plugin_handle = session.get();
  pl.sessions[handle] = std::move(session);
  *error = 0;
}

static void conf_destroy_session(janus_plugin_session* handle, int* error) {
  Plugin& pl = plugin();
  std::shared_ptr<Session> session;
  {
    std::unique_lock lock(pl.sessions_mutex);
    auto it = pl.sessions.find(handle);
    if (it == pl.sessions.end()) {
      *error = -2;
      return;
    }
    session = std::move(it->second);
    pl.sessions.erase(it);
  }
  session->destroyed = true;
  participant_gone(*session, "handle destroyed");
  {
    std::lock_guard lock(session->mutex);
    session->webrtc.reset();
  }
  handle->plugin_handle = nullptr;
  janus_refcount_decrease(&handle->ref);
  *error = 0;
}

static json_t* conf_query_session(janus_plugin_session* handle) {
  auto session = plugin().find_session(handle);
  if (!session) return nullptr;
  json_t* info = json_object();
  std::lock_guard lock(session->mutex);
  if (auto p = session->participant) {
    json_object_set_new(info, "id", json_integer(static_cast<json_int_t>(p->id)));
    json_object_set_new(info, "display", json_string(p->display().c_str()));
    json_object_set_new(info, "muted", json_boolean(p->muted.load()));
    if (auto room = p->room.lock()) json_object_set_new(info, "room", room_json(room->options.id));
    const auto stats = p->inbound->stats();
    json_t* in = json_object();
    json_object_set_new(in, "received", json_integer(static_cast<json_int_t>(stats.received)));
    json_object_set_new(in, "lost", json_integer(static_cast<json_int_t>(stats.lost)));
    json_object_set_new(in, "late", json_integer(static_cast<json_int_t>(stats.late)));
    json_object_set_new(in, "duplicates", json_integer(static_cast<json_int_t>(stats.duplicates)));
    json_object_set_new(in, "malformed",
                        json_integer(static_cast<json_int_t>(stats.malformed + p->rtp_malformed)));
    json_object_set_new(in, "decodes_skipped",
                        json_integer(static_cast<json_int_t>(p->inbound->skipped_decodes())));
    json_object_set_new(info, "inbound", in);
  }
  json_object_set_new(info, "destroyed", json_boolean(session->destroyed.load()));
  return info;
}

static janus_plugin_result* conf_handle_message(janus_plugin_session* handle, char* transaction,
                                                json_t* message, json_t* jsep) {
  if (stopping || !initialized) {
    json_decref(message);
    if (jsep != nullptr) json_decref(jsep);
    return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "Shutting down", nullptr);
  }
  auto session = plugin().find_session(handle);
  if (!session) {
    json_decref(message);
    if (jsep != nullptr) json_decref(jsep);
    return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "No session associated with this handle",
                                   nullptr);
  }
  if (message == nullptr) {
    return janus_plugin_result_new(JANUS_PLUGIN_OK, nullptr,
                                   make_error(kErrNoMessage, "No message"));
  }
  bool async = false;
  json_t* reply = handle_request(session, transaction, message, jsep, &async);
  if (async) return janus_plugin_result_new(JANUS_PLUGIN_OK_WAIT, "Processing", nullptr);
  return janus_plugin_result_new(JANUS_PLUGIN_OK, nullptr, reply);
}

static void conf_setup_media(janus_plugin_session* handle) {
  auto session = plugin().find_session(handle);
  if (!session) return;
  std::shared_ptr<Participant> p;
  {
    std::lock_guard lock(session->mutex);
    if (session->webrtc) session->webrtc->ready = true;
    p = session->participant;
  }
  if (!p) return;
  p->last_media_us = mcu::monotonic_us();
  log(Level::kInfo, "participant %llu (%s): WebRTC media is up",
      static_cast<unsigned long long>(p->id), p->display().c_str());
  auto room = p->room.lock();
  if (room && room->video) room->video->viewer_ready();
}

static std::shared_ptr<Participant> session_participant(janus_plugin_session* handle) {
  auto session = plugin().find_session(handle);
  if (!session) return nullptr;
  std::lock_guard lock(session->mutex);
  return session->participant;
}

static void conf_incoming_rtp(janus_plugin_session* handle, janus_plugin_rtp* packet) {
  auto p = session_participant(handle);
  if (!p || !p->inbound) return;
  // This thread is awake anyway: the mix waiting for this listener goes out now.
  if (p->webrtc) p->webrtc->drain();
  const int64_t now = mcu::monotonic_us();
  p->last_media_us.store(now, std::memory_order_relaxed);
  mcu::RtpPacketView view;
  if (!mcu::parse_rtp(reinterpret_cast<const uint8_t*>(packet->buffer), packet->length, 0, &view)) {
    ++p->rtp_malformed;
    return;
  }
  if (packet->video) {
    auto video = p->video_in.load();
    if (!video) return;
    if (p->webrtc) p->webrtc->video_ssrc = view.ssrc;
    video->insert(view, now);
    return;
  }
  // The core has already read the negotiated RFC 6464 extension.
  view.audio_level = packet->extensions.audio_level;
  view.voice_activity = packet->extensions.audio_level_vad;
  p->inbound->insert(view, now);
}

// Viewers' key frame requests for the composite; the core answers NACKs itself.
static void conf_incoming_rtcp(janus_plugin_session* handle, janus_plugin_rtcp* packet) {
  auto p = session_participant(handle);
  if (p) p->last_media_us.store(mcu::monotonic_us(), std::memory_order_relaxed);
  if (p && p->webrtc) p->webrtc->drain();
  if (!packet->video) return;
  auto room = p ? p->room.lock() : nullptr;
  if (!room || !room->video) return;
  mcu::RtcpBlock blocks[16];
  const int n =
      mcu::split_rtcp(reinterpret_cast<const uint8_t*>(packet->buffer), packet->length, blocks, 16);
  for (int i = 0; i < n; ++i) {
    if (mcu::rtcp_is_keyframe_request(blocks[i])) {
      room->video->request_keyframe();
      return;
    }
  }
}
static void conf_incoming_data(janus_plugin_session*, janus_plugin_data*) {}
static void conf_data_ready(janus_plugin_session*) {}
static void conf_slow_link(janus_plugin_session*, int, gboolean, gboolean) {}

static void conf_hangup_media(janus_plugin_session* handle) {
  auto session = plugin().find_session(handle);
  if (!session) return;
  {
    std::lock_guard lock(session->mutex);
    if (session->webrtc) session->webrtc->ready = false;
    session->webrtc.reset();
  }
  // A WebRTC participant without a PeerConnection is gone from the mix; a
  // plain-RTP one never had one.
  bool webrtc = false;
  {
    std::lock_guard lock(session->mutex);
    webrtc = session->participant && session->participant->webrtc;
  }
  if (webrtc) participant_gone(*session, "PeerConnection closed");
}

static json_t* conf_handle_admin_message(json_t* message) {
  if (stopping || !initialized) return make_error(kErrUnknown, "Plugin not initialized");
  return handle_admin_request(message);
}

static janus_plugin conference_plugin = {
    .init = conf_init,
    .destroy = conf_destroy,
    .get_api_compatibility = conf_get_api_compatibility,
    .get_version = conf_get_version,
    .get_version_string = conf_get_version_string,
    .get_description = conf_get_description,
    .get_name = conf_get_name,
    .get_author = conf_get_author,
    .get_package = conf_get_package,
    .create_session = conf_create_session,
    .handle_message = conf_handle_message,
    .handle_admin_message = conf_handle_admin_message,
    .setup_media = conf_setup_media,
    .incoming_rtp = conf_incoming_rtp,
    .incoming_rtcp = conf_incoming_rtcp,
    .incoming_data = conf_incoming_data,
    .data_ready = conf_data_ready,
    .slow_link = conf_slow_link,
    .hangup_media = conf_hangup_media,
    .destroy_session = conf_destroy_session,
    .query_session = conf_query_session,
};

__attribute__((visibility("default"))) janus_plugin* create(void) {
  plugin().self = &conference_plugin;
  return &conference_plugin;
}

}  // extern "C"
