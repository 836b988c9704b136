#include "burst_detect.h"

#include <opus/opus.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace loadgen {

namespace {

constexpr int kBlock = 120;  // 2.5 ms
constexpr int kBlocksPerFrame = kFrameSamples / kBlock;
constexpr double kBlockMs = 1000.0 * kBlock / kSampleRate;
constexpr double kOnsetFraction = 0.5;  // half the reference amplitude (-6 dB)
constexpr int kMaxGapBlocks = 4;        // dips up to 10 ms do not end a burst
constexpr int kEnergyMarginBlocks = 8;  // ramps and codec smearing around the burst
constexpr int64_t kSearchNs = 1000000000;
constexpr int kMaxConcealed = 10;  // longer holes are not concealed frame by frame

struct OpusDecoderDeleter {
  void operator()(OpusDecoder* d) const { opus_decoder_destroy(d); }
};

std::unique_ptr<OpusDecoder, OpusDecoderDeleter> new_decoder(std::string* error) {
  int err = OPUS_OK;
  OpusDecoder* d = opus_decoder_create(kSampleRate, 1, &err);
  if (err != OPUS_OK) {
    *error = std::string("opus_decoder_create: ") + opus_strerror(err);
    return nullptr;
  }
  return std::unique_ptr<OpusDecoder, OpusDecoderDeleter>(d);
}

// Tone amplitude at the marker frequency in one block (full scale = 1).
double goertzel(const int16_t* x) {
  const double w = 2.0 * 3.14159265358979323846 * kMarkerHz / kSampleRate;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (int i = 0; i < kBlock; ++i) {
    const double s0 = x[i] / 32768.0 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * std::sqrt(std::max(power, 0.0)) / kBlock;
}

// A decoded stream: per 20 ms frame its arrival time (-1 when concealed).
struct Timeline {
  std::vector<int16_t> pcm;
  std::vector<int64_t> arrival_ns;
  std::vector<double> amp;  // per block
};

void add_frame(Timeline* t, const int16_t* pcm, int64_t arrival) {
  t->pcm.insert(t->pcm.end(), pcm, pcm + kFrameSamples);
  t->arrival_ns.push_back(arrival);
  for (int b = 0; b < kBlocksPerFrame; ++b) t->amp.push_back(goertzel(pcm + b * kBlock));
}

Timeline decode_mix(const std::vector<MixPacket>& packets, std::string* error) {
  Timeline t;
  auto dec = new_decoder(error);
  if (!dec) return t;
  std::vector<const MixPacket*> sorted;
  for (const auto& p : packets) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(),
            [](const MixPacket* a, const MixPacket* b) { return a->seq < b->seq; });
  int16_t pcm[5760];
  const MixPacket* prev = nullptr;
  for (const MixPacket* p : sorted) {
    if (prev != nullptr && p->seq == prev->seq) continue;
    if (prev != nullptr) {
      const uint32_t gap = p->seq - prev->seq - 1;
      for (uint32_t g = 0; g < std::min<uint32_t>(gap, kMaxConcealed); ++g) {
        if (opus_decode(dec.get(), nullptr, 0, pcm, kFrameSamples, 0) == kFrameSamples)
          add_frame(&t, pcm, -1);
      }
    }
    const int n = opus_decode(dec.get(), p->payload.data(),
                              static_cast<opus_int32>(p->payload.size()), pcm, 5760, 0);
    // The plugins send 20 ms frames; anything else cannot be placed in time.
    if (n == kFrameSamples) add_frame(&t, pcm, p->arrival_ns);
    prev = p;
  }
  return t;
}

struct Found {
  bool ok = false;
  size_t onset = 0;  // block index
  size_t end = 0;    // one past the last block above threshold
};

Found find_burst(const std::vector<double>& amp, size_t from, size_t to, double threshold) {
  Found f;
  size_t i = from;
  while (i < to && amp[i] < threshold) ++i;
  if (i >= to) return f;
  f.ok = true;
  f.onset = i;
  f.end = i + 1;
  int gap = 0;
  for (size_t j = i + 1; j < amp.size() && gap <= kMaxGapBlocks; ++j) {
    if (amp[j] >= threshold) {
      f.end = j + 1;
      gap = 0;
    } else {
      ++gap;
    }
  }
  return f;
}

double energy(const std::vector<double>& amp, const Found& f) {
  const size_t lo = f.onset > kEnergyMarginBlocks ? f.onset - kEnergyMarginBlocks : 0;
  const size_t hi = std::min(amp.size(), f.end + kEnergyMarginBlocks);
  double e = 0;
  for (size_t i = lo; i < hi; ++i) e += amp[i] * amp[i];
  return e;
}

}  // namespace

