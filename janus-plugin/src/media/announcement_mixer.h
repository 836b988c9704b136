// The files playing in a room (play_file): each is PCM decoded beforehand,
// played from its start, summed into one frame per tick for the mixer, which
// adds it to every mix like a talker that speaker selection never drops.
// play/stop/playing run on request threads, next_frame on the mixer thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ogg_opus_reader.h"

namespace mcu {

class AnnouncementMixer {
 public:
  // False when `id` is already playing.
  bool play(const std::string& id, std::shared_ptr<const Pcm> pcm, bool loop);
  // False when `id` is not playing.
  bool stop(const std::string& id);
  bool playing(const std::string& id) const;
  size_t count() const;

  // The next 20 ms of every file summed (saturating) into `out`, kFrameSamples
  // samples. Files that reach their end without `loop` are dropped and their
  // IDs appended to `ended`. False, `out` untouched, when nothing plays.
  bool next_frame(int16_t* out, std::vector<std::string>* ended);

 private:
  struct Playback {
    std::shared_ptr<const Pcm> pcm;
    size_t position = 0;
    bool loop = false;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Playback> playing_;  // guarded by mutex_
  std::vector<int32_t> sum_;                 // next_frame only
};

}  // namespace mcu
