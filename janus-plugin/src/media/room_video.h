// One conference room's video: every participant's picture composited into
// one canvas at the room's frame rate on a thread of its own, encoded ONCE
// (VP8) and the same RTP stream sent to every viewer. Transport is left to
// VideoViewer / VideoFeedback, so this runs without Janus.
//
// Every participant has a tile, in join order: a decoded picture scaled with
// its aspect ratio kept, or a marker tile when they send no video, stopped
// sending, or are video-muted. With a caption font, a tile shows its
// participant's display name (tile_caption.h): on a band over the picture, or
// instead of the marker. The speaker's tile has a highlight border. With no viewers nothing is
// composited or encoded; with nobody sending or viewing video there is no canvas, no encoder and no
// compositor thread (an idle or audio-only room costs next to nothing: anyone may be able to create
// rooms). A recorded room composites and encodes as if it had a viewer.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "caption_font.h"
#include "composite_recorder.h"
#include "i420_compositor.h"
#include "participant_video.h"
#include "tick_histogram.h"
#include "tick_pool.h"
#include "video_layout.h"
#include "vp8_codec.h"
#include "vp8_packetizer.h"

namespace mcu {

// Where a viewer's composite goes. send() runs on the compositor thread and
// must not block. Every viewer gets the same packets (one SSRC, one sequence).
class VideoViewer {
 public:
  virtual ~VideoViewer() = default;
  virtual void send(const uint8_t* packet, size_t len) = 0;
};

struct RoomVideoConfig {
  Vp8EncoderSettings encoder;  // canvas size, frame rate, bitrate
  LayoutKind layout = LayoutKind::kGrid;
  uint8_t payload_type = 96;
  size_t max_payload = kDefaultVideoPayload;
  // A sender whose newest picture is older than this shows the marker tile.
  int64_t stale_after_us = 1000000;
  // Viewers' key frame requests (PLI/FIR) are served at most this often; one
  // that comes sooner is served when the interval is up. A new viewer gets a
  // key frame at once.
  int64_t keyframe_interval_us = 1000000;
  // REMB to senders is refreshed this often (and whenever the layout changes).
  int64_t remb_interval_us = 2000000;
  ParticipantVideoConfig participant;
  // Renders display names onto the tiles; null: no names (the marker tile stays).
  std::shared_ptr<const CaptionFont> font;
};

struct RoomVideoStats {
  uint64_t frames = 0;      // canvases encoded and sent
  uint64_t key_frames = 0;  // of which key frames
  uint64_t packets = 0;     // RTP packets per viewer
  uint64_t bytes = 0;       // encoded bytes
  uint64_t late_ticks = 0;  // started more than half a frame late
  uint64_t missed_ticks = 0;
  uint64_t encode_errors = 0;
  int64_t compose_us = 0;  // total time spent compositing
  int64_t encode_us = 0;   // total time spent encoding and packetizing
  int64_t max_tick_us = 0;
  uint64_t caption_renders = 0;  // names rendered with the font (not per frame)
  TickHistogram frame_us;        // each composited and encoded frame's time
};

class RoomVideo {
 public:
  // The participant the audio mixer finds loudest (0 for none yet).
  using SpeakerSource = std::function<uint64_t()>;

  RoomVideo(const RoomVideoConfig& config, SpeakerSource speaker);
  ~RoomVideo();
  RoomVideo(const RoomVideo&) = delete;
  RoomVideo& operator=(const RoomVideo&) = delete;

  // Adds a participant's tile. viewer: where the composite goes (null: the
  // participant does not receive video). feedback: the sender's RTCP (null:
  // the participant sends no video; its tile is a marker). The returned
  // object takes the sender's RTP. display: the name on its tile.
  std::shared_ptr<ParticipantVideo> add(uint64_t id, std::shared_ptr<VideoViewer> viewer,
                                        std::shared_ptr<VideoFeedback> feedback,
                                        std::string display = {});
  void remove(uint64_t id);
  bool set_video_muted(uint64_t id, bool muted);
  // The name on the participant's tile from the next frame on; false for an
  // unknown participant.
  bool set_display(uint64_t id, std::string display);

  void set_layout(LayoutKind layout);
  LayoutKind layout() const { return layout_; }

