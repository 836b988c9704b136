#include "webm_muxer.h"

#include <cerrno>
#include <cstring>

#include "opus_codec.h"

namespace mcu {

namespace {

// Matroska element IDs (RFC 9559) that a WebM recording uses.
constexpr uint32_t kEbml = 0x1A45DFA3;
constexpr uint32_t kEbmlVersion = 0x4286;
constexpr uint32_t kEbmlReadVersion = 0x42F7;
constexpr uint32_t kEbmlMaxIdLength = 0x42F2;
constexpr uint32_t kEbmlMaxSizeLength = 0x42F3;
constexpr uint32_t kDocType = 0x4282;
constexpr uint32_t kDocTypeVersion = 0x4287;
constexpr uint32_t kDocTypeReadVersion = 0x4285;
constexpr uint32_t kSegment = 0x18538067;
constexpr uint32_t kInfo = 0x1549A966;
constexpr uint32_t kTimestampScale = 0x2AD7B1;
constexpr uint32_t kDuration = 0x4489;
constexpr uint32_t kMuxingApp = 0x4D80;
constexpr uint32_t kWritingApp = 0x5741;
constexpr uint32_t kTracks = 0x1654AE6B;
constexpr uint32_t kTrackEntry = 0xAE;
constexpr uint32_t kTrackNumber = 0xD7;
constexpr uint32_t kTrackUid = 0x73C5;
constexpr uint32_t kTrackType = 0x83;
constexpr uint32_t kFlagLacing = 0x9C;
constexpr uint32_t kCodecId = 0x86;
constexpr uint32_t kCodecPrivate = 0x63A2;
constexpr uint32_t kCodecDelay = 0x56AA;
constexpr uint32_t kSeekPreRoll = 0x56BB;
constexpr uint32_t kVideo = 0xE0;
constexpr uint32_t kPixelWidth = 0xB0;
constexpr uint32_t kPixelHeight = 0xBA;
constexpr uint32_t kAudio = 0xE1;
constexpr uint32_t kSamplingFrequency = 0xB5;
constexpr uint32_t kChannels = 0x9F;
constexpr uint32_t kCluster = 0x1F43B675;
constexpr uint32_t kTimestamp = 0xE7;
constexpr uint32_t kSimpleBlock = 0xA3;

constexpr uint64_t kTrackTypeVideo = 1;
constexpr uint64_t kTrackTypeAudio = 2;
constexpr uint64_t kNsPerMs = 1000000;
// RFC 7845 section 4.3: a decoder starting anywhere needs 80 ms of audio before it.
constexpr uint64_t kOpusSeekPreRollNs = 80000000;
constexpr int64_t kAudioFrameMs = 20;
// Short clusters keep a slow key frame interval from buffering much in memory;
// well within a block's 16-bit relative timestamp either way.
constexpr int64_t kMaxClusterMs = 5000;
constexpr size_t kSegmentSizeBytes = 8;

// RFC 7845 section 5.1, mono, mapping family 0.
std::vector<uint8_t> opus_head(int pre_skip) {
  std::vector<uint8_t> head = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 1};
  head.push_back(static_cast<uint8_t>(pre_skip));
  head.push_back(static_cast<uint8_t>(pre_skip >> 8));
  for (int i = 0; i < 4; ++i) head.push_back(static_cast<uint8_t>(kSampleRate >> (8 * i)));
  head.insert(head.end(), {0, 0, 0});  // output gain, channel mapping family
  return head;
}

}  // namespace

