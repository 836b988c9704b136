// Commands to the focus: their syntax, the power-level rule, and what the state machine does
// with them in the group room (moderators) and the 1:1 room (the caller).
#include "commands.h"
#include "glue_harness.h"

namespace {

using namespace gt;

std::string reply_json(const std::string& body, const std::string& event_id) {
  return R"({"body":")" + body + R"(","m.relates_to":{"m.in_reply_to":{"event_id":")" + event_id +
         R"("}},"msgtype":"m.notice"})";
}

RoomMessage message(const std::string& room, const std::string& sender, const std::string& body,
                    const std::string& event_id = "$cmd", std::vector<std::string> mentions = {}) {
  return RoomMessage{room, sender, event_id, body, std::move(mentions)};
}

// Bob may moderate (his level equals the kick level); Alice may not.
PowerLevels levels() {
  return PowerLevels{kGroup, {{kBob, 50}, {kFocus, 100}}, 0, 50};
}

void expect_parsed(Command (*parse)(std::string_view), std::string_view text, CommandKind kind,
                   const std::string& target) {
  const Command c = parse(text);
  if (c.kind != kind || c.target != target) {
    fail_msg("\"%.*s\": kind %d target \"%s\"", static_cast<int>(text.size()), text.data(),
             static_cast<int>(c.kind), c.target.c_str());
  }
}

void expect_command(std::string_view text, CommandKind kind, const std::string& target = "") {
  expect_parsed(parse_group_command, text, kind, target);
}

void expect_direct(std::string_view text, CommandKind kind, const std::string& target = "") {
  expect_parsed(parse_direct_command, text, kind, target);
}

void test_group_syntax(void**) {
  expect_command("help", CommandKind::kHelp);
  expect_command("  WHO ", CommandKind::kWho);
  expect_command("mute @bob:example.org", CommandKind::kMute, "@bob:example.org");
  expect_command("unmute   @bob:example.org", CommandKind::kUnmute, "@bob:example.org");
  expect_command("mute all", CommandKind::kMuteAll);
  expect_command("Unmute ALL", CommandKind::kUnmuteAll);
  expect_command("kick @bob:example.org", CommandKind::kKick, "@bob:example.org");
  expect_command("record start", CommandKind::kRecordStart);
  expect_command("record stop", CommandKind::kRecordStop);
  // Not commands: a target that is no user ID, extra words, 1:1-room commands.
  expect_command("mute bob", CommandKind::kUnknown, "mute bob");
  expect_command("mute @bob", CommandKind::kUnknown, "mute @bob");
  expect_command("kick all", CommandKind::kUnknown, "kick all");
  expect_command("record", CommandKind::kUnknown, "record");
  expect_command("who is there", CommandKind::kUnknown, "who is there");
  expect_command("mute", CommandKind::kUnknown, "mute");
  expect_command("layout grid", CommandKind::kUnknown, "layout grid");
  expect_command("", CommandKind::kUnknown, "");
}

void test_direct_syntax(void**) {
  expect_direct("mute", CommandKind::kMute);
  expect_direct(" Unmute", CommandKind::kUnmute);
  expect_direct("layout grid", CommandKind::kLayout, "grid");
  expect_direct("layout SPEAKER", CommandKind::kLayout, "speaker");
  expect_direct("who", CommandKind::kWho);
  expect_direct("help", CommandKind::kHelp);
  expect_direct("layout mosaic", CommandKind::kUnknown, "layout mosaic");
  expect_direct("mute @bob:example.org", CommandKind::kUnknown, "mute @bob:example.org");
  expect_direct("record start", CommandKind::kUnknown, "record start");
  expect_direct("hello", CommandKind::kUnknown, "hello");
}