  // A viewer asked for a key frame (PLI or FIR): served within keyframe_interval_us.
  void request_keyframe();
  // A viewer can receive from now on (its PeerConnection is up): it gets a key
  // frame with the next tick, whatever the interval, or it would see nothing
  // decodable until it complains.
  void viewer_ready();

  // start(): the compositor thread runs whenever somebody sends or views
  // video, from now on until stop().
  void start();
  void stop();
  // The compositor thread is running (and so canvas and encoder exist).
  bool compositing() const;

  // Every encoded composite goes to `recorder` from now on, starting with a key
  // frame; the compositor runs while it records, viewers or not.
  void start_recording(std::shared_ptr<CompositeRecorder> recorder);
  // Hands the recorder back (see RoomAudio::stop_recording). Null if none.
  std::shared_ptr<CompositeRecorder> stop_recording();

  // One compositor tick at now_us (monotonic, on the room's even frame clock);
  // called by the clock thread, or directly by tests and benchmarks that drive
  // time themselves.
  void tick(int64_t now_us);

  // The canvas of the last tick (compositor thread, tests); empty while
  // nobody sends or views video.
  const I420Image& canvas() const { return canvas_; }
  RoomVideoStats stats() const;
  const RoomVideoConfig& config() const { return config_; }

 private:
  struct Member;
  void refresh_snapshot();
  void refresh_layout(uint64_t speaker);
  void compose(int64_t now_us, uint64_t speaker);
  // The name on a tile; returns how many captions the font rendered.
  uint64_t draw_caption(Member& m, const Rect& tile, bool has_picture);
  void send_remb(int64_t now_us);
  // Starts or stops the compositor thread as members come and go.
  void update_activity();
  // Somebody sends or views video, or it is recorded; needs members_mutex_.
  bool video_wanted() const;
  void acquire_resources();
  void release_resources();

  RoomVideoConfig config_;
  SpeakerSource speaker_;
  std::atomic<LayoutKind> layout_;
  std::atomic<bool> keyframe_requested_{false};

  mutable std::mutex members_mutex_;
  std::vector<std::shared_ptr<Member>> members_;  // join order; guarded by members_mutex_
  uint64_t version_ = 0;                          // guarded by members_mutex_
  uint64_t names_version_ = 0;                    // guarded by members_mutex_
  bool key_now_ = false;                          // guarded by members_mutex_
  // Pushed to under members_mutex_ too, so that once stop_recording() returns the
  // compositor holds no reference and the file is finished on the caller's thread.
  std::shared_ptr<CompositeRecorder> recorder_;  // guarded by members_mutex_

  // Compositor thread only.
  uint64_t snapshot_version_ = ~0ull;
  uint64_t snapshot_names_version_ = ~0ull;
  std::vector<std::shared_ptr<Member>> snapshot_;
  std::vector<std::shared_ptr<Member>> tiled_;  // who has a tile, in tile order
  std::vector<Rect> tiles_;
  uint64_t layout_speaker_ = 0;
  LayoutKind layout_kind_ = LayoutKind::kGrid;
  bool layout_dirty_ = true;
  I420Image canvas_;
  std::unique_ptr<Vp8Encoder> encoder_;  // null while nobody sends or views video
  Vp8Packetizer packetizer_;
  std::vector<uint8_t> encoded_;
  std::vector<uint8_t> packet_;
  uint32_t ssrc_;
  uint16_t seq_;
  uint32_t ts_base_;
  int64_t first_tick_us_ = -1;
  int64_t clock_origin_us_ = -1;  // the clock's first tick; see update_activity()
  uint64_t clock_periods_ = 0;    // since then, skipped ones included
  int64_t last_key_frame_us_ = -1;
  int64_t last_remb_us_ = -1;

  mutable std::mutex stats_mutex_;
  RoomVideoStats stats_;  // guarded by stats_mutex_

  // Serialises starting and stopping the clock (add/remove on any thread).
  mutable std::mutex lifecycle_mutex_;
  bool enabled_ = false;  // between start() and stop(); guarded by lifecycle_mutex_
  bool ticking_ = false;  // clock_ runs; guarded by lifecycle_mutex_

  TickTask clock_;  // last: stopped before the rest goes
};

}  // namespace mcu
