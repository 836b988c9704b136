// Reads a whole Ogg Opus file (libopusfile) into 48 kHz mono PCM for an
// announcement: decoded once when it is asked for, so the mixer thread only
// copies samples. Stereo or multichannel input is downmixed; libopusfile
// decodes every Opus input rate at 48 kHz.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mcu {

using Pcm = std::vector<int16_t>;

// Longest file read: 5 minutes (28.8 MB of PCM).
constexpr int kMaxAnnouncementSeconds = 300;

// Null with `error` set when the file cannot be opened, is not Ogg Opus, is
// damaged, holds no audio or is longer than `max_seconds`.
std::shared_ptr<const Pcm> read_ogg_opus_mono(const std::string& path, int max_seconds,
                                              std::string* error);

}  // namespace mcu
