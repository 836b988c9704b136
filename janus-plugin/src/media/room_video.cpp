#include "room_video.h"

#include <algorithm>
#include <chrono>

#include "caption_cache.h"
#include "rtp.h"
#include "tile_caption.h"

namespace mcu {

namespace {

constexpr size_t kRtpHeader = 12;
// The marker tile: a light square on dark grey, unlike any real picture's
// letterbox bars (black), so people (and tests) tell "no video" apart.
constexpr YuvColor kMarkerBackground = kYuvDarkGrey;
constexpr YuvColor kMarkerSquare{180, 128, 128};
constexpr YuvColor kBackground = kYuvBlack;
// The speaker's border: saturated yellow, which no letterbox or marker has.
constexpr YuvColor kSpeakerBorder{210, 16, 146};

// About 1/40 of the tile's shorter side, at least 2 pixels.
int speaker_border_thickness(const Rect& tile) {
  return std::max(2, std::min(tile.w, tile.h) / 40);
}

}  // namespace

struct RoomVideo::Member {
  uint64_t id = 0;
  std::shared_ptr<VideoViewer> viewer;
  std::shared_ptr<VideoFeedback> feedback;
  std::shared_ptr<ParticipantVideo> video;  // null when it sends no video
  std::string display;                      // guarded by members_mutex_
  // Compositor thread only: the name as of the last snapshot, rendered once
  // per name and tile size for each of its two places.
  std::string shown_display;
  CaptionCache band_caption;
  CaptionCache name_caption;
};

RoomVideo::RoomVideo(const RoomVideoConfig& config, SpeakerSource speaker)
    : config_(config),
      speaker_(std::move(speaker)),
      layout_(config.layout),
      packetizer_(config.max_payload, static_cast<uint16_t>(random_u32() & 0x7fff)),
      ssrc_(random_u32()),
      seq_(static_cast<uint16_t>(random_u32())),
      ts_base_(random_u32()) {}

RoomVideo::~RoomVideo() {
  stop();
}

std::shared_ptr<ParticipantVideo> RoomVideo::add(uint64_t id, std::shared_ptr<VideoViewer> viewer,
                                                 std::shared_ptr<VideoFeedback> feedback,
                                                 std::string display) {
  auto m = std::make_shared<Member>();
  m->id = id;
  m->display = std::move(display);
  m->viewer = std::move(viewer);
  m->feedback = std::move(feedback);
  if (m->feedback) m->video = std::make_shared<ParticipantVideo>(config_.participant, m->feedback);
  {
    std::lock_guard lock(members_mutex_);
    auto it = std::find_if(members_.begin(), members_.end(), [id](auto& x) { return x->id == id; });
    if (it != members_.end()) {
      *it = m;
    } else {
      members_.push_back(m);
    }
    if (m->viewer) key_now_ = true;
    ++version_;
  }
  update_activity();
  return m->video;
}

void RoomVideo::remove(uint64_t id) {
  {
    std::lock_guard lock(members_mutex_);
    auto it = std::find_if(members_.begin(), members_.end(), [id](auto& x) { return x->id == id; });
    if (it == members_.end()) return;
    members_.erase(it);
    ++version_;
  }
  update_activity();
}

bool RoomVideo::video_wanted() const {
  return recorder_ != nullptr || std::any_of(members_.begin(), members_.end(), [](auto& m) {
           return m->viewer != nullptr || m->feedback != nullptr;
         });
}

void RoomVideo::update_activity() {
  std::lock_guard life(lifecycle_mutex_);
  if (!enabled_) return;
  bool wanted;
  {
    std::lock_guard lock(members_mutex_);
    wanted = video_wanted();
  }
  if (wanted == ticking_) return;
  if (wanted) {
    const auto period = std::chrono::microseconds(1000000 / std::max(1, config_.encoder.fps));
    clock_origin_us_ = -1;  // the clock thread is not running: nobody else touches these
    clock_periods_ = 0;
    clock_.start(period, period / 2, [this, period](uint64_t skipped, bool late) {
      if (skipped > 0 || late) {
        std::lock_guard lock(stats_mutex_);
        stats_.missed_ticks += skipped;
        if (late) ++stats_.late_ticks;
      }
      // The room's clock: the first tick's time plus whole periods, so frames (and a
      // recording's timestamps) are evenly spaced however late a tick starts.
      if (clock_origin_us_ < 0) {
        clock_origin_us_ = monotonic_us();
      } else {
        clock_periods_ += skipped + 1;
      }
      tick(clock_origin_us_ + static_cast<int64_t>(clock_periods_) * period.count());
    });
  } else {
    clock_.stop();
    release_resources();  // the clock thread has ended: nobody else touches them
  }
  ticking_ = wanted;
}

bool RoomVideo::compositing() const {
  std::lock_guard life(lifecycle_mutex_);
  return ticking_;
}

void RoomVideo::acquire_resources() {
  if (encoder_) return;
  encoder_ = std::make_unique<Vp8Encoder>();
  std::string error;
  encoder_->configure(config_.encoder, &error);
  canvas_.resize(config_.encoder.width, config_.encoder.height);
  packet_.resize(kRtpHeader + config_.max_payload);
  layout_dirty_ = true;
}

void RoomVideo::release_resources() {
  encoder_.reset();
  canvas_ = I420Image{};
  packet_ = {};
  encoded_ = {};
}

bool RoomVideo::set_display(uint64_t id, std::string display) {
  std::lock_guard lock(members_mutex_);
  auto it = std::find_if(members_.begin(), members_.end(), [id](auto& x) { return x->id == id; });
  if (it == members_.end()) return false;
  (*it)->display = std::move(display);
  ++names_version_;
  return true;
}

bool RoomVideo::set_video_muted(uint64_t id, bool muted) {
  std::lock_guard lock(members_mutex_);
  auto it = std::find_if(members_.begin(), members_.end(), [id](auto& x) { return x->id == id; });
  if (it == members_.end()) return false;
  if ((*it)->video) (*it)->video->set_muted(muted);
  return true;
}

void RoomVideo::set_layout(LayoutKind layout) {
  layout_ = layout;
}

void RoomVideo::request_keyframe() {
  keyframe_requested_ = true;
}

void RoomVideo::viewer_ready() {
  std::lock_guard lock(members_mutex_);
  key_now_ = true;
}

void RoomVideo::start_recording(std::shared_ptr<CompositeRecorder> recorder) {
  {
    std::lock_guard lock(members_mutex_);
    recorder_ = std::move(recorder);
    key_now_ = true;  // a recording starts with a key frame
  }
  update_activity();
}

std::shared_ptr<CompositeRecorder> RoomVideo::stop_recording() {
  std::shared_ptr<CompositeRecorder> recorder;
  {
    std::lock_guard lock(members_mutex_);
    recorder = std::move(recorder_);
  }
  update_activity();
  return recorder;
}

void RoomVideo::refresh_snapshot() {
  std::lock_guard lock(members_mutex_);
  if (version_ == snapshot_version_ && names_version_ == snapshot_names_version_) return;
  snapshot_names_version_ = names_version_;
  for (auto& m : members_) m->shown_display = m->display;
  if (version_ == snapshot_version_) return;  // a name changed, the tiles did not
  snapshot_version_ = version_;
  snapshot_ = members_;
  layout_dirty_ = true;
}

void RoomVideo::refresh_layout(uint64_t speaker) {
  const LayoutKind kind = layout_;
  const bool speaker_matters = kind == LayoutKind::kActiveSpeaker;
  if (!layout_dirty_ && kind == layout_kind_ && (!speaker_matters || speaker == layout_speaker_))
    return;
  layout_dirty_ = false;
  layout_kind_ = kind;
  layout_speaker_ = speaker;

  // At most 16 tiles, in join order; a speaker beyond them takes the last.
  tiled_.assign(
      snapshot_.begin(),
      snapshot_.begin() +
          std::min<std::ptrdiff_t>(kMaxLayoutTiles, static_cast<std::ptrdiff_t>(snapshot_.size())));
  int speaker_index = 0;
  for (size_t i = 0; i < snapshot_.size(); ++i) {
    if (snapshot_[i]->id != speaker) continue;
    if (i < tiled_.size()) {
      speaker_index = static_cast<int>(i);
    } else {
      tiled_.back() = snapshot_[i];
      speaker_index = static_cast<int>(tiled_.size()) - 1;
    }
  }
  tiles_ = tiled_.empty() ? std::vector<Rect>{}
                          : compute_layout(kind, canvas_.width(), canvas_.height(),
                                           static_cast<int>(tiled_.size()), speaker_index);
  if (tiles_.size() != tiled_.size()) tiled_.clear();  // canvas too small: background only
  // Decoding threads scale each picture to its tile, so compose() only copies.
  for (auto& m : snapshot_) {
    if (!m->video) continue;
    const auto it = std::find(tiled_.begin(), tiled_.end(), m);
    const Rect tile = it == tiled_.end() ? Rect{} : tiles_[it - tiled_.begin()];
    m->video->set_tile_size(tile.w, tile.h);
  }
  last_remb_us_ = -1;  // tile sizes changed: tell the senders now
}

uint64_t RoomVideo::draw_caption(Member& m, const Rect& tile, bool has_picture) {
  const CaptionFont* font = config_.font.get();
  const CaptionSize size = has_picture ? band_caption_size(tile) : name_tile_size(tile);
  if (font == nullptr || m.shown_display.empty() || size.pixel_size == 0) {
    if (!has_picture) draw_no_video_marker(&canvas_, tile, kMarkerBackground, kMarkerSquare);
    return 0;
  }
  CaptionCache& cache = has_picture ? m.band_caption : m.name_caption;
  const uint64_t renders = cache.renders();
  const AlphaMask& text = cache.get(*font, m.shown_display, size.pixel_size, size.max_width);
  if (has_picture) {
    draw_caption_band(&canvas_, tile, text);
  } else {
    draw_name_tile(&canvas_, tile, kMarkerBackground, text);
  }
  return cache.renders() - renders;
}

void RoomVideo::compose(int64_t now_us, uint64_t speaker) {
  fill_rect(&canvas_, Rect{0, 0, canvas_.width(), canvas_.height()}, kBackground);
  uint64_t renders = 0;
  for (size_t i = 0; i < tiled_.size(); ++i) {
    const Rect& tile = tiles_[i];
    const auto& m = tiled_[i];
    const bool drawn =
        m->video &&
        m->video->with_picture(now_us - config_.stale_after_us, [&](const I420View& pic) {
          scale_copy(pic, &canvas_, fit_aspect(pic.width, pic.height, tile));
        });
    renders += draw_caption(*m, tile, drawn);
    // Alone in the room, a border would tell nobody anything.
    if (tiled_.size() > 1 && m->id == speaker)
      draw_border(&canvas_, tile, speaker_border_thickness(tile), kSpeakerBorder);
  }
  if (renders > 0) {
    std::lock_guard lock(stats_mutex_);
    stats_.caption_renders += renders;
  }
}

void RoomVideo::send_remb(int64_t now_us) {
  if (last_remb_us_ >= 0 && now_us - last_remb_us_ < config_.remb_interval_us) return;
  last_remb_us_ = now_us;
  const double canvas_area = static_cast<double>(canvas_.width()) * canvas_.height();
  for (auto& m : snapshot_) {
    if (!m->feedback) continue;
    // A sender needs about its share of the canvas in bits, twice over since
    // it encodes at its own (higher) resolution; without a tile, a trickle.
    double share = 0;
    for (size_t i = 0; i < tiled_.size(); ++i) {
      if (tiled_[i] == m) share = tiles_[i].w * static_cast<double>(tiles_[i].h) / canvas_area;
    }
    const double bps =
        std::clamp(2.0 * share * config_.encoder.bitrate, 100000.0, 2.0 * config_.encoder.bitrate);
    m->feedback->cap_bitrate(static_cast<uint32_t>(bps));
  }
}

void RoomVideo::tick(int64_t now_us) {
  const int64_t started = monotonic_us();
  if (first_tick_us_ < 0) first_tick_us_ = now_us;
  bool key_now = false;
  bool recording = false;
  {
    std::lock_guard lock(members_mutex_);
    std::swap(key_now, key_now_);
    recording = recorder_ != nullptr;
  }
  refresh_snapshot();
  if (!recording && !std::any_of(snapshot_.begin(), snapshot_.end(), [](auto& m) {
        return m->viewer != nullptr || m->feedback != nullptr;
      })) {
    release_resources();
    return;
  }
  acquire_resources();
  const uint64_t speaker = speaker_ ? speaker_() : 0;
  refresh_layout(speaker);
  send_remb(now_us);

  const bool any_viewer = recording || std::any_of(snapshot_.begin(), snapshot_.end(),
                                                   [](auto& m) { return m->viewer != nullptr; });
  if (!any_viewer || !encoder_->ok()) {
    if (any_viewer) {
      std::lock_guard lock(stats_mutex_);
      ++stats_.encode_errors;
    }
    return;
  }

  const int64_t compose_started = monotonic_us();
  compose(now_us, speaker);
  const int64_t composed = monotonic_us();

  bool force_key = key_now;
  if (keyframe_requested_ &&
      (last_key_frame_us_ < 0 || now_us - last_key_frame_us_ >= config_.keyframe_interval_us)) {
    force_key = true;
  }
  if (force_key) keyframe_requested_ = false;
  bool key_frame = false;
  const bool encoded = encoder_->encode(canvas_, force_key, &encoded_, &key_frame);
  uint64_t packets = 0;
  if (encoded && !encoded_.empty()) {
    if (key_frame) last_key_frame_us_ = now_us;
    const uint32_t timestamp =
        ts_base_ + static_cast<uint32_t>((now_us - first_tick_us_) * 9 / 100);  // 90 kHz
    packets = static_cast<uint64_t>(packetizer_.packetize(
        encoded_.data(), encoded_.size(), [&](const uint8_t* payload, size_t len, bool marker) {
          const size_t header =
              write_rtp_header(packet_.data(), packet_.size(), config_.payload_type, marker, seq_++,
                               timestamp, ssrc_, 0, 0, false);
          if (header == 0 || header + len > packet_.size()) return;
          std::copy(payload, payload + len, packet_.begin() + static_cast<std::ptrdiff_t>(header));
          for (auto& m : snapshot_) {
            if (m->viewer) m->viewer->send(packet_.data(), header + len);
          }
        }));
    std::lock_guard lock(members_mutex_);
    if (recorder_) recorder_->push_video(encoded_.data(), encoded_.size(), key_frame, now_us);
  }
  const int64_t finished = monotonic_us();

  std::lock_guard lock(stats_mutex_);
  if (!encoded) {
    ++stats_.encode_errors;
    return;
  }
  ++stats_.frames;
  if (key_frame) ++stats_.key_frames;
  stats_.packets += packets;
  stats_.bytes += encoded_.size();
  stats_.compose_us += composed - compose_started;
  stats_.encode_us += finished - composed;
  stats_.max_tick_us = std::max(stats_.max_tick_us, finished - started);
  stats_.frame_us.record(finished - started);
}

RoomVideoStats RoomVideo::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

void RoomVideo::start() {
  {
    std::lock_guard life(lifecycle_mutex_);
    enabled_ = true;
  }
  update_activity();
}

void RoomVideo::stop() {
  std::lock_guard life(lifecycle_mutex_);
  enabled_ = false;
  if (!ticking_) return;
  clock_.stop();
  ticking_ = false;
  release_resources();
}

}  // namespace mcu
