// The plugin's live state: rooms, participants and Janus handles (sessions),
// and who owns what. Lock order: Plugin::rooms_mutex -> Room::mutex ->
// Session::mutex. Media threads only take Plugin::sessions_mutex (shared) and
// Session::mutex, briefly.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "caption_font.h"
#include "forward_socket.h"
#include "janus_api.h"
#include "plain_rtp_endpoint.h"
#include "relay_outbox.h"
#include "room_audio.h"
#include "room_options.h"
#include "room_video.h"
#include "udp_reactor.h"

namespace conf {

struct Room;

// A WebRTC participant's PeerConnection as the media core sees it: where its
// audio mix and the room's video composite go, and where key frame requests
// and REMB for its camera go. Holds a reference on the Janus handle, so a
// PeerConnection going away mid-packet is harmless. With an outbox the mix
// waits for the handle's own loop thread (drain() from incoming RTP/RTCP),
// which Janus need not wake for it.
class WebRtcOutput : public mcu::AudioOutput, public mcu::VideoViewer, public mcu::VideoFeedback {
 public:
  WebRtcOutput(janus_callbacks* gateway, janus_plugin_session* handle, bool outbox);
  ~WebRtcOutput() override;
  void send(const uint8_t* packet, size_t len, int level) override;
  void idle() override;
  void drain();
  // Mix packets relayed by the loop thread and by the mixer thread (outbox only).
  uint64_t drained() const { return outbox_ ? outbox_->drained() : 0; }
  uint64_t overdue() const { return outbox_ ? outbox_->overdue() : 0; }
  uint64_t waited_us() const { return outbox_ ? outbox_->waited_us() : 0; }
  void send(const uint8_t* packet, size_t len) override;
  void request_keyframe(bool full_intra_request) override;
  void cap_bitrate(uint32_t bps) override;
  std::atomic<bool> ready{false};           // between setup_media and hangup_media
  std::atomic<int> payload_type{111};       // the negotiated Opus payload type
  std::atomic<int> video_payload_type{96};  // the negotiated VP8 payload type
  std::atomic<uint32_t> video_ssrc{0};      // the participant's camera, for FIR

 private:
  // level: RFC 6464 level for audio, -1 for video.
  void relay(const uint8_t* packet, size_t len, bool video, int pt, int level);

  janus_callbacks* gateway_;
  janus_plugin_session* handle_;
  std::atomic<uint8_t> fir_seq_{0};
  std::unique_ptr<mcu::RelayOutbox> outbox_;  // null: the mixer thread relays
};

struct Participant {
  uint64_t id = 0;
  std::atomic<bool> muted{false};
  std::weak_ptr<Room> room;
  std::shared_ptr<mcu::ParticipantAudio> inbound;
  // Null unless it sends video; replaced on renegotiation while media threads read it.
  std::atomic<std::shared_ptr<mcu::ParticipantVideo>> video_in;
  std::atomic<bool> video_muted{false};
  std::shared_ptr<WebRtcOutput> webrtc;     // WebRTC participants
  std::shared_ptr<PlainRtpEndpoint> plain;  // plain RTP participants
  int plain_audio_level_ext = 0;
  // A link to a linked room on another instance (join with link: true): plain
  // RTP, always mixed, not counted as one of the room's people.
  bool link = false;
  int link_timeout_s = 0;  // 0: never lost
  std::atomic<uint64_t> rtp_malformed{0};
  // When its last RTP or RTCP arrived (monotonic µs). WebRTC: set when the PC
  // comes up; a link: set on join and on configure (the far end's change).
  std::atomic<int64_t> last_media_us{0};
  // Join with generate_offer: when the plugin's offer went out (monotonic µs),
  // 0 once answered or when the peer offered.
  std::atomic<int64_t> offer_sent_us{0};
  bool offered_video = false;  // that offer had a video m-line
  bool setup() const { return plain != nullptr || (webrtc && webrtc->ready); }
  // configure changes it on the worker while Janus' threads read it.
  std::string display() const {
    std::lock_guard lock(display_mutex_);
    return display_;
  }
  void set_display(std::string value) {
    std::lock_guard lock(display_mutex_);
    display_ = std::move(value);
  }

