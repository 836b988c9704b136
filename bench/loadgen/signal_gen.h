// What the simulated participants say, pre-encoded once: K talkers with
// speech-like talk spurts and pauses (talker 0 opens every cycle with a marker
// tone burst), and the packet a muted or silent microphone produces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loadgen {

constexpr int kSampleRate = 48000;
constexpr int kFrameSamples = 960;  // 20 ms
constexpr int kCycleFrames = 100;   // 2 s: one marker burst per cycle
constexpr int kBurstFrames = 10;    // 200 ms
constexpr double kMarkerHz = 3000.0;
constexpr double kMarkerAmplitude = 0.25;  // of full scale
// Speech is band-limited well below the marker so the marker stays detectable
// in a mix that carries the other talkers too.
constexpr double kSpeechMaxHz = 1200.0;

struct EncodedFrame {
  std::vector<uint8_t> payload;
  uint8_t level = 127;  // RFC 6464: -dBov of the frame, 127 = silence
  bool voice = false;   // the V flag of RFC 6464
};

struct TalkerStream {
  std::vector<EncodedFrame> frames;  // loops; frame 0 starts a cycle
  std::vector<int16_t> pcm;          // the source signal, for reference only
};

struct Signals {
  std::vector<TalkerStream> talkers;
  EncodedFrame silent;
  std::string silent_description;
};

// cycles: loop length in 2 s cycles (each cycle's speech differs). With K >= 3
// at least two talkers are active at any time, so every participant's mix,
// talkers' included, always carries somebody. short_pauses: talker 0 pauses at
// most 200 ms, which a mixer's silence tail bridges, so that with K = 1 the
// listeners' mix is never silent for long enough to stop. Returns false with
// *error when Opus fails.
bool make_signals(int talkers, int cycles, int bitrate, bool short_pauses, Signals* out,
                  std::string* error);

}  // namespace loadgen
