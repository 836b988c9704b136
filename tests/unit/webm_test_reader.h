// Reads a WebM file back with libwebm's parser (Debian's libwebm-dev): tracks,
// and every block with its absolute time, track, key flag and bytes.
#pragma once

#include <webm/callback.h>
#include <webm/file_reader.h>
#include <webm/webm_parser.h>

#include <cstdio>
#include <string>
#include <vector>

struct ParsedBlock {
  uint64_t track = 0;
  int64_t ms = 0;
  bool key = false;
  std::vector<uint8_t> data;
};

struct ParsedWebm {
  bool ok = false;
  std::string doc_type;
  double duration_ms = 0;
  std::vector<webm::TrackEntry> tracks;
  std::vector<int64_t> cluster_ms;
  std::vector<ParsedBlock> blocks;
};

class WebmTestReader : public webm::Callback {
 public:
  explicit WebmTestReader(ParsedWebm* out) : out_(out) {}
  webm::Status OnEbml(const webm::ElementMetadata&, const webm::Ebml& ebml) override {
    out_->doc_type = ebml.doc_type.value();
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnInfo(const webm::ElementMetadata&, const webm::Info& info) override {
    out_->duration_ms = info.duration.value();
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnTrackEntry(const webm::ElementMetadata&, const webm::TrackEntry& t) override {
    out_->tracks.push_back(t);
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnClusterBegin(const webm::ElementMetadata&, const webm::Cluster& c,
                              webm::Action* action) override {
    *action = webm::Action::kRead;
    cluster_ms_ = static_cast<int64_t>(c.timecode.value());
    out_->cluster_ms.push_back(cluster_ms_);
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnSimpleBlockBegin(const webm::ElementMetadata&, const webm::SimpleBlock& b,
                                  webm::Action* action) override {
    *action = webm::Action::kRead;
    out_->blocks.push_back({b.track_number, cluster_ms_ + b.timecode, b.is_key_frame, {}});
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnFrame(const webm::FrameMetadata&, webm::Reader* reader,
                       uint64_t* remaining) override {
    auto& data = out_->blocks.back().data;
    while (*remaining > 0) {
      const size_t at = data.size();
      data.resize(at + *remaining);
      uint64_t got = 0;
      const webm::Status s = reader->Read(*remaining, data.data() + at, &got);
      data.resize(at + got);
      *remaining -= got;
      if (!s.ok()) return s;
    }
    return webm::Status(webm::Status::kOkCompleted);
  }

 private:
  ParsedWebm* out_;
  int64_t cluster_ms_ = 0;
};

inline ParsedWebm parse_webm(const std::string& path) {
  ParsedWebm out;
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return out;
  webm::FileReader reader(file);
  WebmTestReader callback(&out);
  webm::WebmParser parser;
  out.ok = parser.Feed(&callback, &reader).completed_ok();
  return out;
}
