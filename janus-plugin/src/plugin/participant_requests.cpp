#include "participant_requests.h"

#include "configure_request.h"
#include "errors.h"
#include "events.h"
#include "join_request.h"
#include "jsep.h"
#include "log.h"
#include "monotonic.h"
#include "negotiation.h"
#include "rooms.h"
#include "rtp.h"
#include "sdp_answer.h"
#include "sdp_offer.h"
#include "tones.h"

namespace conf {

namespace {

// Reads what a plain-RTP participant's remote sends.
void read_plain_rtp(const std::weak_ptr<Participant>& weak) {
  auto p = weak.lock();
  if (!p) return;
  // The reactor's one thread reads every participant, so one batch serves them all.
  thread_local ReceiveBatch batch;
  // A bounded share per wake-up, so that one flooded socket cannot starve the others.
  for (int round = 0; round < 4 && p->plain->receive(&batch); ++round) {
    const int64_t now = mcu::monotonic_us();
    if (p->link && batch.size() > 0) p->last_media_us.store(now, std::memory_order_relaxed);
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::span<const uint8_t> packet = batch[i];
      if (mcu::looks_like_rtcp(packet.data(), packet.size())) continue;
      mcu::RtpPacketView view;
      if (!mcu::parse_rtp(packet.data(), packet.size(), p->plain_audio_level_ext, &view)) {
        ++p->rtp_malformed;
        continue;
      }
      p->inbound->insert(view, now);
    }
    if (batch.read() < ReceiveBatch::kSize) return;  // the queue is empty
  }
}

// Answers a participant's SDP offer.
std::optional<ParseError> answer_jsep(const Jsep& jsep, const Room& room, SdpAnswer* answer) {
  std::string error;
  if (!answer_offer(jsep.sdp.c_str(), room.options.audiolevel_ext, room.video != nullptr, answer,
                    &error))
    return ParseError{kErrInvalidSdp, error};
  return std::nullopt;
}

std::optional<ParseError> read_jsep(const json_t* jsep, std::optional<Jsep>* out) {
  if (jsep == nullptr) return std::nullopt;
  Jsep parsed;
  if (auto e = parse_jsep(jsep, &parsed)) return e;
  *out = std::move(parsed);
  return std::nullopt;
}

// Gives the participant its tile and, per the negotiated directions, the
// composite and a decoder for its camera.
void attach_video(Room& room, Participant& p, const SdpAnswer& answer) {
  if (!room.video) return;
  std::shared_ptr<WebRtcOutput> out = p.webrtc;
  if (out && answer.vp8_payload_type >= 0) out->video_payload_type = answer.vp8_payload_type;
  const bool in = out && answer.video_in;
  const bool view = out && answer.video_out;
  auto video = room.video->add(p.id, view ? out : nullptr, in ? out : nullptr, p.display());
  if (video && p.video_muted) video->set_muted(true);
  p.video_in = std::move(video);
}

json_t* jsep_json(const char* type, const std::string& sdp) {
  json_t* j = json_object();
  json_object_set_new(j, "type", json_string(type));
  json_object_set_new(j, "sdp", json_string(sdp.c_str()));
  return j;
}

// Takes a participant out of the room again when its `joined` never reached
// it: nobody else has been told about it yet.
void undo_join(Room& room, Session& session, const std::shared_ptr<Participant>& p) {
  {
    std::lock_guard lock(room.mutex);
    room.members.erase(p->id);
  }
  {
    std::lock_guard lock(session.mutex);
    if (session.participant == p) session.participant.reset();
  }
  room.audio->remove(p->id);
  if (room.video) room.video->remove(p->id);
  if (p->plain) plugin().reactor->remove(p->plain->fd());
}

}  // namespace

