// Announcements: play_file, is_playing and stop_file (AudioBridge's requests),
// and the announcement-started / announcement-stopped events they cause.
#pragma once

#include <jansson.h>

#include <memory>
#include <string>

#include "state.h"

namespace conf {

// Files one room may play at once.
constexpr size_t kMaxAnnouncementsPerRoom = 8;

json_t* handle_play_file(const json_t* message);
json_t* handle_is_playing(const json_t* message);
json_t* handle_stop_file(const json_t* message);

// The mixer played `file_id` to its end: tells the room (off the mixer thread).
void announcement_played(const std::weak_ptr<Room>& room, const std::string& file_id);

}  // namespace conf