void test_addressing(void**) {
  const std::string f = kFocus;
  auto text = [&](const RoomMessage& m) { return addressed_text(m, f).value_or("<none>"); };
  assert_string_equal(text(message(kGroup, kBob, f + ": mute all")).c_str(), "mute all");
  assert_string_equal(text(message(kGroup, kBob, f + " who")).c_str(), "who");
  assert_string_equal(text(message(kGroup, kBob, f + ", help")).c_str(), "help");
  // A mention pill: the display name and ": " go.
  assert_string_equal(
      text(message(kGroup, kBob, "Conference: kick @x:y.org", "$e", {kAlice, f})).c_str(),
      "kick @x:y.org");
  assert_string_equal(text(message(kGroup, kBob, "mute @x:y.org", "$e", {f})).c_str(),
                      "mute @x:y.org");
  // Not addressed: no prefix, no mention of this focus, the ID further in.
  assert_string_equal(text(message(kGroup, kBob, "mute all")).c_str(), "<none>");
  assert_string_equal(text(message(kGroup, kBob, "mute all", "$e", {kAlice})).c_str(), "<none>");
  assert_string_equal(text(message(kGroup, kBob, "hey " + f + " mute all")).c_str(), "<none>");
}

void test_power_rule(void**) {
  PowerLevels p{kGroup, {{kAlice, 100}, {kBob, 49}}, 0, 50};
  assert_true(may_moderate(p, kAlice));     // above
  assert_false(may_moderate(p, kBob));      // below
  assert_false(may_moderate(p, kMallory));  // users_default 0
  p.users[kBob] = 50;
  assert_true(may_moderate(p, kBob));  // equal to kick
  p.users_default = 60;
  assert_true(may_moderate(p, kMallory));  // users_default counts for those not listed
  p.kick = 100;
  assert_false(may_moderate(p, kMallory));
  assert_int_equal(power_level(p, kAlice), 100);
  assert_int_equal(power_level(p, kMallory), 60);
  assert_int_equal(PowerLevels{}.kick, 50);  // the spec's default
}

// Alice's call answered (participant 301), the group room's levels known.
Harness& with_call(Harness& h) {
  h.standard_setup();
  h.answered_call(1, kDmAlice, kAlice, "c1", 1, true, 1);
  expect_actions(h.feed(levels()), {});
  return h;
}

RoomRequest request(RoomRequestKind kind, std::uint64_t participant = 0,
                    const std::string& target = "") {
  RoomRequest r;
  r.kind = kind;
  r.participant = participant;
  r.target = target;
  return r;
}

JanusRoomReply ok_reply(const RoomRequest& r, const CommandOrigin& origin) {
  JanusRoomReply reply{kFocus, r, origin};
  reply.ok = true;
  return reply;
}

void test_moderator_mutes_participant(void**) {
  Harness h;
  with_call(h);
  const CommandOrigin origin{kGroup, "$m1", kBob};
  const RoomRequest mute = request(RoomRequestKind::kMute, participant_of(1), kAlice);
  expect_actions(h.feed(message(kGroup, kBob, kFocus + ": mute " + kAlice, "$m1")),
                 {JanusRoomRequest{kFocus, "", kJanusRoom, mute, origin}});
  expect_actions(h.feed(ok_reply(mute, origin)),
                 {SendEvent{kFocus, kGroup, "m.room.message",
                            reply_json(kAlice + " is muted.", "$m1"), txn(2)}});
  const RoomRequest unmute = request(RoomRequestKind::kUnmute, participant_of(1), kAlice);
  expect_actions(h.feed(message(kGroup, kBob, kFocus + ": unmute " + kAlice, "$m1")),
                 {JanusRoomRequest{kFocus, "", kJanusRoom, unmute, origin}});
  const RoomRequest kick = request(RoomRequestKind::kKick, participant_of(1), kAlice);
  expect_actions(h.feed(message(kGroup, kBob, kFocus + ": kick " + kAlice, "$m1")),
                 {JanusRoomRequest{kFocus, "", kJanusRoom, kick, origin}});
  for (auto [text, kind] : {std::pair{"mute all", RoomRequestKind::kMuteRoom},
                            std::pair{"unmute all", RoomRequestKind::kUnmuteRoom},
                            std::pair{"record stop", RoomRequestKind::kRecordStop},
                            std::pair{"who", RoomRequestKind::kListParticipants}}) {
    expect_actions(h.feed(message(kGroup, kBob, kFocus + ": " + text, "$m1")),
                   {JanusRoomRequest{kFocus, "", kJanusRoom, request(kind), origin}});
  }
}

