// The synchronous requests: create, destroy, exists, list, listparticipants,
// kick, mute/unmute, mute_room/unmute_room, kick_all. Each takes the message and returns the reply
// (or an error reply); none keeps a reference to the message.
#pragma once

#include <jansson.h>

namespace conf {

json_t* handle_create(const json_t* message);
json_t* handle_destroy(const json_t* message);
json_t* handle_exists(const json_t* message);
json_t* handle_list(const json_t* message);
json_t* handle_listparticipants(const json_t* message);
json_t* handle_kick(const json_t* message);
json_t* handle_mute(const json_t* message);
json_t* handle_unmute(const json_t* message);
json_t* handle_mute_room(const json_t* message);
json_t* handle_unmute_room(const json_t* message);
json_t* handle_kick_all(const json_t* message);

}  // namespace conf