bool analyse_reference(const TalkerStream& talker0, BurstReference* out, std::string* error) {
  auto dec = new_decoder(error);
  if (!dec) return false;
  Timeline t;
  int16_t pcm[kFrameSamples];
  // Two passes, as the sender's loop is heard in steady state; keep the second.
  for (int pass = 0; pass < 2; ++pass) {
    for (const EncodedFrame& f : talker0.frames) {
      if (opus_decode(dec.get(), f.payload.data(), static_cast<opus_int32>(f.payload.size()), pcm,
                      kFrameSamples, 0) != kFrameSamples) {
        *error = "cannot decode talker 0's own stream";
        return false;
      }
      if (pass == 1) add_frame(&t, pcm, 0);
    }
  }
  // The burst's own blocks set the reference amplitude.
  std::vector<double> during(t.amp.begin() + kBlocksPerFrame,
                             t.amp.begin() + (kBurstFrames - 1) * kBlocksPerFrame);
  std::nth_element(during.begin(), during.begin() + during.size() / 2, during.end());
  out->amplitude = during[during.size() / 2];
  const Found f = find_burst(t.amp, 0, static_cast<size_t>(kCycleFrames / 2 * kBlocksPerFrame),
                             kOnsetFraction * out->amplitude);
  if (!f.ok) {
    *error = "marker not found in talker 0's own stream";
    return false;
  }
  out->onset_ms = static_cast<double>(f.onset) * kBlockMs;
  out->duration_ms = static_cast<double>(f.end - f.onset) * kBlockMs;
  out->energy = energy(t.amp, f);
  return true;
}

std::vector<BurstObservation> detect_bursts(const std::vector<Participant>& ps,
                                            const std::vector<BurstSend>& bursts,
                                            const BurstReference& ref, int64_t from_ns,
                                            int64_t to_ns) {
  std::vector<BurstObservation> obs;
  for (size_t m = 0; m < ps.size(); ++m) {
    if (!ps[m].monitored) continue;
    std::string error;
    const Timeline t = decode_mix(ps[m].mix, &error);
    for (const BurstSend& b : bursts) {
      if (b.sent_ns < from_ns || b.sent_ns >= to_ns) continue;
      BurstObservation o;
      o.monitor = static_cast<int>(m);
      // Search frames that arrived after the burst was sent, for up to 1 s.
      size_t first = t.arrival_ns.size(), last = 0;
      for (size_t i = 0; i < t.arrival_ns.size(); ++i) {
        if (t.arrival_ns[i] < b.sent_ns || t.arrival_ns[i] > b.sent_ns + kSearchNs) continue;
        first = std::min(first, i);
        last = std::max(last, i + 1);
      }
      if (first < last) {
        const Found f = find_burst(t.amp, first * kBlocksPerFrame, last * kBlocksPerFrame,
                                   kOnsetFraction * ref.amplitude);
        const size_t frame = f.onset / kBlocksPerFrame;
        // An onset in a concealed frame has no arrival time: not a detection.
        if (f.ok && t.arrival_ns[frame] >= 0) {
          o.detected = true;
          const double onset_ns = static_cast<double>(t.arrival_ns[frame]) +
                                  static_cast<double>(f.onset % kBlocksPerFrame) * kBlockMs * 1e6;
          o.latency_ms = (onset_ns - static_cast<double>(b.sent_ns)) / 1e6 - ref.onset_ms;
          o.duration_ms = static_cast<double>(f.end - f.onset) * kBlockMs;
          o.energy_db = 10.0 * std::log10(std::max(energy(t.amp, f), 1e-12) / ref.energy);
        }
      }
      obs.push_back(o);
    }
  }
  return obs;
}

}  // namespace loadgen
