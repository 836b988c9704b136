// Writes a WebM file: a VP8 video track and a mono Opus audio track, blocks
// timed in milliseconds, in clusters of at most a few seconds that start at a
// video key frame when there is one. Debian's libwebm ships only its parser's
// headers, not mkvmuxer's, so the few elements a recording needs are written
// here; the unit test reads the result back with that parser.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "ebml_writer.h"

namespace mcu {

struct WebmTracks {
  int width = 0;  // the composite's size
  int height = 0;
  // Samples the Opus decoder must drop at the start (the encoder's lookahead),
  // at 48 kHz: OpusHead's pre-skip and the track's CodecDelay.
  int opus_pre_skip = 0;
};

class WebmMuxer {
 public:
  static constexpr uint64_t kVideoTrack = 1;
  static constexpr uint64_t kAudioTrack = 2;

  // Creates (or truncates) `path` and writes the header and both tracks.
  // Null with *error set when the file cannot be opened.
  static std::unique_ptr<WebmMuxer> open(const std::string& path, const WebmTracks& tracks,
                                         std::string* error);
  ~WebmMuxer();  // finish()
  WebmMuxer(const WebmMuxer&) = delete;
  WebmMuxer& operator=(const WebmMuxer&) = delete;

  // One encoded frame at `ms` from the recording's start. False once a write failed.
  bool add_video(const uint8_t* data, size_t len, int64_t ms, bool key);
  // One 20 ms Opus packet.
  bool add_audio(const uint8_t* data, size_t len, int64_t ms);
  // Writes what is buffered and the duration; the file is complete after it.
  bool finish();

 private:
  WebmMuxer(FILE* file, long segment_size_at, long duration_at);
  void add_block(uint64_t track, const uint8_t* data, size_t len, int64_t ms, bool key);
  void flush_cluster();
  void write(const uint8_t* data, size_t len);

  FILE* file_;
  const long segment_size_at_;  // the Segment's 8-byte size
  const long duration_at_;      // Info's Duration value
  EbmlWriter cluster_;
  size_t cluster_open_ = 0;
  int64_t cluster_ms_ = -1;  // -1: no cluster open
  int64_t end_ms_ = 0;       // the end of the latest block
  bool ok_ = true;
  bool finished_ = false;
};

}  // namespace mcu
