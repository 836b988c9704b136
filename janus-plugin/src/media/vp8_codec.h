// Thin RAII wrappers around libvpx's VP8 decoder and real-time encoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "i420_compositor.h"

namespace mcu {

class Vp8Decoder {
 public:
  Vp8Decoder();
  ~Vp8Decoder();
  Vp8Decoder(const Vp8Decoder&) = delete;
  Vp8Decoder& operator=(const Vp8Decoder&) = delete;

  bool ok() const;
  // Decodes one whole VP8 frame. Returns false for a corrupt or truncated
  // frame, or a key frame wider or taller than kMaxDimension (libvpx would
  // allocate for up to 16383x16383 from a 10-byte header); the caller should
  // then ask the sender for a key frame and feed nothing but a key frame
  // until one decodes.
  bool decode(const uint8_t* data, size_t len);
  static constexpr int kMaxDimension = 4096;
  // The picture of the last successful decode(), valid until the next call.
  // Empty (width 0) before the first picture and after a failed decode().
  I420View picture() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Vp8EncoderSettings {
  int width = 1280;
  int height = 720;
  int fps = 30;
  int bitrate = 1500000;  // bps
  int threads = 1;
  // libvpx speed for real-time mode, 4..16: higher is faster and blurrier.
  int cpu_used = 8;
};

class Vp8Encoder {
 public:
  Vp8Encoder();
  ~Vp8Encoder();
  Vp8Encoder(const Vp8Encoder&) = delete;
  Vp8Encoder& operator=(const Vp8Encoder&) = delete;

  // (Re)initialises the encoder; false with a message for invalid settings.
  bool configure(const Vp8EncoderSettings& settings, std::string* error);
  bool ok() const;
  const Vp8EncoderSettings& settings() const { return settings_; }

  // Encodes one picture of the configured size. The compressed frame replaces
  // out's contents. Frame dropping is off, so every call yields a frame unless
  // it returns false (encoder error or wrong picture size).
  bool encode(const I420Image& picture, bool force_key_frame, std::vector<uint8_t>* out,
              bool* key_frame);
  // Changes the target bitrate without a new key frame.
  bool set_bitrate(int bps);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Vp8EncoderSettings settings_;
  int64_t pts_ = 0;
};

}  // namespace mcu
