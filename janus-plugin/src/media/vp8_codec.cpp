#include "vp8_codec.h"

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include <algorithm>
#include <climits>

namespace mcu {

// ---------------------------------------------------------------- decoder

namespace {

// RFC 6386 section 9.1: a key frame (P bit 0) has a 3-byte tag, the start
// code, then 14-bit width and height (top 2 bits: scaling). Shorter frames
// and inter frames are left to libvpx.
bool key_frame_size_ok(const uint8_t* data, size_t len) {
  if (len < 10 || (data[0] & 0x01) != 0) return true;
  const int width = (data[6] | (data[7] << 8)) & 0x3FFF;
  const int height = (data[8] | (data[9] << 8)) & 0x3FFF;
  return width <= Vp8Decoder::kMaxDimension && height <= Vp8Decoder::kMaxDimension;
}

}  // namespace

struct Vp8Decoder::Impl {
  vpx_codec_ctx_t ctx{};
  bool initialised = false;
  I420View picture;
};

Vp8Decoder::Vp8Decoder() : impl_(std::make_unique<Impl>()) {
  vpx_codec_dec_cfg_t cfg{};
  cfg.threads = 1;  // one decoder per participant; parallelism comes from there
  impl_->initialised = vpx_codec_dec_init(&impl_->ctx, vpx_codec_vp8_dx(), &cfg, 0) == VPX_CODEC_OK;
}

Vp8Decoder::~Vp8Decoder() {
  if (impl_->initialised) vpx_codec_destroy(&impl_->ctx);
}

bool Vp8Decoder::ok() const {
  return impl_->initialised;
}

bool Vp8Decoder::decode(const uint8_t* data, size_t len) {
  // The previous picture lives in the decoder's buffers, which this call may
  // overwrite even when it fails: forget it first.
  impl_->picture = I420View{};
  if (!impl_->initialised) return false;
  // A null/empty buffer would mean "flush" to libvpx, not a frame.
  if (data == nullptr || len == 0 || len > UINT_MAX) return false;
  if (!key_frame_size_ok(data, len)) return false;
  if (vpx_codec_decode(&impl_->ctx, data, static_cast<unsigned int>(len), nullptr, 0) !=
      VPX_CODEC_OK) {
    return false;
  }
  // Without error concealment libvpx reports some damage only through this flag.
  int corrupted = 0;
  if (vpx_codec_control(&impl_->ctx, VP8D_GET_FRAME_CORRUPTED, &corrupted) != VPX_CODEC_OK ||
      corrupted != 0) {
    return false;
  }
  vpx_codec_iter_t iter = nullptr;
  const vpx_image_t* img = nullptr;
  while (const vpx_image_t* next = vpx_codec_get_frame(&impl_->ctx, &iter)) img = next;
  if (img == nullptr || img->fmt != VPX_IMG_FMT_I420 || img->d_w == 0 || img->d_h == 0) {
    return false;
  }
  I420View& p = impl_->picture;
  p.y = img->planes[VPX_PLANE_Y];
  p.u = img->planes[VPX_PLANE_U];
  p.v = img->planes[VPX_PLANE_V];
  p.stride_y = img->stride[VPX_PLANE_Y];
  p.stride_u = img->stride[VPX_PLANE_U];
  p.stride_v = img->stride[VPX_PLANE_V];
  p.width = static_cast<int>(img->d_w);
  p.height = static_cast<int>(img->d_h);
  return true;
}

I420View Vp8Decoder::picture() const {
  return impl_->picture;
}

// ---------------------------------------------------------------- encoder

struct Vp8Encoder::Impl {
  vpx_codec_ctx_t ctx{};
  vpx_codec_enc_cfg_t cfg{};
  bool initialised = false;