void test_moderation_logged(void**) {
  Harness h;
  with_call(h);
  const auto actions = h.feed(message(kGroup, kBob, kFocus + ": mute all", "$m1"));
  bool logged = false;
  for (const Action& a : actions) {
    if (const Log* l = std::get_if<Log>(&a)) logged |= l->user_id == kBob;
  }
  assert_true(logged);
}

void test_non_moderator_refused(void**) {
  Harness h;
  with_call(h);
  const std::string refusal =
      "Only members whose power level is at least this room's kick level (50) can give me "
      "commands; yours is 0.";
  const auto actions = h.feed(message(kGroup, kAlice, kFocus + ": mute " + kBob, "$m2"));
  expect_actions(actions,
                 {SendEvent{kFocus, kGroup, "m.room.message", reply_json(refusal, "$m2"), txn(2)}});
  bool logged = false;
  for (const Action& a : actions) {
    if (const Log* l = std::get_if<Log>(&a)) logged |= l->level == LogLevel::kWarning;
  }
  assert_true(logged);
}

void test_no_power_levels_nobody_moderates(void**) {
  Harness h;
  h.standard_setup();
  expect_actions(
      h.feed(message(kGroup, kBob, kFocus + ": help", "$m3")),
      {SendEvent{kFocus, kGroup, "m.room.message",
                 reply_json("Only members whose power level is at least this room's kick level "
                            "(unknown) can give me commands; yours is 0.",
                            "$m3"),
                 txn(1)}});
}

void test_power_levels_change(void**) {
  Harness h;
  with_call(h);
  expect_actions(h.feed(PowerLevels{kGroup, {{kAlice, 50}}, 0, 50}), {});
  // Bob lost his level, Alice has it now.
  expect_actions(
      h.feed(message(kGroup, kBob, kFocus + ": mute all", "$a")),
      {SendEvent{kFocus, kGroup, "m.room.message",
                 reply_json("Only members whose power level is at least this room's kick level "
                            "(50) can give me commands; yours is 0.",
                            "$a"),
                 txn(2)}});
  expect_actions(h.feed(message(kGroup, kAlice, kFocus + ": mute all", "$b")),
                 {JanusRoomRequest{kFocus, "", kJanusRoom, request(RoomRequestKind::kMuteRoom),
                                   CommandOrigin{kGroup, "$b", kAlice}}});
}

void test_other_messages_ignored(void**) {
  Harness h;
  with_call(h);
  expect_actions(h.feed(message(kGroup, kBob, "mute all")), {});               // not addressed
  expect_actions(h.feed(message(kGroup, kFocus, kFocus + ": mute all")), {});  // its own
  expect_actions(h.feed(message("!other:example.org", kBob, kFocus + ": mute all")), {});
}

void test_help_unknown_and_absent_target(void**) {
  Harness h;
  with_call(h);
  expect_actions(
      h.feed(message(kGroup, kBob, kFocus + ": help", "$h")),
      {SendEvent{kFocus, kGroup, "m.room.message", reply_json(group_help(kFocus), "$h"), txn(2)}});
  expect_actions(
      h.feed(message(kGroup, kBob, kFocus + ": dance", "$u")),
      {SendEvent{kFocus, kGroup, "m.room.message",
                 reply_json("I did not understand \\\"dance\\\". " + group_help(kFocus), "$u"),
                 txn(3)}});
  expect_actions(h.feed(message(kGroup, kBob, kFocus + ": mute " + kMallory, "$t")),
                 {SendEvent{kFocus, kGroup, "m.room.message",
                            reply_json(kMallory + " is not in the conference.", "$t"), txn(4)}});
}

