#include "room_audio.h"

#include <algorithm>
#include <chrono>
#include <span>

#include "rtp.h"

namespace mcu {

namespace {

constexpr int64_t kTickUs = 20000;
constexpr int64_t kLateUs = 5000;
constexpr size_t kMaxRtpHeader = 12 + 8;

}  // namespace

struct RoomAudio::Member {
  uint64_t id = 0;
  std::shared_ptr<ParticipantAudio> audio;
  std::shared_ptr<AudioOutput> output;
  OutputOptions options;
  std::atomic<bool> muted{false};
  std::atomic<bool> talking{false};
  std::atomic<int> held_frames{0};  // ticks still to send it nothing (play_tone)
  bool selected = false;            // mixer thread only

  // Mixer thread only.
  Frame pcm{};
  uint32_t ssrc = random_u32();
  uint16_t seq = static_cast<uint16_t>(random_u32());
  uint32_t ts_base = random_u32();
  bool sending = false;
  int silent_run = 0;
  std::unique_ptr<MixEncoder> personal_encoder;
};

RoomAudio::RoomAudio(const RoomAudioConfig& config, TalkCallback on_talk, PlayedCallback on_played)
    : config_(config),
      on_talk_(std::move(on_talk)),
      on_played_(std::move(on_played)),
      mixer_(config.speakers),
      common_encoder_(config.encoder) {
  packet_.resize(kMaxRtpHeader + kMaxOpusPacket);
}

RoomAudio::~RoomAudio() {
  stop();
}

std::shared_ptr<ParticipantAudio> RoomAudio::add(uint64_t id, std::shared_ptr<AudioOutput> output,
                                                 const OutputOptions& options, bool muted) {
  auto m = std::make_shared<Member>();
  m->id = id;
  JitterBufferConfig jitter = config_.jitter;
  jitter.link = options.link;
  m->audio = std::make_shared<ParticipantAudio>(jitter);
  m->output = std::move(output);
  m->options = options;
  m->muted = muted;
  std::lock_guard lock(members_mutex_);
  members_[id] = m;
  ++version_;
  return m->audio;
}

void RoomAudio::remove(uint64_t id) {
  std::lock_guard lock(members_mutex_);
  if (members_.erase(id) > 0) {
    removed_.push_back(id);
    ++version_;
  }
}

bool RoomAudio::set_muted(uint64_t id, bool muted) {
  std::lock_guard lock(members_mutex_);
  auto it = members_.find(id);
  if (it == members_.end()) return false;
  it->second->muted = muted;
  return true;
}

bool RoomAudio::is_talking(uint64_t id) const {
  std::lock_guard lock(members_mutex_);
  auto it = members_.find(id);
  return it != members_.end() && it->second->talking;
}

void RoomAudio::refresh_snapshot() {
  std::vector<uint64_t> removed;
  {
    std::lock_guard lock(members_mutex_);
    if (version_ == snapshot_version_) return;
    snapshot_version_ = version_;
    snapshot_.clear();
    for (auto& [id, m] : members_) snapshot_.push_back(m);
    removed.swap(removed_);
  }
  // The mixer's per-speaker state lives on this thread, so forget here.
  for (uint64_t id : removed) mixer_.remove(id);
}

void RoomAudio::send_to(Member& m, const uint8_t* payload, size_t len, int level, bool silent) {
  bool marker = false;
  if (silent && !m.options.link) {
    if (!m.sending) {
      m.output->idle();
      return;
    }
    if (++m.silent_run > config_.silence_tail_frames) {
      m.sending = false;
      m.output->idle();
      return;
    }
  } else {
    m.silent_run = 0;
    marker = !m.sending;
    m.sending = true;
  }
  const uint32_t timestamp = m.ts_base + static_cast<uint32_t>(tick_count_ * kFrameSamples);
  const uint16_t seq = m.seq++;
  size_t header =
      write_rtp_header(packet_.data(), packet_.size(), m.options.payload_type, marker, seq,
                       timestamp, m.ssrc, m.options.audio_level_ext_id, level, !silent);
  if (header == 0 || header + len > packet_.size()) {
    m.output->idle();
    return;
  }
  std::copy(payload, payload + len, packet_.begin() + static_cast<std::ptrdiff_t>(header));
  m.output->send(packet_.data(), header + len, level);
}

std::span<const uint8_t> RoomAudio::whole_packet_of(uint64_t id) const {
  if (id == 0) return {};
  for (const auto& m : snapshot_) {
    if (m->id == id) return m->audio->whole_packet();
  }
  return {};
}

void RoomAudio::tick(int64_t now_us) {
  const int64_t started = monotonic_us();
  refresh_snapshot();

  // A recording needs the common mix's samples: nothing is deferred then.
  const bool may_defer = !recording();
  inputs_.clear();
  for (auto& m : snapshot_) {
    int level = -1;
    // Whoever is talking or mixed is decoded in full, quiet tail included, so
    // nothing audible is gated; the quiet rest need not be decoded at all.
    const int skip = m->talking || m->selected || m->options.link ? ParticipantAudio::kDecodeAll
                                                                  : config_.speakers.active_level;
    const auto got =
        m->audio->next_frame(m->pcm.data(), &level, now_us, skip, may_defer && !m->options.link);
    const bool decoded = got == ParticipantAudio::FrameResult::kDecoded;
    inputs_.push_back({m->id, decoded ? m->pcm.data() : nullptr, level,
                       m->muted.load() || room_muted_.load(), m->options.link,
                       got == ParticipantAudio::FrameResult::kDeferred});
  }
  played_.clear();
  bool announcing = announcements_.next_frame(announcement_.data(), &played_);
  tones_ended_.clear();  // tones end without an event
  if (tones_.next_frame(tone_.data(), &tones_ended_)) {
    for (int i = 0; i < kFrameSamples; ++i) {
      const int sum = (announcing ? announcement_[i] : 0) + tone_[i];
      announcement_[i] = static_cast<int16_t>(std::clamp(sum, -32768, 32767));
    }
    announcing = true;
  }
  mixer_.select(inputs_, result_);
  // A lone talker's packet goes out as it came; anyone else's deferred frame is decoded now.
  const uint64_t lone = mixer_.lone_deferred(inputs_, result_, announcing);
  for (size_t i = 0; i < inputs_.size(); ++i) {
    MixerInput& in = inputs_[i];
    if (!in.deferred || in.id == lone) continue;
    snapshot_[i]->audio->decode_deferred(snapshot_[i]->pcm.data());
    in.pcm = snapshot_[i]->pcm.data();
    in.deferred = false;
  }
  mixer_.mix_selected(inputs_, result_, announcing ? announcement_.data() : nullptr);
  if (on_played_) {
    for (const std::string& id : played_) on_played_(id);
  }
  {
    std::lock_guard lock(recorder_mutex_);
    if (recorder_ && result_.pcm) recorder_->push(result_.common.data());
    if (recorder_ && !result_.pcm) recorder_->push_silence(1);  // started during this tick
  }
  if (!result_.speakers.empty()) loudest_ = result_.speakers.front();

  for (auto& m : snapshot_) {
    m->selected = std::find(result_.speakers.begin(), result_.speakers.end(), m->id) !=
                  result_.speakers.end();
  }
  for (const auto& change : result_.talk_changes) {
    for (auto& m : snapshot_) {
      if (m->id == change.id) m->talking = change.talking;
    }
    if (on_talk_) on_talk_(change.id, change.talking);
  }

  EncodeCounts counts;
  bool common_encoded = false;
  std::span<const uint8_t> common_payload;
  // Listeners and forwarders all get the same mix: encode it once per tick.
  const auto common = [&]() -> std::span<const uint8_t> {
    if (!common_encoded) {
      common_encoded = true;
      common_payload = common_encoder_.next(result_.pcm ? result_.common.data() : nullptr,
                                            whole_packet_of(result_.common_only), counts);
    }
    return common_payload;
  };
  for (auto& m : snapshot_) {
    if (m->held_frames > 0) {
      --m->held_frames;
      m->output->idle();
      continue;
    }
    const bool wants_silence = m->sending;  // still within its silence tail
    const PersonalMix* personal = nullptr;
    for (const auto& p : result_.personal) {
      if (p.id == m->id) personal = &p;
    }
    if (personal != nullptr) {
      if (personal->silent && !wants_silence && !m->options.link) {
        m->output->idle();
        continue;
      }
      if (!m->personal_encoder) m->personal_encoder = std::make_unique<MixEncoder>(config_.encoder);
      const auto mix = m->personal_encoder->next(
          result_.pcm || personal->silent ? personal->pcm.data() : nullptr,
          whole_packet_of(personal->only), counts);
      if (!mix.empty())
        send_to(*m, mix.data(), mix.size(), personal->level, personal->silent);
      else
        m->output->idle();
      continue;
    }
    if (result_.common_silent && !wants_silence) {
      m->output->idle();
      continue;
    }
    const auto mix = common();
    if (!mix.empty())
      send_to(*m, mix.data(), mix.size(), result_.common_level, result_.common_silent);
    else
      m->output->idle();
  }
  forwarders_.send(tick_count_, !snapshot_.empty(), result_.common_level, common);
  ++tick_count_;

  const int64_t spent = monotonic_us() - started;
  std::lock_guard lock(stats_mutex_);
  ++stats_.ticks;
  stats_.encodes += counts.encodes;
  stats_.passed_through += counts.passed_through;
  if (spent > stats_.max_tick_us) stats_.max_tick_us = spent;
  stats_.tick_us.record(spent);
}

void RoomAudio::play_tone(std::shared_ptr<const Pcm> pcm, uint64_t not_for) {
  const int frames = static_cast<int>((pcm->size() + kFrameSamples - 1) / kFrameSamples);
  tones_.play(std::to_string(++tone_count_), std::move(pcm), false);
  if (not_for == 0) return;
  std::lock_guard lock(members_mutex_);
  auto it = members_.find(not_for);
  if (it != members_.end()) it->second->held_frames = frames;
}

MixerStats RoomAudio::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

void RoomAudio::start_recording(std::shared_ptr<MixRecorder> recorder) {
  std::lock_guard lock(recorder_mutex_);
  recorder_ = std::move(recorder);
}

std::shared_ptr<MixRecorder> RoomAudio::stop_recording() {
  std::lock_guard lock(recorder_mutex_);
  return std::move(recorder_);
}

bool RoomAudio::recording() const {
  std::lock_guard lock(recorder_mutex_);
  return recorder_ != nullptr;
}

void RoomAudio::start() {
  clock_.start(std::chrono::microseconds(kTickUs), std::chrono::microseconds(kLateUs),
               [this](uint64_t skipped, bool late) {
                 // Skipped ticks still advance the RTP timestamps.
                 tick_count_ += skipped;
                 if (skipped > 0) {
                   std::lock_guard lock(recorder_mutex_);
                   if (recorder_) recorder_->push_silence(skipped);
                 }
                 if (skipped > 0 || late) {
                   std::lock_guard lock(stats_mutex_);
                   stats_.missed_ticks += skipped;
                   if (late) ++stats_.late_ticks;
                 }
                 tick();
               });
}

void RoomAudio::stop() {
  clock_.stop();
}

}  // namespace mcu
