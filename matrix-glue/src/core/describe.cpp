#include <sstream>
#include <type_traits>
#include <variant>

#include "actions.h"

namespace glue {
namespace {

void put(std::ostream& os, const std::vector<Candidate>& candidates) {
  os << '[';
  for (const Candidate& c : candidates) {
    os << " {" << c.candidate << " mid=" << c.sdp_mid.value_or("-")
       << " index=" << (c.sdp_mline_index ? std::to_string(*c.sdp_mline_index) : "-") << '}';
  }
  os << " ]";
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

}  // namespace

std::string describe(const Action& action) {
  std::ostringstream os;
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, JoinRoom>) {
          os << "JoinRoom " << a.user_id << ' ' << a.room_id;
        } else if constexpr (std::is_same_v<T, LeaveRoom>) {
          os << "LeaveRoom " << a.user_id << ' ' << a.room_id << " reason=" << a.reason;
        } else if constexpr (std::is_same_v<T, ReadMembers>) {
          os << "ReadMembers " << a.user_id << ' ' << a.room_id;
        } else if constexpr (std::is_same_v<T, ReadRecentEvents>) {
          os << "ReadRecentEvents " << a.user_id << ' ' << a.room_id << " limit=" << a.limit;
        } else if constexpr (std::is_same_v<T, SendEvent>) {
          os << "SendEvent " << a.user_id << ' ' << a.room_id << ' ' << a.type << ' ' << a.content
             << " txn=" << a.txn_id;
        } else if constexpr (std::is_same_v<T, JanusCreateRoom>) {
          os << "JanusCreateRoom " << a.focus_user_id << ' ' << a.group_room_id;
          if (a.linked_room != 0) {
            os << " linked_room=" << a.linked_room << " exclude=";
            for (const std::string& e : a.exclude) os << e << ',';
          }
        } else if constexpr (std::is_same_v<T, JanusDestroyRoom>) {
          os << "JanusDestroyRoom " << a.janus_room << " on " << a.instance;
        } else if constexpr (std::is_same_v<T, JanusAttach>) {
          os << "JanusAttach call=" << a.call << " conference=" << a.focus_user_id << " on "
             << a.instance;
        } else if constexpr (std::is_same_v<T, JanusJoin>) {
          os << "JanusJoin call=" << a.call << " session=" << a.session_id
             << " handle=" << a.handle_id << " room=" << a.janus_room << " display=" << a.display
             << " offer=" << a.offer_sdp.size() << "B"
             << (a.generate_offer ? " generate_offer" : "")
             << (a.offer_video ? " offer_video" : "");
        } else if constexpr (std::is_same_v<T, JanusAnswer>) {
          os << "JanusAnswer call=" << a.call << " session=" << a.session_id
             << " handle=" << a.handle_id << " answer=" << a.answer_sdp.size() << "B";
        } else if constexpr (std::is_same_v<T, JanusTrickle>) {
          os << "JanusTrickle call=" << a.call << " session=" << a.session_id
             << " handle=" << a.handle_id << ' ';
          put(os, a.candidates);
          os << (a.completed ? " completed" : "");
        } else if constexpr (std::is_same_v<T, JanusConfigure>) {
          os << "JanusConfigure call=" << a.call << " session=" << a.session_id
             << " handle=" << a.handle_id << " offer=" << a.offer_sdp.size() << "B";
        } else if constexpr (std::is_same_v<T, JanusRename>) {
          os << "JanusRename call=" << a.call << " session=" << a.session_id
             << " handle=" << a.handle_id << " display=" << a.display;
        } else if constexpr (std::is_same_v<T, JanusLeave>) {
          os << "JanusLeave call=" << a.call << " session=" << a.session_id
             << " handle=" << a.handle_id;
        } else if constexpr (std::is_same_v<T, JanusDestroySession>) {
          os << "JanusDestroySession call=" << a.call << " session=" << a.session_id;
        } else if constexpr (std::is_same_v<T, JanusResume>) {
          os << "JanusResume call=" << a.call << " session=" << a.session_id
             << " handle=" << a.handle_id << " on " << a.instance;
        } else if constexpr (std::is_same_v<T, JanusRoomRequest>) {
          os << "JanusRoomRequest " << a.focus_user_id << " room=" << a.janus_room << " on "
             << a.instance << " kind=" << static_cast<int>(a.request.kind)
             << " participant=" << a.request.participant << " target=" << a.request.target
             << " layout=" << a.request.layout << " file=" << a.request.file
             << " handle=" << a.request.session_id << '/' << a.request.handle_id
             << " reply_to=" << a.origin.event_id;
        } else if constexpr (std::is_same_v<T, JanusLinkJoin>) {
          os << "JanusLinkJoin " << a.focus_user_id << " linked_room=" << a.linked_room << " on "
             << a.instance << " room=" << a.janus_room << " far=" << a.far_ip << ':' << a.far_port;
        } else if constexpr (std::is_same_v<T, JanusLinkConfigure>) {
          os << "JanusLinkConfigure " << a.focus_user_id << " linked_room=" << a.linked_room
             << " on " << a.instance << " handle=" << a.session_id << '/' << a.handle_id
             << " far=" << a.far_ip << ':' << a.far_port;
        } else if constexpr (std::is_same_v<T, JanusLinkLeave>) {
          os << "JanusLinkLeave on " << a.instance << " handle=" << a.session_id << '/'
             << a.handle_id;
        } else if constexpr (std::is_same_v<T, JanusLinkResume>) {
          os << "JanusLinkResume on " << a.instance << " session=" << a.session_id;
        } else if constexpr (std::is_same_v<T, SetTimer>) {
          os << "SetTimer " << a.id << ' ' << a.delay_ms << "ms";
        } else if constexpr (std::is_same_v<T, CancelTimer>) {
          os << "CancelTimer " << a.id;
        } else if constexpr (std::is_same_v<T, Log>) {
          os << "Log " << level_name(a.level) << " room=" << a.room_id << " user=" << a.user_id
             << " call=" << a.call_id << ": " << a.message;
        }
      },
      action);
  return os.str();
}

}  // namespace glue