void test_no_conference_running(void**) {
  Harness h;
  h.standard_setup();
  expect_actions(h.feed(levels()), {});
  expect_actions(
      h.feed(message(kGroup, kBob, kFocus + ": mute all", "$n")),
      {SendEvent{kFocus, kGroup, "m.room.message",
                 reply_json("No conference is running: nobody is in the call.", "$n"), txn(1)}});
}

void test_record_start_consent(void**) {
  Config c = test_config();
  c.recording_announcement = "/usr/share/janus-conference/sounds/recording-started.opus";
  Harness h(c);
  with_call(h);
  const CommandOrigin origin{kGroup, "$r", kBob};
  const RoomRequest start = request(RoomRequestKind::kRecordStart);
  expect_actions(h.feed(message(kGroup, kBob, kFocus + ": record start", "$r")),
                 {JanusRoomRequest{kFocus, "", kJanusRoom, start, origin}});
  RoomRequest play = request(RoomRequestKind::kPlayFile);
  play.file = c.recording_announcement;
  expect_actions(
      h.feed(ok_reply(start, origin)),
      {JanusRoomRequest{kFocus, "", kJanusRoom, play, origin},
       SendEvent{kFocus, kGroup, "m.room.message",
                 reply_json("This conference is being recorded (started by " + kBob + ").", "$r"),
                 txn(2)}});
  // The announcement's own answer says nothing more.
  expect_actions(h.feed(ok_reply(play, origin)), {});
}

void test_record_start_without_announcement(void**) {
  Harness h;  // recording_announcement empty
  with_call(h);
  const CommandOrigin origin{kGroup, "$r", kBob};
  expect_actions(
      h.feed(ok_reply(request(RoomRequestKind::kRecordStart), origin)),
      {SendEvent{kFocus, kGroup, "m.room.message",
                 reply_json("This conference is being recorded (started by " + kBob + ").", "$r"),
                 txn(2)}});
}

void test_failed_request_answered(void**) {
  Harness h;
  with_call(h);
  JanusRoomReply reply{kFocus, request(RoomRequestKind::kMuteRoom), {kGroup, "$f", kBob}};
  reply.code = 489;
  reply.error = "Unauthorized";
  expect_actions(h.feed(reply),
                 {SendEvent{kFocus, kGroup, "m.room.message",
                            reply_json("That did not work: Unauthorized", "$f"), txn(2)}});
}

void test_who_lists_participants(void**) {
  Harness h;
  with_call(h);
  JanusRoomReply reply =
      ok_reply(request(RoomRequestKind::kListParticipants), {kGroup, "$w", kBob});
  reply.participants = {{participant_of(1), "Alice Liddell", true}, {999, "rtp-guest", false}};
  expect_actions(
      h.feed(reply),
      {SendEvent{kFocus, kGroup, "m.room.message",
                 reply_json("In the conference (2): " + kAlice + " (muted), rtp-guest.", "$w"),
                 txn(2)}});
  reply.participants.clear();
  reply.room_muted = true;
  expect_actions(
      h.feed(reply),
      {SendEvent{kFocus, kGroup, "m.room.message",
                 reply_json("In the conference (0). The whole conference is muted.", "$w"),
                 txn(3)}});
}

