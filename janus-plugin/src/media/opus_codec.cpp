#include "opus_codec.h"

#include <opus.h>

#include <algorithm>
#include <climits>

namespace mcu {
namespace {

// libopus takes lengths as opus_int32; anything longer is not a valid packet.
bool valid_packet(const uint8_t* data, size_t len) {
  return data != nullptr && len > 0 && len <= static_cast<size_t>(INT32_MAX);
}

}  // namespace

OpusDecoderMono::OpusDecoderMono() {
  int err = OPUS_OK;
  dec_ = opus_decoder_create(kSampleRate, 1, &err);
  if (err != OPUS_OK) dec_ = nullptr;
}

OpusDecoderMono::~OpusDecoderMono() {
  if (dec_ != nullptr) opus_decoder_destroy(dec_);
}

int OpusDecoderMono::decode(const uint8_t* data, size_t len, int16_t* pcm, int max_samples) {
  if (dec_ == nullptr) return OPUS_INVALID_STATE;
  if (!valid_packet(data, len) || pcm == nullptr || max_samples <= 0) return OPUS_BAD_ARG;
  return opus_decode(dec_, data, static_cast<opus_int32>(len), pcm, max_samples, 0);
}

int OpusDecoderMono::decode_fec(const uint8_t* data, size_t len, int16_t* pcm, int samples) {
  if (dec_ == nullptr) return OPUS_INVALID_STATE;
  if (pcm == nullptr || samples <= 0 || samples > kMaxPacketSamples) return OPUS_BAD_ARG;
  if (!valid_packet(data, len)) return conceal(pcm, samples);
  // libopus itself falls back to PLC when the packet carries no LBRR data.
  const int n = opus_decode(dec_, data, static_cast<opus_int32>(len), pcm, samples, 1);
  return n >= 0 ? n : conceal(pcm, samples);
}

int OpusDecoderMono::conceal(int16_t* pcm, int samples) {
  if (dec_ == nullptr) return OPUS_INVALID_STATE;
  if (pcm == nullptr || samples <= 0 || samples > kMaxPacketSamples) return OPUS_BAD_ARG;
  return opus_decode(dec_, nullptr, 0, pcm, samples, 0);
}

void OpusDecoderMono::reset() {
  if (dec_ != nullptr) opus_decoder_ctl(dec_, OPUS_RESET_STATE);
}

OpusEncoderMono::OpusEncoderMono(const OpusEncoderSettings& settings) {
  int err = OPUS_OK;
  enc_ = opus_encoder_create(kSampleRate, 1, OPUS_APPLICATION_VOIP, &err);
  if (err != OPUS_OK) {
    enc_ = nullptr;
    return;
  }
  const opus_int32 bitrate = settings.bitrate > 0 ? settings.bitrate : OPUS_AUTO;
  const bool applied =
      opus_encoder_ctl(enc_, OPUS_SET_BITRATE(bitrate)) == OPUS_OK &&
      opus_encoder_ctl(enc_, OPUS_SET_COMPLEXITY(std::clamp(settings.complexity, 0, 10))) ==
          OPUS_OK &&
      opus_encoder_ctl(enc_, OPUS_SET_INBAND_FEC(settings.inband_fec ? 1 : 0)) == OPUS_OK &&
      opus_encoder_ctl(
          enc_, OPUS_SET_PACKET_LOSS_PERC(std::clamp(settings.expected_loss, 0, 100))) == OPUS_OK &&
      opus_encoder_ctl(enc_, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) == OPUS_OK;
  if (!applied) {
    opus_encoder_destroy(enc_);
    enc_ = nullptr;
  }
}

OpusEncoderMono::~OpusEncoderMono() {
  if (enc_ != nullptr) opus_encoder_destroy(enc_);
}

int OpusEncoderMono::encode(const int16_t* pcm, uint8_t* out, size_t cap) {
  if (enc_ == nullptr) return OPUS_INVALID_STATE;
  if (pcm == nullptr || out == nullptr || cap == 0) return OPUS_BAD_ARG;
  const auto max_bytes = static_cast<opus_int32>(std::min(cap, kMaxOpusPacket));
  return opus_encode(enc_, pcm, kFrameSamples, out, max_bytes);
}

void OpusEncoderMono::reset() {
  if (enc_ != nullptr) opus_encoder_ctl(enc_, OPUS_RESET_STATE);
}

int OpusEncoderMono::lookahead() const {
  opus_int32 samples = 0;
  if (enc_ == nullptr || opus_encoder_ctl(enc_, OPUS_GET_LOOKAHEAD(&samples)) != OPUS_OK) return 0;
  return samples;
}

int opus_packet_samples(const uint8_t* data, size_t len) {
  if (!valid_packet(data, len)) return OPUS_BAD_ARG;
  return opus_packet_get_nb_samples(data, static_cast<opus_int32>(len), kSampleRate);
}

int opus_packet_channels(const uint8_t* data, size_t len) {
  if (!valid_packet(data, len)) return OPUS_BAD_ARG;
  return opus_packet_get_nb_channels(data);
}

}  // namespace mcu