  void destroy() {
    if (initialised) vpx_codec_destroy(&ctx);
    initialised = false;
  }
};

namespace {

constexpr int kMinBitrate = 50000;
constexpr int kMaxBitrate = 20000000;

bool validate(const Vp8EncoderSettings& s, std::string* error) {
  const char* msg = nullptr;
  if (s.width < 16 || s.width > 4096 || s.height < 16 || s.height > 4096) {
    msg = "width and height must be 16..4096";
  } else if (s.fps < 1 || s.fps > 60) {
    msg = "fps must be 1..60";
  } else if (s.bitrate < kMinBitrate || s.bitrate > kMaxBitrate) {
    msg = "bitrate must be 50000..20000000 bps";
  } else if (s.threads < 1 || s.threads > 8) {
    msg = "threads must be 1..8";
  } else if (s.cpu_used < 4 || s.cpu_used > 16) {
    msg = "cpu_used must be 4..16";
  }
  if (msg != nullptr && error != nullptr) *error = msg;
  return msg == nullptr;
}

}  // namespace

Vp8Encoder::Vp8Encoder() : impl_(std::make_unique<Impl>()) {}

Vp8Encoder::~Vp8Encoder() {
  impl_->destroy();
}

bool Vp8Encoder::ok() const {
  return impl_->initialised;
}

bool Vp8Encoder::configure(const Vp8EncoderSettings& settings, std::string* error) {
  // Invalid settings leave a working encoder as it was.
  if (!validate(settings, error)) return false;
  impl_->destroy();
  settings_ = settings;
  pts_ = 0;

  vpx_codec_enc_cfg_t& cfg = impl_->cfg;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
    if (error != nullptr) *error = "vpx_codec_enc_config_default failed";
    return false;
  }
  // Real-time usage (1; libvpx 1.12 has no named constant). VP8 takes its
  // mode from the encode deadline, VPX_DL_REALTIME below.
  cfg.g_usage = 1;
  cfg.g_w = static_cast<unsigned int>(settings.width);
  cfg.g_h = static_cast<unsigned int>(settings.height);
  cfg.g_threads = static_cast<unsigned int>(settings.threads);
  cfg.g_timebase = {1, settings.fps};  // pts counts frames
  cfg.g_pass = VPX_RC_ONE_PASS;
  cfg.g_lag_in_frames = 0;  // no look-ahead: every input yields its frame at once
  // Entropy probabilities are not carried over between frames, so a lost
  // frame does not leave the following ones undecodable.
  cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  cfg.rc_end_usage = VPX_CBR;
  cfg.rc_target_bitrate = static_cast<unsigned int>(settings.bitrate / 1000);
  // Never drop or resize: callers get one frame per picture, of the
  // configured size.
  cfg.rc_dropframe_thresh = 0;
  cfg.rc_resize_allowed = 0;
  // Close to WebRTC's VP8 settings: q 4..56 avoids spending bits on near
  // lossless static frames and bounds blockiness; the buffer model (in ms)
  // keeps the rate steady enough for receivers' jitter buffers.
  cfg.rc_min_quantizer = 4;
  cfg.rc_max_quantizer = 56;
  cfg.rc_undershoot_pct = 100;
  cfg.rc_overshoot_pct = 15;
  cfg.rc_buf_initial_sz = 500;
  cfg.rc_buf_optimal_sz = 600;
  cfg.rc_buf_sz = 1000;
  // Periodic key frames let a receiver that missed one recover without RTCP.
  cfg.kf_mode = VPX_KF_AUTO;
  cfg.kf_min_dist = 0;
  cfg.kf_max_dist = static_cast<unsigned int>(10 * settings.fps);