void test_direct_commands(void**) {
  Harness h;
  with_call(h);
  const CommandOrigin origin{kDmAlice, "$d", kAlice};
  const RoomRequest mute = request(RoomRequestKind::kMute, participant_of(1), kAlice);
  expect_actions(h.feed(message(kDmAlice, kAlice, "mute", "$d")),
                 {JanusRoomRequest{kFocus, "", kJanusRoom, mute, origin}});
  expect_actions(
      h.feed(ok_reply(mute, origin)),
      {SendEvent{kFocus, kDmAlice, "m.room.message", reply_json("You are muted.", "$d"), txn(2)}});
  expect_actions(
      h.feed(message(kDmAlice, kAlice, "unmute", "$d")),
      {JanusRoomRequest{kFocus, "", kJanusRoom,
                        request(RoomRequestKind::kUnmute, participant_of(1), kAlice), origin}});
  RoomRequest layout = request(RoomRequestKind::kLayout, participant_of(1), kAlice);
  layout.layout = "speaker";
  layout.session_id = session_of(1);
  layout.handle_id = handle_of(1);
  expect_actions(h.feed(message(kDmAlice, kAlice, "layout speaker", "$d")),
                 {JanusRoomRequest{kFocus, "", kJanusRoom, layout, origin}});
  expect_actions(h.feed(ok_reply(layout, origin)),
                 {SendEvent{kFocus, kDmAlice, "m.room.message",
                            reply_json("The video layout is now speaker.", "$d"), txn(3)}});
  expect_actions(
      h.feed(message(kDmAlice, kAlice, "who", "$d")),
      {JanusRoomRequest{kFocus, "", kJanusRoom,
                        request(RoomRequestKind::kListParticipants, participant_of(1), kAlice),
                        origin}});
  expect_actions(
      h.feed(message(kDmAlice, kAlice, "help", "$d")),
      {SendEvent{kFocus, kDmAlice, "m.room.message", reply_json(direct_help(), "$d"), txn(4)}});
  expect_actions(
      h.feed(message(kDmAlice, kAlice, "mute all", "$d")),
      {SendEvent{kFocus, kDmAlice, "m.room.message",
                 reply_json("I did not understand \\\"mute all\\\". " + direct_help(), "$d"),
                 txn(5)}});
  // Anyone else in the 1:1 room is ignored.
  expect_actions(h.feed(message(kDmAlice, kMallory, "mute", "$x")), {});
}

void test_direct_command_without_call(void**) {
  Harness h;
  h.standard_setup();
  expect_actions(
      h.feed(message(kDmAlice, kAlice, "mute", "$d")),
      {SendEvent{kFocus, kDmAlice, "m.room.message",
                 reply_json("You are not in the conference: call me first.", "$d"), txn(1)}});
}

// The levels and participant IDs are durable: commands work the same after a restart.
void test_commands_survive_restore(void**) {
  Harness h;
  with_call(h);
  GlueState restored(test_config());
  std::vector<Action> resume;
  std::string error;
  if (!restored.restore(h.state.snapshot(), h.now, &resume, &error)) fail_msg("%s", error.c_str());
  const RoomRequest mute = request(RoomRequestKind::kMute, participant_of(1), kAlice);
  expect_actions(restored.handle(message(kGroup, kBob, kFocus + ": mute " + kAlice, "$s"), h.now),
                 {JanusRoomRequest{kFocus, "", kJanusRoom, mute, {kGroup, "$s", kBob}}});
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_group_syntax),
      cmocka_unit_test(test_direct_syntax),
      cmocka_unit_test(test_addressing),
      cmocka_unit_test(test_power_rule),
      cmocka_unit_test(test_moderator_mutes_participant),
      cmocka_unit_test(test_moderation_logged),
      cmocka_unit_test(test_non_moderator_refused),
      cmocka_unit_test(test_no_power_levels_nobody_moderates),
      cmocka_unit_test(test_power_levels_change),
      cmocka_unit_test(test_other_messages_ignored),
      cmocka_unit_test(test_help_unknown_and_absent_target),
      cmocka_unit_test(test_no_conference_running),
      cmocka_unit_test(test_record_start_consent),
      cmocka_unit_test(test_record_start_without_announcement),
      cmocka_unit_test(test_failed_request_answered),
      cmocka_unit_test(test_who_lists_participants),
      cmocka_unit_test(test_direct_commands),
      cmocka_unit_test(test_direct_command_without_call),
      cmocka_unit_test(test_commands_survive_restore),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
