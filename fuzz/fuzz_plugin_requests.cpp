// The plugin's request parsers (janus-plugin/src/api/), where a client's JSON becomes typed
// requests: the input, as a message body, goes through every one of them, with numeric and
// with string room IDs, and whatever they accept is checked against their contract.
#include <jansson.h>

#include <cctype>
#include <memory>
#include <optional>
#include <string>

#include "configure_request.h"
#include "fuzz_check.h"
#include "join_request.h"
#include "jsep.h"
#include "member_request.h"
#include "request_name.h"
#include "room_options.h"
#include "room_request.h"
#include "unicast_address.h"

namespace {

using JsonPtr = std::unique_ptr<json_t, decltype(&json_decref)>;

// Parse errors are 481-484 or 493 (README, "Error codes"), always with a message.
void check_error(const std::optional<conf::ParseError>& e) {
  if (!e) return;
  fuzz::check(
      e->code == 481 || e->code == 482 || e->code == 483 || e->code == 484 || e->code == 493,
      "parse error with a code outside 481-484, 493");
  fuzz::check(!e->message.empty(), "parse error without a message");
}

// A room ID that was accepted must be what the API promises and survive the trip back to the
// client and in again.
void check_room_id(const std::string& id, bool string_ids) {
  fuzz::check(!id.empty(), "empty room ID accepted");
  if (!string_ids) {
    for (char c : id)
      fuzz::check(std::isdigit(static_cast<unsigned char>(c)) != 0,
                  "numeric room ID with a non-digit");
  }
  JsonPtr request(json_object(), &json_decref);
  json_object_set_new(request.get(), "room", conf::room_id_json(id, string_ids));
  std::string again;
  fuzz::check(!conf::parse_room_id(request.get(), string_ids, &again) && again == id,
              "room ID does not round-trip through room_id_json");
}

void check_room_options(const conf::RoomOptions& o) {
  fuzz::check(o.max_participants >= 0 && o.max_speakers >= 1 && o.max_speakers <= 16,
              "participant limits out of range");
  fuzz::check(o.bitrate > 0 && o.bitrate <= 510000 && o.complexity >= 0 && o.complexity <= 10 &&
                  o.expected_loss >= 0 && o.expected_loss <= 20,
              "Opus settings out of range");
  fuzz::check(o.video_width >= 128 && o.video_width <= 1920 && o.video_width % 2 == 0 &&
                  o.video_height >= 96 && o.video_height <= 1080 && o.video_height % 2 == 0,
              "canvas size out of range or odd");
  fuzz::check(o.video_fps >= 1 && o.video_fps <= 30 && o.video_bitrate >= 100000 &&
                  o.video_bitrate <= 8000000,
              "video rate out of range");
}

void parse_all(const json_t* message, bool string_ids) {
  std::string name;
  check_error(conf::parse_request_name(message, &name));

  conf::JoinRequest join;
  const auto join_error = conf::parse_join_request(message, string_ids, &join);
  check_error(join_error);
  if (!join_error) {
    check_room_id(join.room, string_ids);
    if (join.rtp) {
      fuzz::check(conf::is_unicast_address(join.rtp->ip), "plain-RTP target not unicast");
      fuzz::check(join.rtp->port >= 1 && join.rtp->payload_type >= 0 &&
                      join.rtp->payload_type <= 127 && join.rtp->audio_level_ext >= 0 &&
                      join.rtp->audio_level_ext <= 14,
                  "plain-RTP target out of range");
    }
  }

  conf::MemberRequest member;
  const auto member_error = conf::parse_member_request(message, string_ids, &member);
  check_error(member_error);
  if (!member_error) {
    check_room_id(member.room, string_ids);
    fuzz::check(member.id > 0, "member request without a participant ID");
  }

  conf::RoomRequest room;
  const auto room_error = conf::parse_room_request(message, string_ids, &room);
  check_error(room_error);
  if (!room_error) check_room_id(room.room, string_ids);

  conf::CreateRequest create;
  const auto create_error =
      conf::parse_create_request(message, string_ids, conf::RoomOptions{}, &create);
  check_error(create_error);
  if (!create_error) {
    if (!create.options.id.empty()) check_room_id(create.options.id, string_ids);
    check_room_options(create.options);
  }

  conf::RoomOptions options;
  const auto options_error = conf::parse_room_options(message, string_ids, true, &options);
  check_error(options_error);
  if (!options_error) {
    check_room_id(options.id, string_ids);
    check_room_options(options);
  }

  conf::ConfigureRequest configure;
  check_error(conf::parse_configure_request(message, &configure));
  check_error(conf::check_ignored_participant_fields(message));

  conf::Jsep jsep;
  check_error(conf::parse_jsep(json_object_get(message, "jsep"), &jsep));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // A .jcfg value and a plain-RTP address are strings from outside too.
  JsonPtr value(conf::jcfg_value_to_json(text.c_str()), &json_decref);
  conf::is_unicast_address(text);

  json_error_t error;
  JsonPtr message(json_loadb(text.data(), text.size(), 0, &error), &json_decref);
  if (!message) return 0;
  parse_all(message.get(), false);
  parse_all(message.get(), true);
  return 0;
}
