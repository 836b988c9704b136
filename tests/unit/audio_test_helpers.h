// Audio checks shared by unit tests: reading back an Ogg Opus file (libopusfile), and a tone's
// power in samples.
#pragma once

#include <opusfile.h>

#include <cmath>
#include <string>
#include <vector>

// Every sample of the file at `path` (mono, 48 kHz); empty when it does not open.
inline std::vector<int16_t> read_ogg_opus(const std::string& path) {
  std::vector<int16_t> pcm;
  int error = 0;
  OggOpusFile* file = op_open_file(path.c_str(), &error);
  if (file == nullptr) return pcm;
  int16_t buffer[5760];
  int n = 0;
  while ((n = op_read(file, buffer, 5760, nullptr)) > 0) pcm.insert(pcm.end(), buffer, buffer + n);
  op_free(file);
  return pcm;
}

// Power of `freq` Hz in `pcm` (48 kHz) by the Goertzel algorithm, in dB.
inline double goertzel_db(const std::vector<int16_t>& pcm, double freq) {
  const double w = 2 * 3.14159265358979323846 * freq / 48000;
  const double coeff = 2 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (int16_t x : pcm) {
    const double s = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 10 * std::log10(power / static_cast<double>(pcm.size()) + 1e-9);
}