  if (vpx_codec_enc_init(&impl_->ctx, vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
    if (error != nullptr) *error = "vpx_codec_enc_init failed";
    return false;
  }
  impl_->initialised = true;

  // Negative cpu_used pins libvpx's real-time Speed to -cpu_used; a positive
  // one lets it re-pick the speed every frame from measured encode times,
  // which makes quality and CPU load depend on machine load. The MCU
  // budgets CPU per room, so it wants a fixed, predictable speed.
  // Key frames are capped (as WebRTC does) at half the optimal buffer's worth
  // of frames, so periodic key frames don't burst the network.
  const unsigned int max_intra_pct =
      std::max(300u, cfg.rc_buf_optimal_sz / 2 * static_cast<unsigned int>(settings.fps) / 10);
  const bool controls_ok =
      vpx_codec_control(&impl_->ctx, VP8E_SET_CPUUSED, -settings.cpu_used) == VPX_CODEC_OK &&
      // Skips blocks that did not change: most of a composite is static.
      vpx_codec_control(&impl_->ctx, VP8E_SET_STATIC_THRESHOLD, 1u) == VPX_CODEC_OK &&
      // No denoiser: the input is decoded video, smoothed by its encoders already.
      vpx_codec_control(&impl_->ctx, VP8E_SET_NOISE_SENSITIVITY, 0u) == VPX_CODEC_OK &&
      vpx_codec_control(&impl_->ctx, VP8E_SET_TOKEN_PARTITIONS,
                        static_cast<int>(VP8_ONE_TOKENPARTITION)) == VPX_CODEC_OK &&
      vpx_codec_control(&impl_->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, max_intra_pct) == VPX_CODEC_OK;
  if (!controls_ok) {
    if (error != nullptr) *error = "vpx_codec_control failed";
    impl_->destroy();
    return false;
  }
  return true;
}

bool Vp8Encoder::encode(const I420Image& picture, bool force_key_frame, std::vector<uint8_t>* out,
                        bool* key_frame) {
  if (out != nullptr) out->clear();
  if (key_frame != nullptr) *key_frame = false;
  if (!impl_->initialised || out == nullptr) return false;
  if (picture.width() != settings_.width || picture.height() != settings_.height) return false;

  // libvpx only reads the input, but its API takes non-const pointers.
  uint8_t* base = const_cast<uint8_t*>(picture.y());
  vpx_image_t img;
  if (vpx_img_wrap(&img, VPX_IMG_FMT_I420, static_cast<unsigned int>(picture.width()),
                   static_cast<unsigned int>(picture.height()), 1, base) == nullptr) {
    return false;
  }
  // vpx_img_wrap assumes planes of even-rounded size; I420Image packs them
  // tightly ((w+1)/2 chroma), so set planes and strides explicitly.
  img.planes[VPX_PLANE_Y] = base;
  img.planes[VPX_PLANE_U] = const_cast<uint8_t*>(picture.u());
  img.planes[VPX_PLANE_V] = const_cast<uint8_t*>(picture.v());
  img.stride[VPX_PLANE_Y] = picture.stride_y();
  img.stride[VPX_PLANE_U] = picture.stride_uv();
  img.stride[VPX_PLANE_V] = picture.stride_uv();

  const vpx_enc_frame_flags_t flags = force_key_frame ? VPX_EFLAG_FORCE_KF : 0;
  if (vpx_codec_encode(&impl_->ctx, &img, pts_, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK) {
    return false;
  }
  ++pts_;

  bool key = false;
  vpx_codec_iter_t iter = nullptr;
  while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&impl_->ctx, &iter)) {
    if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
    const auto* buf = static_cast<const uint8_t*>(pkt->data.frame.buf);
    out->insert(out->end(), buf, buf + pkt->data.frame.sz);
    if ((pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0) key = true;
  }
  if (out->empty()) return false;
  if (key_frame != nullptr) *key_frame = key;
  return true;
}

bool Vp8Encoder::set_bitrate(int bps) {
  if (!impl_->initialised || bps < kMinBitrate || bps > kMaxBitrate) return false;
  vpx_codec_enc_cfg_t cfg = impl_->cfg;
  cfg.rc_target_bitrate = static_cast<unsigned int>(bps / 1000);
  if (vpx_codec_enc_config_set(&impl_->ctx, &cfg) != VPX_CODEC_OK) return false;
  impl_->cfg = cfg;
  settings_.bitrate = bps;
  return true;
}

}  // namespace mcu
