#include "recording.h"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "errors.h"
#include "events.h"
#include "log.h"
#include "ogg_opus_recorder.h"
#include "room_request.h"
#include "rooms.h"
#include "webm_recorder.h"

namespace conf {

namespace {

long long now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Participants and event handlers learn when the mix starts or stops being recorded.
void tell_recording(Room& room, bool recording) {
  json_t* ev = room_event("event", room);
  json_object_set_new(ev, "recording", json_boolean(recording));
  broadcast(room, ev, 0);
  notify(nullptr, recording ? "recording-started" : "recording-stopped", room, 0);
}

}  // namespace

std::optional<ParseError> start_recording(Room& room, const RecordOptions& options) {
  // A video room records the composite and the mix together: one file per recording.
  const bool video = room.video != nullptr;
  const std::filesystem::path path = record_path(options, room.options.id, now_us(), video);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return ParseError{kErrUnknown, "Could not make the recording folder " +
                                       path.parent_path().string() + ": " + ec.message()};
  }
  std::string error;
  std::shared_ptr<mcu::MixRecorder> recorder;
  if (video) {
    const auto& canvas = room.video->config().encoder;
    mcu::OpusEncoderSettings audio;
    audio.bitrate = room.options.bitrate;
    audio.complexity = room.options.complexity;
    auto webm = mcu::WebmRecorder::open(path.string(), canvas.width, canvas.height, audio, &error);
    if (webm) room.video->start_recording(webm);
    recorder = webm;
  } else {
    recorder = mcu::OggOpusRecorder::open(path.string(), room.options.bitrate,
                                          room.options.complexity, &error);
  }
  if (!recorder) {
    return ParseError{kErrUnknown,
                      "Could not open the recording file " + path.string() + ": " + error};
  }
  room.audio->start_recording(std::move(recorder));
  log(Level::kInfo, "room %s: recording the %s to %s", room.options.id.c_str(),
      video ? "composite and the mix" : "mix", path.string().c_str());
  return std::nullopt;
}

void stop_recording(Room& room) {
  // Both media threads let go first, so the file is finished here, not on theirs.
  auto video = room.video ? room.video->stop_recording() : nullptr;
  auto recorder = room.audio->stop_recording();
  if (!recorder) return;
  video.reset();
  const mcu::RecorderStats s = recorder->stats();
  recorder.reset();  // writes out the rest and finishes the file
  log(Level::kInfo,
      "room %s: recording stopped (%llu audio frames, %llu dropped; %llu video frames, %llu "
      "dropped)",
      room.options.id.c_str(), static_cast<unsigned long long>(s.frames),
      static_cast<unsigned long long>(s.dropped), static_cast<unsigned long long>(s.video_frames),
      static_cast<unsigned long long>(s.video_dropped));
}

json_t* handle_enable_recording(const json_t* message) {
  EnableRecordingRequest request;
  if (auto e = parse_enable_recording_request(message, plugin().settings.string_ids, &request))
    return make_error(e->code, e->message);
  std::shared_ptr<Room> room;
  if (auto e = find_room_or_error(request.room.room, &room)) return make_error(e->code, e->message);
  if (auto e = check_secret(*room, request.room.secret)) return make_error(e->code, e->message);
  // One request at a time per room decides whether a file is open.
  std::lock_guard lock(room->recording_mutex);
  const bool was = room->audio->recording();
  RecordOptions options;
  {
    std::lock_guard room_lock(room->mutex);
    options = room->options.recording;
  }
  // New names count from a recording that starts; a refused one changes nothing.
  if (request.record_file) options.file = *request.record_file;
  if (request.record_dir) options.dir = *request.record_dir;
  options.record = request.record;
  if (request.record && !was) {
    if (auto e = start_recording(*room, options)) return make_error(e->code, e->message);
  } else if (!request.record && was) {
    stop_recording(*room);
  }
  if (request.record != was) {
    std::lock_guard room_lock(room->mutex);
    room->options.recording = options;
  }
  if (request.record != was) tell_recording(*room, request.record);
  json_t* ev = make_event("success");
  json_object_set_new(ev, "record", json_boolean(room->audio->recording()));
  return ev;
}

}  // namespace conf