std::optional<ParseError> handle_join(const std::shared_ptr<Session>& session,
                                      const char* transaction, const json_t* message,
                                      const json_t* jsep) {
  Plugin& pl = plugin();
  JoinRequest request;
  if (auto e = parse_join_request(message, pl.settings.string_ids, &request)) return e;
  std::optional<Jsep> offer;
  if (auto e = read_jsep(jsep, &offer)) return e;
  if (auto e = check_join_jsep(request, offer ? &*offer : nullptr)) return e;
  std::shared_ptr<Room> room;
  if (auto e = find_room_or_error(request.room, &room)) return e;
  if (request.offer_video && !room->video)
    return ParseError{kErrInvalidRequest, "offer_video: this room has no video"};
  if (!room->options.pin.empty() && request.pin != room->options.pin)
    return ParseError{kErrUnauthorized, "Unauthorized (wrong or missing pin)"};
  {
    std::lock_guard lock(session->mutex);
    if (session->participant) return ParseError{kErrAlreadyJoined, "Already in a room"};
  }

  auto p = std::make_shared<Participant>();
  p->id = request.id != 0 ? request.id : random_id();
  if (request.display) p->set_display(*request.display);
  p->muted = request.muted;
  p->room = room;
  if (request.link) {
    if (!forward_allowed(request.link->credentials, room->options.secret, pl.settings.admin_key))
      return ParseError{kErrUnauthorized,
                        "Unauthorized (a link needs the room's secret or the admin_key)"};
    p->link = true;
    p->link_timeout_s = request.link->timeout_s;
    p->last_media_us = mcu::monotonic_us();
  }

  mcu::OutputOptions options;
  std::shared_ptr<mcu::AudioOutput> output;
  SdpAnswer answer;
  std::string our_offer;
  if (request.rtp) {
    // A link is the operator's, authorized above; plain RTP callers need the room's consent.
    if (!p->link && !room->options.allow_rtp_participants) {
      return ParseError{kErrInvalidRequest, "Plain RTP participants are not allowed in this room"};
    }
    std::string error;
    p->plain = std::make_shared<PlainRtpEndpoint>(pl.settings.rtp, request.rtp->ip,
                                                  request.rtp->port, &error);
    if (!p->plain->ok()) return ParseError{kErrRtpSetup, "Plain RTP setup failed: " + error};
    p->plain_audio_level_ext = request.rtp->audio_level_ext;
    options.payload_type = static_cast<uint8_t>(request.rtp->payload_type);
    options.audio_level_ext_id = request.rtp->audio_level_ext;
    options.link = p->link;
    output = p->plain;
  } else {
    if (offer) {
      if (auto e = answer_jsep(*offer, *room, &answer)) return e;
    } else if (request.generate_offer) {
      our_offer = make_sdp_offer({.session_id = random_id() >> 1,
                                  .audio_level_ext = room->options.audiolevel_ext,
                                  .video = request.offer_video});
      answer.opus_payload_type = kOfferOpusPayloadType;
      p->offered_video = request.offer_video;
      p->offer_sent_us = mcu::monotonic_us();
    }
    std::lock_guard lock(session->mutex);
    if (!session->webrtc)
      session->webrtc =
          std::make_shared<WebRtcOutput>(pl.gateway, session->handle, pl.settings.audio_outbox);
    p->webrtc = session->webrtc;
    if (answer.opus_payload_type >= 0) p->webrtc->payload_type = answer.opus_payload_type;
    output = p->webrtc;
  }

  json_t* others = nullptr;
  {
    std::lock_guard room_lock(room->mutex);
    if (room->destroyed)
      return ParseError{kErrNoSuchRoom, "No such room (" + room->options.id + ")"};
    if (room->members.count(p->id) > 0) {
      return ParseError{kErrIdExists, "User ID already exists in this room"};
    }
    // Links carry other instances' people: they take no place of this room's.
    if (!p->link && room->options.max_participants > 0 &&
        static_cast<int>(room->members.size() - count_links(*room)) >=
            room->options.max_participants) {
      return ParseError{
          kErrRoomFull,
          "Room is full (" + std::to_string(room->options.max_participants) + " participants)"};
    }
    std::lock_guard session_lock(session->mutex);
    if (session->destroyed) return std::nullopt;
    others = json_array();
    for (auto& [id, member] : room->members) {
      json_array_append_new(others, participant_json(*member.first, room->audio->is_talking(id)));
    }
    p->inbound = room->audio->add(p->id, output, options, p->muted);
    if (!p->link) {
      if (room->options.join_tone) room->audio->play_tone(join_tone_pcm(), p->id);
      // Video stays per instance: a link has no tile and is never the video speaker.
      attach_video(*room, *p, answer);
    }
    room->members[p->id] = {p, session};
    session->participant = p;
  }
  if (p->plain) {
    std::weak_ptr<Participant> weak = p;
    pl.reactor->add(p->plain->fd(), [weak](int /*fd*/) { read_plain_rtp(weak); });
  }

  const std::string display = p->display();
  json_t* ev = room_event("joined", *room);
  json_object_set_new(ev, "id", json_integer(static_cast<json_int_t>(p->id)));
  if (!display.empty()) json_object_set_new(ev, "display", json_string(display.c_str()));
  json_object_set_new(ev, "participants", others);
  if (room->audio->recording()) json_object_set_new(ev, "recording", json_true());
  if (p->plain) {
    json_t* r = json_object();
    json_object_set_new(r, "ip", json_string(p->plain->local_ip().c_str()));
    json_object_set_new(r, "port", json_integer(p->plain->local_port()));
    json_object_set_new(r, "payload_type", json_integer(request.rtp->payload_type));
    json_object_set_new(ev, "rtp", r);
  }
  // The participant is in the room before its answer (or our offer) goes
  // out, so that no media is lost; one the core refuses takes it out again.
  json_t* reply_jsep = nullptr;
  if (!answer.sdp.empty()) reply_jsep = jsep_json("answer", answer.sdp);
  if (!our_offer.empty()) reply_jsep = jsep_json("offer", our_offer);
  if (!push_event(session->handle, transaction, ev, reply_jsep)) {
    undo_join(*room, *session, p);
    return ParseError{kErrUnknown, "The joined event could not be delivered; join undone"};
  }
  log(Level::kInfo, "room %s: participant %llu (%s) joined over %s", room->options.id.c_str(),
      static_cast<unsigned long long>(p->id), display.c_str(),
      p->link    ? "a link"
      : p->plain ? "plain RTP"
                 : "WebRTC");

  json_t* announce = room_event("joined", *room);
  json_t* list = json_array();
  json_array_append_new(list, participant_json(*p, false));
  json_object_set_new(announce, "participants", list);
  broadcast(*room, announce, p->id);
  notify(session->handle, "joined", *room, p->id);
  return std::nullopt;
}