 private:
  mutable std::mutex display_mutex_;
  std::string display_;
};

struct Session {
  explicit Session(janus_plugin_session* h) : handle(h) {}
  janus_plugin_session* handle;
  std::mutex mutex;
  std::shared_ptr<Participant> participant;  // guarded by mutex
  std::shared_ptr<WebRtcOutput> webrtc;      // guarded by mutex; lives as long as the PC
  std::atomic<bool> destroyed{false};
};

// An rtp_forward destination of a room's mix.
struct RoomForwarder {
  std::string host;
  uint16_t port = 0;
  mcu::ForwarderOptions options;
  std::shared_ptr<ForwardSocket> socket;
};

struct Room {
  RoomOptions options;
  std::unique_ptr<mcu::RoomAudio> audio;
  std::unique_ptr<mcu::RoomVideo> video;  // null for an audio-only room
  std::mutex mutex;
  // Participant ID -> (participant, its session; null session for none).
  std::map<uint64_t, std::pair<std::shared_ptr<Participant>, std::weak_ptr<Session>>> members;
  std::atomic<bool> destroyed{false};
  std::atomic<bool> muted{false};  // mute_room: nobody is mixed
  std::mutex recording_mutex;      // one request at a time starts or stops the recording
  std::mutex forwarders_mutex;
  std::map<uint32_t, RoomForwarder> forwarders;  // by stream_id; guarded by forwarders_mutex
};

struct PluginSettings {
  std::string admin_key;
  // Rooms that may exist at once (0: no limit). Without an admin_key anyone
  // who reaches Janus' API can create rooms, so this is on by default.
  int max_rooms = 100;
  // Threads that run every room's mixer and compositor ticks (0: one per core).
  int tick_threads = 0;
  // Seconds between stats sent to Janus' event handlers (0: none).
  int stats_interval = 60;
  // Seconds without RTP or RTCP after which a WebRTC participant's PC is closed (0: never).
  int media_timeout = 30;
  // Seconds the plugin's offer (join with generate_offer) waits for its answer
  // before the participant is taken out and its PeerConnection closed (0: for ever).
  int offer_timeout = 90;
  bool events = true;
  bool string_ids = false;
  // WebRTC listeners' mix goes out from their own Janus loop thread
  // (webrtc_audio_relay = "outbox"), not from the mixer thread ("tick").
  bool audio_outbox = true;
  // The font of the names on video tiles (TrueType, OpenType, ...).
  std::string caption_font = mcu::kDefaultCaptionFont;
  PlainRtpSettings rtp;
  RoomOptions room_defaults;
};

class Plugin {
 public:
  janus_callbacks* gateway = nullptr;
  janus_plugin* self = nullptr;
  PluginSettings settings;

  std::shared_mutex sessions_mutex;
  std::unordered_map<janus_plugin_session*, std::shared_ptr<Session>> sessions;

  std::mutex rooms_mutex;
  std::map<std::string, std::shared_ptr<Room>> rooms;

  std::unique_ptr<UdpReactor> reactor;
  std::shared_ptr<const mcu::CaptionFont> caption_font;  // loaded by init
  // Mix packets of WebRTC outputs that are gone (WebRtcOutput::drained/overdue/waited_us).
  std::atomic<uint64_t> mix_drained{0};
  std::atomic<uint64_t> mix_overdue{0};
  std::atomic<uint64_t> mix_waited_us{0};

  // Asynchronous work (join/configure/leave, notifications) runs here, off
  // Janus' request threads and off the mixer threads.
  void post(std::function<void()> task);
  void start_worker();
  void stop_worker();

  std::shared_ptr<Session> find_session(janus_plugin_session* handle);

 private:
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

Plugin& plugin();

}  // namespace conf
