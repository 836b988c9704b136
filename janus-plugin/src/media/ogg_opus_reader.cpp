#include "ogg_opus_reader.h"

#include <opusfile.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace mcu {

namespace {

constexpr int64_t kRate = 48000;

struct FileCloser {
  void operator()(OggOpusFile* f) const { op_free(f); }
};

std::string open_error(int code) {
  switch (code) {
    case OP_ENOTFORMAT:
      return "not an Ogg Opus file";
    case OP_EBADHEADER:
    case OP_EVERSION:
      return "not an Ogg Opus file (bad or unsupported Opus header)";
    case OP_EREAD:
      return "read error";
    default:
      return "damaged Ogg Opus file (libopusfile error " + std::to_string(code) + ")";
  }
}

}  // namespace

std::shared_ptr<const Pcm> read_ogg_opus_mono(const std::string& path, int max_seconds,
                                              std::string* error) {
  OpusFileCallbacks callbacks{};
  void* stream = op_fopen(&callbacks, path.c_str(), "rb");
  if (stream == nullptr) {
    *error = std::strerror(errno);
    return nullptr;
  }
  int code = 0;
  std::unique_ptr<OggOpusFile, FileCloser> file(
      op_open_callbacks(stream, &callbacks, nullptr, 0, &code));
  if (!file) {
    callbacks.close(stream);  // on failure the stream is still ours
    *error = open_error(code);
    return nullptr;
  }
  const int64_t max_samples = kRate * max_seconds;
  const int64_t total = op_pcm_total(file.get(), -1);
  const std::string too_long = "longer than " + std::to_string(max_seconds) + " s";
  if (total > max_samples) {
    *error = too_long;
    return nullptr;
  }
  auto pcm = std::make_shared<Pcm>();
  if (total > 0) pcm->reserve(static_cast<size_t>(total));
  std::array<opus_int16, 2 * 5760> stereo{};  // 120 ms, the longest Opus packet
  for (;;) {
    const int n = op_read_stereo(file.get(), stereo.data(), static_cast<int>(stereo.size()));
    if (n == OP_HOLE) continue;  // a gap in the stream: keep what follows
    if (n < 0) {
      *error = "damaged Ogg Opus file (libopusfile error " + std::to_string(n) + ")";
      return nullptr;
    }
    if (n == 0) break;
    if (static_cast<int64_t>(pcm->size()) + n > max_samples) {
      *error = too_long;
      return nullptr;
    }
    for (int i = 0; i < n; ++i)
      pcm->push_back(static_cast<int16_t>((stereo[2 * i] + stereo[2 * i + 1]) / 2));
  }
  if (pcm->empty()) {
    *error = "no audio in the file";
    return nullptr;
  }
  return pcm;
}

}  // namespace mcu