std::unique_ptr<WebmMuxer> WebmMuxer::open(const std::string& path, const WebmTracks& tracks,
                                           std::string* error) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    *error = std::strerror(errno);
    return nullptr;
  }
  EbmlWriter w;
  const size_t ebml = w.open(kEbml);
  w.uint(kEbmlVersion, 1);
  w.uint(kEbmlReadVersion, 1);
  w.uint(kEbmlMaxIdLength, 4);
  w.uint(kEbmlMaxSizeLength, 8);
  w.string(kDocType, "webm");
  w.uint(kDocTypeVersion, 4);  // CodecDelay and SeekPreRoll are version 4
  w.uint(kDocTypeReadVersion, 2);
  w.close(ebml);

  w.open(kSegment);  // its size is written by finish()
  const long segment_size_at = static_cast<long>(w.data().size() - kSegmentSizeBytes);
  const size_t info = w.open(kInfo);
  w.uint(kTimestampScale, kNsPerMs);
  w.float64(kDuration, 0);
  const long duration_at = static_cast<long>(w.data().size() - sizeof(double));
  w.string(kMuxingApp, "janus.plugin.conference");
  w.string(kWritingApp, "janus.plugin.conference");
  w.close(info);

  const size_t all_tracks = w.open(kTracks);
  size_t entry = w.open(kTrackEntry);
  w.uint(kTrackNumber, kVideoTrack);
  w.uint(kTrackUid, kVideoTrack);
  w.uint(kTrackType, kTrackTypeVideo);
  w.uint(kFlagLacing, 0);
  w.string(kCodecId, "V_VP8");
  const size_t video = w.open(kVideo);
  w.uint(kPixelWidth, static_cast<uint64_t>(tracks.width));
  w.uint(kPixelHeight, static_cast<uint64_t>(tracks.height));
  w.close(video);
  w.close(entry);

  entry = w.open(kTrackEntry);
  w.uint(kTrackNumber, kAudioTrack);
  w.uint(kTrackUid, kAudioTrack);
  w.uint(kTrackType, kTrackTypeAudio);
  w.uint(kFlagLacing, 0);
  w.string(kCodecId, "A_OPUS");
  const std::vector<uint8_t> head = opus_head(tracks.opus_pre_skip);
  w.binary(kCodecPrivate, head.data(), head.size());
  w.uint(kCodecDelay, static_cast<uint64_t>(tracks.opus_pre_skip) * 1000000000 / kSampleRate);
  w.uint(kSeekPreRoll, kOpusSeekPreRollNs);
  const size_t audio = w.open(kAudio);
  w.float64(kSamplingFrequency, kSampleRate);
  w.uint(kChannels, 1);
  w.close(audio);
  w.close(entry);
  w.close(all_tracks);

  auto muxer = std::unique_ptr<WebmMuxer>(new WebmMuxer(file, segment_size_at, duration_at));
  muxer->write(w.data().data(), w.data().size());
  if (!muxer->ok_) {
    *error = std::strerror(errno);
    return nullptr;
  }
  return muxer;
}

WebmMuxer::WebmMuxer(FILE* file, long segment_size_at, long duration_at)
    : file_(file), segment_size_at_(segment_size_at), duration_at_(duration_at) {}

WebmMuxer::~WebmMuxer() {
  finish();
}

void WebmMuxer::write(const uint8_t* data, size_t len) {
  if (ok_ && std::fwrite(data, 1, len, file_) != len) ok_ = false;
}

bool WebmMuxer::add_video(const uint8_t* data, size_t len, int64_t ms, bool key) {
  // A key frame starts a cluster, so a player can seek to every cluster.
  if (key && cluster_ms_ >= 0 && !cluster_.data().empty()) flush_cluster();
  add_block(kVideoTrack, data, len, ms, key);
  return ok_;
}

bool WebmMuxer::add_audio(const uint8_t* data, size_t len, int64_t ms) {
  add_block(kAudioTrack, data, len, ms, true);
  end_ms_ = std::max(end_ms_, ms + kAudioFrameMs);
  return ok_;
}

void WebmMuxer::add_block(uint64_t track, const uint8_t* data, size_t len, int64_t ms, bool key) {
  if (finished_) return;
  if (cluster_ms_ >= 0 && (ms - cluster_ms_ >= kMaxClusterMs || ms < cluster_ms_ - kMaxClusterMs))
    flush_cluster();
  if (cluster_ms_ < 0) {
    cluster_ms_ = std::max<int64_t>(0, ms);
    cluster_open_ = cluster_.open(kCluster);
    cluster_.uint(kTimestamp, static_cast<uint64_t>(cluster_ms_));
  }
  const int64_t relative = ms - cluster_ms_;  // within ±kMaxClusterMs: fits 16 bits
  cluster_.header(kSimpleBlock, 4 + len);
  const uint8_t block[4] = {static_cast<uint8_t>(0x80 | track),
                            static_cast<uint8_t>(static_cast<uint16_t>(relative) >> 8),
                            static_cast<uint8_t>(relative), static_cast<uint8_t>(key ? 0x80 : 0)};
  cluster_.bytes(block, sizeof block);
  cluster_.bytes(data, len);
  end_ms_ = std::max(end_ms_, ms);
}

void WebmMuxer::flush_cluster() {
  if (cluster_ms_ < 0) return;
  cluster_.close(cluster_open_);
  write(cluster_.data().data(), cluster_.data().size());
  cluster_.clear();
  cluster_ms_ = -1;
}

bool WebmMuxer::finish() {
  if (finished_) return ok_;
  finished_ = true;
  flush_cluster();
  const long end = std::ftell(file_);
  uint8_t size[kSegmentSizeBytes];
  put_size8(size, static_cast<uint64_t>(end - segment_size_at_) - kSegmentSizeBytes);
  EbmlWriter duration;
  duration.float64(kDuration, static_cast<double>(end_ms_));
  const auto& d = duration.data();
  if (ok_ &&
      (std::fseek(file_, segment_size_at_, SEEK_SET) != 0 ||
       std::fwrite(size, 1, sizeof size, file_) != sizeof size ||
       std::fseek(file_, duration_at_, SEEK_SET) != 0 ||
       std::fwrite(&d[d.size() - sizeof(double)], 1, sizeof(double), file_) != sizeof(double))) {
    ok_ = false;
  }
  if (std::fclose(file_) != 0) ok_ = false;
  file_ = nullptr;
  return ok_;
}

}  // namespace mcu
