// Thin RAII wrappers around libopus for mono 48 kHz audio.
#pragma once

#include <cstddef>
#include <cstdint>

struct OpusDecoder;
struct OpusEncoder;

namespace mcu {

constexpr int kSampleRate = 48000;
constexpr int kFrameSamples = 960;       // 20 ms at 48 kHz: one mixer tick
constexpr int kMaxPacketSamples = 5760;  // 120 ms, the longest Opus packet
constexpr size_t kMaxOpusPacket = 1275;

class OpusDecoderMono {
 public:
  OpusDecoderMono();
  ~OpusDecoderMono();
  OpusDecoderMono(const OpusDecoderMono&) = delete;
  OpusDecoderMono& operator=(const OpusDecoderMono&) = delete;

  bool ok() const { return dec_ != nullptr; }
  // Decodes one packet. Returns samples written (<= max_samples) or a
  // negative libopus error for a corrupt packet.
  int decode(const uint8_t* data, size_t len, int16_t* pcm, int max_samples);
  // Recovers the packet before `data` from its in-band FEC; `samples` is the
  // duration of the lost packet. Falls back to PLC when `data` has no FEC.
  int decode_fec(const uint8_t* data, size_t len, int16_t* pcm, int samples);
  // Packet-loss concealment for `samples` samples.
  int conceal(int16_t* pcm, int samples);
  void reset();

 private:
  OpusDecoder* dec_ = nullptr;
};

struct OpusEncoderSettings {
  int bitrate = 32000;  // bps; 0 = libopus decides
  int complexity = 5;   // 0..10
  bool inband_fec = true;
  int expected_loss = 5;  // percent, for FEC
};

class OpusEncoderMono {
 public:
  explicit OpusEncoderMono(const OpusEncoderSettings& settings = {});
  ~OpusEncoderMono();
  OpusEncoderMono(const OpusEncoderMono&) = delete;
  OpusEncoderMono& operator=(const OpusEncoderMono&) = delete;

  bool ok() const { return enc_ != nullptr; }
  // Encodes one 20 ms frame (kFrameSamples). Returns bytes written or a
  // negative libopus error.
  int encode(const int16_t* pcm, uint8_t* out, size_t cap);
  void reset();
  // Samples of delay the encoder adds (a container's pre-skip); 0 when not ok().
  int lookahead() const;

 private:
  OpusEncoder* enc_ = nullptr;
};

// Number of samples (at 48 kHz) in an Opus packet, or a negative error.
int opus_packet_samples(const uint8_t* data, size_t len);
// Number of channels an Opus packet codes (1 or 2), or a negative error.
int opus_packet_channels(const uint8_t* data, size_t len);

}  // namespace mcu
