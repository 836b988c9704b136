#include "mix_forwarders.h"

#include <algorithm>

#include "opus_codec.h"
#include "rtp.h"

namespace mcu {

namespace {

constexpr size_t kRtpHeader = 12;

}  // namespace

MixForwarders::MixForwarders() {
  packet_.resize(kRtpHeader + kMaxOpusPacket);
}

void MixForwarders::add(uint32_t id, std::shared_ptr<AudioOutput> output,
                        const ForwarderOptions& options) {
  Forwarder f;
  f.output = std::move(output);
  f.options = options;
  f.seq = static_cast<uint16_t>(random_u32());
  f.ts_base = random_u32();
  std::lock_guard lock(mutex_);
  forwarders_[id] = std::move(f);
}

std::shared_ptr<AudioOutput> MixForwarders::remove(uint32_t id) {
  std::lock_guard lock(mutex_);
  auto it = forwarders_.find(id);
  if (it == forwarders_.end()) return nullptr;
  auto output = std::move(it->second.output);
  forwarders_.erase(it);
  return output;
}

size_t MixForwarders::size() const {
  std::lock_guard lock(mutex_);
  return forwarders_.size();
}

void MixForwarders::send(uint64_t tick, bool occupied, int level, const EncodedMix& encoded) {
  // Held while sending: the outputs only hand datagrams to the kernel.
  std::lock_guard lock(mutex_);
  std::span<const uint8_t> payload;
  bool have_payload = false;
  for (auto& [id, f] : forwarders_) {
    if (!occupied && !f.options.always_on) {
      f.sending = false;
      continue;
    }
    if (!have_payload) {
      payload = encoded();
      have_payload = true;
    }
    if (payload.empty() || kRtpHeader + payload.size() > packet_.size()) continue;
    const uint32_t timestamp = f.ts_base + static_cast<uint32_t>(tick * kFrameSamples);
    const size_t header =
        write_rtp_header(packet_.data(), packet_.size(), f.options.payload_type, !f.sending,
                         f.seq++, timestamp, f.options.ssrc, 0, level, false);
    if (header == 0) continue;
    f.sending = true;
    std::copy(payload.begin(), payload.end(),
              packet_.begin() + static_cast<std::ptrdiff_t>(header));
    f.output->send(packet_.data(), header + payload.size(), level);
  }
}

}  // namespace mcu