std::optional<ParseError> handle_configure(const std::shared_ptr<Session>& session,
                                           const char* transaction, const json_t* message,
                                           const json_t* jsep) {
  std::shared_ptr<Participant> p;
  {
    std::lock_guard lock(session->mutex);
    p = session->participant;
  }
  auto room = p ? p->room.lock() : nullptr;
  if (!room) return ParseError{kErrNotJoined, "Can't configure (not in a room)"};
  ConfigureRequest request;
  if (auto e = parse_configure_request(message, &request)) return e;
  if (request.video_speaker_layout) {
    if (!room->video) return ParseError{kErrInvalidRequest, "This room has no video"};
    // It changes everyone's picture: a moderator's call where the room has a secret.
    if (auto e = check_secret(*room, request.secret)) return e;
  }
  if (request.rtp) {
    if (!p->link) return ParseError{kErrInvalidRequest, "Only a link's rtp target can change"};
    std::string error;
    if (!p->plain->set_remote(request.rtp->ip, request.rtp->port, &error))
      return ParseError{kErrRtpSetup, "Plain RTP setup failed: " + error};
    // The timeout counts from the far end's (new) address.
    p->last_media_us = mcu::monotonic_us();
    log(Level::kInfo, "room %s: link %llu sends to %s:%u", room->options.id.c_str(),
        static_cast<unsigned long long>(p->id), request.rtp->ip.c_str(),
        static_cast<unsigned>(request.rtp->port));
  }
  std::optional<Jsep> remote;
  if (auto e = read_jsep(jsep, &remote)) return e;
  SdpAnswer answer;
  if (remote) {
    if (p->plain) return ParseError{kErrInvalidRequest, "A plain RTP participant takes no jsep"};
    if (auto e = check_configure_jsep(p->offer_sent_us != 0, *remote)) return e;
    if (remote->type == Jsep::Type::kAnswer) {
      std::string error;
      if (!read_answer(remote->sdp.c_str(), p->offered_video, &answer, &error))
        return ParseError{kErrInvalidSdp, error};
      p->offer_sent_us = 0;
    } else if (auto e = answer_jsep(*remote, *room, &answer)) {
      return e;
    }
    p->webrtc->payload_type = answer.opus_payload_type;
    attach_video(*room, *p, answer);
  }
  bool changed = false;
  if (request.video) {
    const bool muted = !*request.video;
    changed = muted != p->video_muted;
    p->video_muted = muted;
    if (room->video) room->video->set_video_muted(p->id, muted);
  }
  if (request.video_speaker_layout) {
    const bool speaker_layout = *request.video_speaker_layout;
    // One composite for everyone: the layout is the room's, not the caller's.
    room->video->set_layout(speaker_layout ? mcu::LayoutKind::kActiveSpeaker
                                           : mcu::LayoutKind::kGrid);
    bool was;
    {
      std::lock_guard lock(room->mutex);
      was = room->options.video_speaker_layout;
      room->options.video_speaker_layout = speaker_layout;
    }
    if (was != speaker_layout) {
      log(Level::kInfo, "room %s: video layout now %s (asked by %llu)", room->options.id.c_str(),
          video_layout_name(speaker_layout), static_cast<unsigned long long>(p->id));
      json_t* ev = room_event("event", *room);
      json_object_set_new(ev, "video_layout", json_string(video_layout_name(speaker_layout)));
      broadcast(*room, ev, 0);
    }
  }
  if (request.muted) {
    changed |= *request.muted != p->muted;
    p->muted = *request.muted;
    room->audio->set_muted(p->id, *request.muted);
  }
  if (request.display) {
    p->set_display(*request.display);
    if (room->video) room->video->set_display(p->id, *request.display);
    changed = true;
  }
  json_t* ev = room_event("event", *room);
  json_object_set_new(ev, "result", json_string("ok"));
  if (!push_event(session->handle, transaction, ev,
                  answer.sdp.empty() ? nullptr : jsep_json("answer", answer.sdp))) {
    return ParseError{kErrUnknown, "The configure result could not be delivered"};
  }
  if (changed) {
    json_t* update = room_event("event", *room);
    json_t* list = json_array();
    json_array_append_new(list, participant_json(*p, room->audio->is_talking(p->id)));
    json_object_set_new(update, "participants", list);
    broadcast(*room, update, p->id);
    notify(session->handle, "configured", *room, p->id);
  }
  return std::nullopt;
}

std::optional<ParseError> handle_leave(const std::shared_ptr<Session>& session,
                                       const char* transaction) {
  std::shared_ptr<Participant> p;
  {
    std::lock_guard lock(session->mutex);
    p = std::move(session->participant);
  }
  auto room = p ? p->room.lock() : nullptr;
  if (!room) return ParseError{kErrNotJoined, "Can't leave (not in a room)"};
  remove_from_room(*room, p, "leave request", session->handle);
  json_t* ev = room_event("left", *room);
  json_object_set_new(ev, "id", json_integer(static_cast<json_int_t>(p->id)));
  // The participant is gone either way; an error event would claim it is not.
  if (!push_event(session->handle, transaction, ev))
    log(Level::kWarn, "room %s: the left event for %llu was not delivered",
        room->options.id.c_str(), static_cast<unsigned long long>(p->id));
  return std::nullopt;
}

}  // namespace conf
