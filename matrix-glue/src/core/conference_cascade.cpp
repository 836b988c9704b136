// A cascade: callers beyond the primary room's instance's share go to rooms on other instances,
// each linked to the primary (a star, so any two callers are at most two hops apart).
#include <algorithm>

#include "conference.h"

namespace glue {
namespace {

constexpr std::string_view kLinkFailedNotice =
    "This conference is full on its server, and a room on another server could not be linked "
    "to it, so your call was not connected. Try again later.";
constexpr std::string_view kUnknownError = "unknown_error";

}  // namespace

LinkedRoom* Conference::linked(std::uint32_t id) {
  auto it = std::find_if(linked_.begin(), linked_.end(),
                         [id](const LinkedRoom& l) { return l.id == id; });
  return it != linked_.end() ? &*it : nullptr;
}

const LinkedRoom* Conference::linked(std::uint32_t id) const {
  return const_cast<Conference*>(this)->linked(id);
}

int Conference::callers_in(std::uint32_t room) const {
  return static_cast<int>(std::count_if(calls_.begin(), calls_.end(),
                                        [room](const auto& c) { return c.second.room == room; }));
}

bool Conference::room_ready(std::uint32_t room) const {
  if (room == 0) return janus_room_ == JanusRoom::kReady;
  const LinkedRoom* l = linked(room);
  return l != nullptr && l->stage == LinkedRoom::Stage::kReady;
}

std::uint64_t Conference::janus_room_of(std::uint32_t room) const {
  if (room == 0) return janus_room_id_;
  const LinkedRoom* l = linked(room);
  return l != nullptr ? l->janus_room : 0;
}

// The primary takes everyone while it is being created (its instance, hence its share, is not
// known yet); a linked room being set up takes only the caller it is for.
std::uint32_t Conference::room_for_new_call(Effects& fx) {
  if (janus_room_ != JanusRoom::kReady) return 0;
  const auto& shares = fx.config().conference_share;
  auto share_of = [&shares](const std::string& instance) {
    auto it = shares.find(instance);
    return it != shares.end() ? it->second : 0;
  };
  const int primary_share = share_of(instance_);
  if (primary_share <= 0 || callers_in(0) < primary_share) return 0;
  std::vector<std::string> holding = {instance_};
  for (const LinkedRoom& l : linked_) {
    const int share = l.stage == LinkedRoom::Stage::kCreating ? 1 : share_of(l.instance);
    if (share <= 0 || callers_in(l.id) < share) return l.id;
    if (!l.instance.empty()) holding.push_back(l.instance);
  }
  LinkedRoom l;
  l.id = next_linked_++;
  fx.push(JanusCreateRoom{focus_, group_room_, l.id, holding});
  fx.log(LogLevel::kInfo, group_room_, focus_, "",
         "every room of the conference is at its instance's share: creating linked room " +
             std::to_string(l.id));
  linked_.push_back(std::move(l));
  return linked_.back().id;
}

void Conference::attach(const Call& call, Effects& fx) {
  if (call.room == 0) {
    fx.push(JanusAttach{call.ref, focus_, janus_room_ == JanusRoom::kReady ? instance_ : ""});
  } else if (room_ready(call.room)) {
    fx.push(JanusAttach{call.ref, focus_, linked(call.room)->instance});
  }
}

void Conference::on_linked_room_created(const JanusRoomCreated& ev, Effects& fx) {
  LinkedRoom* l = linked(ev.linked_room);
  if (l == nullptr || l->stage != LinkedRoom::Stage::kCreating ||
      janus_room_ != JanusRoom::kReady) {
    fx.push(JanusDestroyRoom{ev.janus_room, ev.instance});  // no longer wanted
    return;
  }
  l->instance = ev.instance;
  l->janus_room = ev.janus_room;
  l->stage = LinkedRoom::Stage::kLinkingPrimary;
  fx.log(LogLevel::kInfo, group_room_, focus_, "",
         "linked room " + std::to_string(l->id) + " created on Janus " + ev.instance +
             ": linking it to the primary room on " + instance_);
  fx.push(JanusLinkJoin{focus_, l->id, instance_, janus_room_id_, "", 0});
}

void Conference::on_linked_room_error(const JanusRoomError& ev, Effects& fx) {
  on_link_error(
      JanusLinkError{ev.focus_user_id, ev.linked_room, ev.code, "room not created: " + ev.reason},
      fx);
}

void Conference::on_link_joined(const JanusLinkJoined& ev, Effects& fx) {
  LinkedRoom* l = linked(ev.linked_room);
  if (l != nullptr && l->stage == LinkedRoom::Stage::kLinkingPrimary) {
    l->primary_end = ev.end;
    l->stage = LinkedRoom::Stage::kLinkingHere;
    fx.push(JanusLinkJoin{focus_, l->id, l->instance, l->janus_room, ev.end.ip, ev.end.port});
  } else if (l != nullptr && l->stage == LinkedRoom::Stage::kLinkingHere) {
    l->here_end = ev.end;
    l->stage = LinkedRoom::Stage::kConfiguring;
    fx.push(JanusLinkConfigure{focus_, l->id, instance_, l->primary_end.session,
                               l->primary_end.handle, ev.end.ip, ev.end.port});
  } else {
    fx.push(JanusLinkLeave{ev.instance, ev.end.session, ev.end.handle});  // no longer wanted
  }
}

void Conference::on_link_configured(const JanusLinkConfigured& ev, Effects& fx) {
  LinkedRoom* l = linked(ev.linked_room);
  if (l == nullptr || l->stage != LinkedRoom::Stage::kConfiguring) return;
  l->stage = LinkedRoom::Stage::kReady;
  fx.count_link_setup(true);
  fx.log(LogLevel::kInfo, group_room_, focus_, "",
         "linked room " + std::to_string(l->id) + " (Janus " + l->instance + " room " +
             std::to_string(l->janus_room) + ") linked to the primary room " +
             std::to_string(janus_room_id_) + " on " + instance_);
  for (const auto& [ref, call] : calls_) {
    if (call.room == l->id && !call.attached) attach(call, fx);
  }
}

// The callers waiting for the room are refused with a notice saying why; what was set up goes.
void Conference::on_link_error(const JanusLinkError& ev, Effects& fx) {
  LinkedRoom* l = linked(ev.linked_room);
  if (l == nullptr || l->stage == LinkedRoom::Stage::kReady) return;
  fx.count_link_setup(false);
  fx.log(LogLevel::kError, group_room_, focus_, "",
         "linked room " + std::to_string(l->id) + " not set up: " + std::to_string(ev.code) + " " +
             ev.reason);
  std::vector<CallRef> waiting;
  for (const auto& [ref, call] : calls_) {
    if (call.room == l->id) waiting.push_back(ref);
  }
  for (CallRef ref : waiting) {
    const std::string room = calls_.at(ref).room_id;
    end_call(ref, kUnknownError, JanusEnd::kDestroy, fx);
    fx.notice(focus_, room, kLinkFailedNotice);
  }
  drop_linked(ev.linked_room, "", fx);
  finish_if_empty(fx);
}

void Conference::drop_linked(std::uint32_t id, const std::string& dead, Effects& fx) {
  LinkedRoom* l = linked(id);
  if (l == nullptr) return;
  if (l->primary_end.session != 0 && instance_ != dead) {
    fx.push(JanusLinkLeave{instance_, l->primary_end.session, l->primary_end.handle});
  }
  if (l->instance != dead) {
    if (l->here_end.session != 0) {
      fx.push(JanusLinkLeave{l->instance, l->here_end.session, l->here_end.handle});
    }
    if (l->janus_room != 0) fx.push(JanusDestroyRoom{l->janus_room, l->instance});
  }
  fx.log(LogLevel::kInfo, group_room_, focus_, "",
         "linked room " + std::to_string(id) + " on Janus " + l->instance + " released");
  std::erase_if(linked_, [id](const LinkedRoom& r) { return r.id == id; });
}

void Conference::drop_all_linked(const std::string& dead, Effects& fx) {
  while (!linked_.empty()) drop_linked(linked_.front().id, dead, fx);
}

void Conference::drop_empty_linked(Effects& fx) {
  std::vector<std::uint32_t> empty;
  for (const LinkedRoom& l : linked_) {
    if (callers_in(l.id) == 0) empty.push_back(l.id);
  }
  for (std::uint32_t id : empty) drop_linked(id, "", fx);
}

// The step whose answer was lost goes out again; the ends already joined are kept alive.
void Conference::resume_linked(const LinkedRoom& l, std::vector<Action>& out) const {
  using LinkStage = LinkedRoom::Stage;
  if (l.primary_end.session != 0) out.push_back(JanusLinkResume{instance_, l.primary_end.session});
  if (l.here_end.session != 0) out.push_back(JanusLinkResume{l.instance, l.here_end.session});
  switch (l.stage) {
    case LinkStage::kCreating: {
      std::vector<std::string> holding = {instance_};
      for (const LinkedRoom& other : linked_) {
        if (!other.instance.empty()) holding.push_back(other.instance);
      }
      out.push_back(JanusCreateRoom{focus_, group_room_, l.id, holding});
      break;
    }
    case LinkStage::kLinkingPrimary:
      out.push_back(JanusLinkJoin{focus_, l.id, instance_, janus_room_id_, "", 0});
      break;
    case LinkStage::kLinkingHere:
      out.push_back(JanusLinkJoin{focus_, l.id, l.instance, l.janus_room, l.primary_end.ip,
                                  l.primary_end.port});
      break;
    case LinkStage::kConfiguring:
      out.push_back(JanusLinkConfigure{focus_, l.id, instance_, l.primary_end.session,
                                       l.primary_end.handle, l.here_end.ip, l.here_end.port});
      break;
    case LinkStage::kReady:
      break;
  }
}

}  // namespace glue
