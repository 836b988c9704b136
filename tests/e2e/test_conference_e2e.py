#!/usr/bin/python3
"""Matrix conferences end to end: Synapse, matrix-glue, Janus with the plugin, and
aiortc callers that speak the client-server API like Matrix clients.

    /usr/bin/python3 tests/e2e/test_conference_e2e.py \
        --glue build/matrix-glue/matrix-glue \
        --plugin build/janus-plugin/libjanus_conference.so

Needs root (network namespace) and the Synapse root of scripts/prepare-synapse.sh.
The script creates a namespace, re-executes itself inside it (--inner), runs Synapse,
Janus and matrix-glue there, and removes everything afterwards, also on failure.

One glue configuration serves the whole run, with a short no_call_timeout
(NO_CALL_TIMEOUT_S): scenario 4 (S8) then takes seconds, and every other scenario places
its first call well within it. Scenario 7 restarts the glue on the same config and
database; scenario 10 stops Synapse for HS_OUTAGE_S and starts it on the same port and
database; scenario 11 SIGKILLs Janus and starts it on the same port. Prints PASS/FAIL/INFO
lines and ends with "N passed, M failed".
"""

import asyncio
import base64
import concurrent.futures
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import synapse_harness as sh  # noqa: E402
from janus_harness import (HTTP_ERRORS, SAMPLE_RATE, YUV_BLACK, JanusClient,  # noqa: E402
                           JanusError, Results, fmt_yuv, frame_planes, inset_rect, netns_main,
                           raise_system_exit, region_mean, rgb_to_yuv601, run_blocking,
                           command_line, tone_report, yuv_close)
from glue_process import GlueProcess  # noqa: E402
from matrix_caller import CallRefused, MatrixCaller  # noqa: E402
from restartable_janus import RestartableJanus  # noqa: E402
import prometheus_text  # noqa: E402

SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
DASHBOARD = os.path.join(SOURCE_ROOT, "conf", "grafana-matrix-glue.json")
SERVER_NAME = "localhost"
PREFIX = "fs_"
PACKAGE = "janus.plugin.conference"
NO_CALL_TIMEOUT_S = 15
CALL_SETUP_TIMEOUT_S = 30
# Janus' own default: a glue restarted within it finds its Janus sessions still alive.
JANUS_SESSION_TIMEOUT_S = 60
# Tones as in tests/integration/test_audio_conference.py (no harmonic or 2nd/3rd-order
# intermodulation product of two lands near the third); 1570 Hz only ever shares a
# conference with 1130 Hz, in scenario 5.
FREQS = (400, 660, 1130, 1570)
OTHER_TONE_MIN_DB = 25.0
OWN_TONE_MARGIN_DB = 20.0
SETTLE_S = 1.0
RECORD_S = 5.0
RECORD_DEADLINE_S = 20.0     # a recorded window's longest wait for RECORD_S of audio
SKIP_S = 1.0                 # start of each recorded window that tone_report ignores
JOIN_TIMEOUT_S = 20.0        # an invited focus joins (a homeserver transaction away)
EJECT_TIMEOUT_S = 15.0
HANGUP_GRACE_MS = 3000       # focus.hangup_grace_ms: the glue waits for the caller's own hangup
# Scenario 10: Synapse is stopped this long. Once it answers again the focus' waiting writes
# go out within about 2 s (the outbox's backoff without any HTTP answer), then /sync.
HS_OUTAGE_S = 30
HS_RECOVERY_S = 10.0
# Scenario 11: Janus comes back after this long, as under a supervisor. A call's long poll
# fails the moment Janus dies, and the glue checks Janus then (else every 5 s).
JANUS_RESTART_DELAY_S = 1.0
JANUS_LOSS_DETECT_S = 2.0
JANUS_LOST_NOTICE = "The conference server failed"
KICKED_NOTICE = "The conference server's operator removed you"
TIME_LIMIT_S = 600


def recording_announcement(plugin):
    """The announcement the plugin's build makes, beside the plugin."""
    return os.path.join(os.path.dirname(os.path.abspath(plugin)), "sounds",
                        "recording-started.opus")


# --------------------------------------------------------------------------- glue

def base32_focus_id(room_id):
    return "@" + PREFIX + base64.b32encode(room_id.encode()).decode().rstrip("=").lower() \
        + ":" + SERVER_NAME


def legacy_focus_id(room_id):
    """The historic client form: unpadded standard base64 (DESIGN.md, focus user IDs)."""
    return "@" + PREFIX + base64.b64encode(room_id.encode()).decode().rstrip("=") \
        + ":" + SERVER_NAME


# --------------------------------------------------------------------------- stack

class Stack:
    """The running parts shared by every scenario, and helpers to look at them."""

    def __init__(self, args, workdir, plugin_general="", pool=None, janus_settings=None,
                 no_call_timeout=NO_CALL_TIMEOUT_S, admin_key=None):
        """pool: [(name, weight[, {key: value}]), ...] runs one Janus per entry and gives the
        glue that pool (the dict: more keys of that instance in the glue's config)
        (self.janus is then the first); janus_settings: extra keys of the glue's `janus`;
        no_call_timeout: the glue's, which every conference a scenario sets up races;
        admin_key: the plugin's on every instance of the pool, and the glue's for each."""
        self.args = args
        self.workdir = workdir
        self.plugin_general = plugin_general  # lines for the plugin's `general` category
        self.as_token = secrets.token_hex(20)
        self.hs_token = secrets.token_hex(20)
        # Janus refuses every request without it: the glue must send it on each one.
        self.janus_api_secret = secrets.token_hex(12)
        self.synapse = None
        self.janus = None
        self.pool = pool
        self.janus_settings = janus_settings
        self.no_call_timeout = no_call_timeout
        self.admin_key = admin_key
        if admin_key:
            self.plugin_general += f'    admin_key = "{admin_key}"\n'
        self.instances = {}  # name -> RestartableJanus, with a pool
        self.glue = None
        self.admin = None
        self.admin_handle = None
        self.conf1 = None  # scenario 1's running conference, continued by 2 and 3
        self._user_seq = 0

    def start(self, r):
        jcfg = f"general: {{\n{self.plugin_general}}}\n"
        for name, *_ in self.pool or [("janus", 1)]:
            janus = RestartableJanus([self.args.plugin], {f"{PACKAGE}.jcfg": jcfg},
                                     session_timeout=JANUS_SESSION_TIMEOUT_S,
                                     api_secret=self.janus_api_secret)
            self.instances[name] = janus
            janus.start()
            r.info(f"janus {name} started with the plugin on {janus.url}")
        self.janus = next(iter(self.instances.values()))
        self._admin_session()
        # Ports first: the glue's config names Synapse, the registration names the glue.
        synapse_port = sh.free_port()
        self.glue = GlueProcess(self.args.glue, self.workdir, f"http://127.0.0.1:{synapse_port}",
                                self.janus.url, self.as_token, self.hs_token,
                                server_name=SERVER_NAME, prefix=PREFIX,
                                focus_settings={"no_call_timeout": self.no_call_timeout,
                                                "call_setup_timeout": CALL_SETUP_TIMEOUT_S,
                                                "hangup_grace_ms": HANGUP_GRACE_MS,
                                                "recording_announcement": json.dumps(
                                                    recording_announcement(self.args.plugin))},
                                janus_api_secret=self.janus_api_secret,
                                janus_instances=[
                                    (name, self.instances[name].url, weight,
                                     self.janus_api_secret)
                                    + ((self.admin_key,) if self.admin_key else ())
                                    + tuple(extra)
                                    for name, weight, *extra in self.pool]
                                if self.pool else None,
                                janus_settings=self.janus_settings)
        registration = os.path.join(self.workdir, "appservice.yaml")
        sh.write_appservice_registration(registration, self.glue.url, self.as_token,
                                         self.hs_token, "conference-bot",
                                         rf"@{PREFIX}.*:{SERVER_NAME}", id="e2e-conference")
        t0 = time.monotonic()
        self.synapse = sh.SynapseProcess(port=synapse_port, app_service_files=[registration])
        r.info(f"synapse {self.synapse.version} started with the AS registration on "
               f"{self.synapse.url} in {time.monotonic() - t0:.1f} s")
        if not os.access(self.args.glue, os.X_OK):
            raise RuntimeError(f"no matrix-glue executable at {self.args.glue}")
        self.glue.start()
        r.info(f"matrix-glue started: AS port {self.glue.port}, log {self.glue.log_path}")

    def _admin_session(self):
        self.admin = JanusClient(self.janus.url, api_secret=self.janus_api_secret)
        self.admin.create()
        self.admin.start_keepalive()
        self.admin_handle = self.admin.attach(PACKAGE)

    def kill_janus(self):
        """SIGKILL; the test's own admin session dies with it."""
        self.admin.vanish()
        self.janus.kill()

    def restart_janus(self):
        """Janus again on the same port and config (main thread: see restart_glue)."""
        self.janus.start()
        self._admin_session()

    def close(self):
        if self.admin is not None:
            try:
                self.admin.destroy()
            except HTTP_ERRORS + (JanusError,):
                pass
        if self.glue is not None:
            self.glue.kill()
        for janus in self.instances.values():
            janus.cleanup()
        if self.synapse is not None:
            self.synapse.close()

    def restart_glue(self):
        """Starts the glue again. On the main thread, on purpose: the child's
        die-with-parent signal fires when the thread that started it ends, and an
        executor thread ends before the test does."""
        self.glue.start()

    async def caller(self, name, freq, video_yuv=None):
        self._user_seq += 1
        localpart = f"{name}{self._user_seq}"
        user_id, token = await run_blocking(self.synapse.register_user, localpart)
        return MatrixCaller(self.synapse.url, user_id, token, freq, name=localpart,
                            video_yuv=video_yuv)

    async def focus_id(self, room, legacy=False):
        return await run_blocking(self.glue.focus_id, room, legacy)

    def focus_client(self, focus):
        """The focus user as the AS acts for it: the test reads what the glue sent."""
        return sh.MatrixClient(self.synapse.url, focus, self.as_token, act_as=True)

    async def janus_rooms(self):
        """{janus room: [display, ...]} of every room with participants.

        `list` shows public rooms only, and the glue creates its rooms private: their
        numbers come from the glue's debug log (`room=<number>`) too. A room destroyed
        meanwhile answers listparticipants with an error and is skipped.
        """
        reply = await run_blocking(self.admin.message, self.admin_handle, {"request": "list"})
        candidates = {e["room"] for e in reply.data.get("list") or []}
        candidates |= {int(n) for n in re.findall(r"\broom=(\d+)\b", self.glue.log_excerpt(
            lines=None))}
        rooms = {}
        for room in sorted(candidates):
            listed = await run_blocking(self.admin.message, self.admin_handle,
                                        {"request": "listparticipants", "room": room})
            displays = [p.get("display") for p in listed.data.get("participants") or []]
            if displays:
                rooms[room] = displays
        return rooms

    async def janus_displays(self):
        return [d for displays in (await self.janus_rooms()).values() for d in displays]

    async def wait_janus(self, predicate, timeout):
        """Polls the Janus room listing until predicate(rooms) holds; returns
        (ok, last listing)."""
        deadline = time.monotonic() + timeout
        while True:
            rooms = await self.janus_rooms()
            if predicate(rooms):
                return True, rooms
            if time.monotonic() > deadline:
                return False, rooms
            await asyncio.sleep(0.5)


# --------------------------------------------------------------------------- helpers

async def group_room(owner, members, name):
    """Owner creates a private room; members accept their invites."""
    room = await run_blocking(owner.client.create_room,
                              invite=[m.user_id for m in members], name=name)
    for m in members:
        await run_blocking(m.client.wait_for, lambda m=m: room in m.client.invites, 10)
        await run_blocking(m.client.join, room)
    for m in members:
        await run_blocking(owner.client.wait_membership, room, m.user_id, "join", 10)
    return room


async def invite_focus(r, owner, room, focus, label="focus"):
    """Invites the focus to the group room; True once it joined (S2)."""
    await run_blocking(owner.client.invite, room, focus)
    t0 = time.monotonic()
    try:
        await run_blocking(owner.client.wait_membership, room, focus, "join", JOIN_TIMEOUT_S)
    except TimeoutError:
        membership = owner.client.memberships.get(room, {}).get(focus)
        return r.check(f"S2: the {label} joins the group room when invited", False,
                       f"membership {membership!r} after {JOIN_TIMEOUT_S:.0f} s")
    return r.check(f"S2: the {label} joins the group room when invited", True,
                   f"after {time.monotonic() - t0:.1f} s")


def focus_notices(client, room, focus):
    return [e["content"].get("body") for e in client.timeline(room)
            if e.get("sender") == focus and e.get("type") == "m.room.message"
            and e.get("content", {}).get("msgtype") == "m.notice"]


async def open_dms(r, pairs, label):
    """Each (caller, focus) opens a direct room; True when the focus joined them all."""
    results = await asyncio.gather(*(c.open_dm(f) for c, f in pairs), return_exceptions=True)
    failed = [(c, res) for (c, _), res in zip(pairs, results) if isinstance(res, BaseException)]
    return r.check(label, not failed, "; ".join(
        f"{c.name}: focus membership {c.focus_membership()!r}, leave reason "
        f"{c.focus_leave_reason()!r} ({describe(e)})" for c, e in failed))


SETUP_TIMES = []  # (caller, seconds from m.call.invite sent to m.call.answer received)


async def place_calls(r, callers):
    """Every caller calls its focus at once; returns those whose call connected."""
    results = await asyncio.gather(*(c.call(CALL_SETUP_TIMEOUT_S) for c in callers),
                                   return_exceptions=True)
    connected = []
    for c, res in zip(callers, results):
        if isinstance(res, BaseException):
            r.check(f"{c.name}'s call is answered and connects", False, describe(res))
        else:
            r.check(f"{c.name}'s call is answered and connects", True,
                    f"setup (m.call.invite sent -> m.call.answer received) "
                    f"{c.setup_seconds:.2f} s")
            connected.append(c)
            SETUP_TIMES.append((c.name, c.setup_seconds))
    return connected


def describe(exc):
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return f"timed out ({type(exc).__name__}: {exc})"
    return f"{type(exc).__name__}: {exc}"


async def record(callers, seconds=RECORD_S):
    """A window of `seconds` of every caller's received audio. The callers (aiortc, all in this
    process) receive slower than real time on a loaded machine: the window lasts until each
    holds that much audio, or RECORD_DEADLINE_S passes."""
    await asyncio.sleep(SETTLE_S)
    for c in callers:
        c.recorder.mark()
    await asyncio.sleep(seconds)
    deadline = time.monotonic() + RECORD_DEADLINE_S
    while (any(len(c.recorder.samples()) < seconds * SAMPLE_RATE for c in callers)
           and time.monotonic() < deadline):
        await asyncio.sleep(0.2)


def fmt_levels(levels):
    return ", ".join(f"{f} Hz {db:+.1f} dB" for f, db in levels.items())


def check_hears(r, caller, hear, silent, label=""):
    """caller hears every tone of `hear` and none of `silent` (own tone included)."""
    levels = tone_report(caller.recorder.samples(), sorted(set(hear) | set(silent)),
                         skip_seconds=SKIP_S)
    name = f"{caller.name} hears {sorted(hear)} Hz, not {sorted(silent)} Hz{label}"
    if levels is None:
        return r.check(name, False, "received less than 1 s of audio to analyse")
    weakest = min(levels[f] for f in hear)
    return r.check(name, weakest >= OTHER_TONE_MIN_DB and all(
        levels[f] <= weakest - OWN_TONE_MARGIN_DB for f in silent), fmt_levels(levels)
        + f" (heard >= {OTHER_TONE_MIN_DB:+.0f} dB, others <= weakest heard - "
          f"{OWN_TONE_MARGIN_DB:.0f} dB)")


def check_conference_audio(r, callers, label=""):
    return all([check_hears(r, c, [o.freq for o in callers if o is not c], [c.freq], label)
                for c in callers])


async def close_all(callers):
    for c in callers:
        try:
            if c.connected():
                await c.hangup()
        except (sh.MatrixError, *HTTP_ERRORS):
            pass
        await c.close()


def check_answer_shape(r, caller):
    content = caller.answer["content"]
    answer = content.get("answer") or {}
    ok = (content.get("version") == "1" and bool(content.get("party_id"))
          and answer.get("type") == "answer" and "m=audio" in (answer.get("sdp") or "")
          and isinstance(content.get("sdp_stream_metadata"), dict))
    r.check(f"{caller.name}'s m.call.answer: version \"1\", party_id, answer.sdp, "
            "sdp_stream_metadata", ok,
            json.dumps({k: v for k, v in content.items() if k != "answer"})[:300])


# --------------------------------------------------------------------------- scenarios

async def scenario_1(stack, r, callers):
    """Three members call the focus of their room and hear each other."""
    alice, bob, carol = [await stack.caller(n, f) for n, f in
                         (("alice", FREQS[0]), ("bob", FREQS[1]), ("carol", FREQS[2]))]
    callers += [alice, bob, carol]
    room = await group_room(alice, [bob, carol], "conference 1")
    focus = await stack.focus_id(room)
    r.check("focus-id prints the lowercase unpadded base32 form", focus == base32_focus_id(room),
            f"{room} -> {focus}")
    if not await invite_focus(r, alice, room, focus):
        return
    try:
        await run_blocking(alice.client.wait_for,
                           lambda: focus_notices(alice.client, room, focus), 10)
    except TimeoutError:
        pass
    notices = focus_notices(alice.client, room, focus)
    r.check("the focus posts a discovery notice in the group room", len(notices) == 1,
            repr(notices))
    if not await open_dms(r, [(c, focus) for c in (alice, bob, carol)],
                          "the focus joins the three members' direct rooms"):
        return
    connected = await place_calls(r, [alice, bob, carol])
    for c in connected:
        check_answer_shape(r, c)
    if len(connected) != 3:
        return
    await record(connected)
    check_conference_audio(r, connected)
    ok, rooms = await stack.wait_janus(lambda rooms: any(
        sorted(d) == sorted(c.display for c in connected) for d in rooms.values()), 5)
    r.check("janus has one room with exactly the three callers, shown by their Matrix display "
            "names", ok, repr(rooms))
    notices = focus_notices(alice.client, room, focus)
    r.check("the discovery notice is not repeated per call", len(notices) == 1, repr(notices))
    await check_metrics_in_call(stack, r, len(connected))
    # A new display name reaches the caller's tile while she is in the conference.
    before = alice.display
    alice.display = "Alice \u2713 \"E2E\" " + alice.name
    await run_blocking(alice.client.set_displayname, alice.display)
    ok, rooms = await stack.wait_janus(lambda rooms: any(
        alice.display in d and before not in d for d in rooms.values()), 10)
    r.check("janus shows alice's new display name after she changed it", ok, repr(rooms))
    stack.conf1 = (room, focus, alice, bob, carol)


async def command(sender, room, focus, body, mentions=None, timeout=10):
    """`sender` sends `body` in `room`; the body of the focus' notice in reply, or None."""
    content = {"msgtype": "m.text", "body": body}
    if mentions:
        content["m.mentions"] = {"user_ids": mentions}
    event_id = await run_blocking(sender.client.send, room, "m.room.message", content)

    def answers(e):
        relates = e.get("content", {}).get("m.relates_to", {})
        return (e.get("sender") == focus and e["content"].get("msgtype") == "m.notice"
                and relates.get("m.in_reply_to", {}).get("event_id") == event_id)
    try:
        event = await run_blocking(sender.client.wait_event, room, "m.room.message", answers,
                                   timeout)
    except TimeoutError:
        return None
    return event["content"].get("body")


async def scenario_12(stack, r, callers):
    """Commands on scenario 1's conference: a moderator and a non-moderator, help, who, self-mute
    in the 1:1 room, record start."""
    if stack.conf1 is None:
        r.check("scenario 12 needs scenario 1's conference", False)
        return
    room, focus, alice, bob, carol = stack.conf1
    log_offset = stack.glue.log_size()
    body = await command(alice, room, focus, f"{focus}: help")
    r.check("help: the focus answers with the commands", bool(body) and "mute @user:server" in body
            and "record start" in body, repr(body))
    # Alice created the room (power level 100); Carol has 0, the kick level is 50.
    body = await command(carol, room, focus, f"{focus}: mute {bob.user_id}")
    r.check("carol (power level 0) is refused `mute @bob` with a notice",
            bool(body) and body.startswith("Only members whose power level"), repr(body))
    await record([alice, bob, carol], 3.0)
    check_conference_audio(r, [alice, bob, carol], " (after carol's refused mute)")
    body = await command(alice, room, focus, f"Conference: mute {bob.user_id}", [focus])
    r.check("alice (power level 100) mutes bob (a mention addresses the focus)",
            body == f"{bob.user_id} is muted.", repr(body))
    await record([alice, carol], 3.0)
    for c in (alice, carol):
        check_hears(r, c, [o.freq for o in (alice, carol) if o is not c], [c.freq, bob.freq],
                    " (bob muted by alice)")
    body = await command(alice, room, focus, f"{focus}: who")
    r.check("who lists the three callers, bob muted", bool(body) and "(3)" in body and all(
        c.user_id in body for c in (alice, bob, carol)) and f"{bob.user_id} (muted)" in body,
        repr(body))
    body = await command(alice, room, focus, f"{focus}: unmute {bob.user_id}")
    r.check("alice unmutes bob", body == f"{bob.user_id} is unmuted.", repr(body))

    body = await command(carol, carol.dm, focus, "mute")
    r.check("carol mutes herself in her 1:1 room", body == "You are muted.", repr(body))
    await record([alice, bob], 3.0)
    for c in (alice, bob):
        check_hears(r, c, [o.freq for o in (alice, bob) if o is not c], [c.freq, carol.freq],
                    " (carol muted herself)")
    body = await command(carol, carol.dm, focus, "unmute")
    r.check("carol unmutes herself", body == "You are unmuted.", repr(body))
    body = await command(carol, carol.dm, focus, "dance")
    r.check("an unknown 1:1 command gets the help", bool(body) and "layout grid" in body,
            repr(body))

    body = await command(alice, room, focus, f"{focus}: record start")
    r.check("record start: the group room is told the conference is being recorded",
            bool(body) and "being recorded" in body, repr(body))
    deadline = time.monotonic() + 5
    while not (played := glue_log_lines(stack, log_offset, "recording announcement playing")):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    failed = glue_log_lines(stack, log_offset, "command failed")
    r.check("record start: the plugin plays the recording announcement to the conference "
            "(play_file)", bool(played) and not failed, repr(played + failed))
    body = await command(alice, room, focus, f"{focus}: record stop")
    r.check("record stop is answered", bool(body) and "stopped" in body, repr(body))
    await record([alice, bob, carol], 3.0)
    check_conference_audio(r, [alice, bob, carol], " (after the commands)")


async def scrape_metrics(stack):
    status, text = await run_blocking(stack.glue.request, "GET", "/metrics", b"", None,
                                      stack.glue.metrics_port)
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    return text


def dashboard_metric_names():
    """The metric names in every expression of the shipped Grafana dashboard."""
    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    words = set(re.findall(r"\b(glue_[a-z0-9_]+)\b", " ".join(exprs)))
    return exprs, words


async def check_metrics_in_call(stack, r, n):
    """/metrics while `n` callers of one conference are connected: the state gauges, the build
    info, and every metric the Grafana dashboard queries."""
    want = {("glue_calls", (("state", "connected"),)): n, ("glue_participants", ()): n,
            ("glue_focuses", (("state", "active"),)): 1, ("glue_conferences", ()): 1}
    deadline = time.monotonic() + 5
    while True:
        samples = prometheus_text.parse(await scrape_metrics(stack))
        got = {k: prometheus_text.value(samples, k[0], **dict(k[1])) for k in want}
        if got == want or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    r.check(f"/metrics during {n} connected calls: glue_calls{{state=connected}} {n}, "
            f"glue_participants {n}, one active focus and one Janus room", got == want,
            repr(got))
    others = {name: v for (name, labels), v in samples.items()
              if name == "glue_calls" and dict(labels)["state"] != "connected" and v}
    r.check("/metrics: no call in another state", not others, repr(others))
    build = [dict(labels) for (name, labels), v in samples.items()
             if name == "glue_build_info" and v == 1]
    r.check("/metrics: glue_build_info 1 with the project's version",
            len(build) == 1 and build[0].get("version") == project_version()
            and re.fullmatch(r"[0-9a-f]{7,40}", build[0].get("commit", "0000000")) is not None,
            repr(build))
    r.check("/metrics: the call setup histogram is in seconds",
            ("glue_call_setup_seconds_count", frozenset()) in samples
            and not any(name.endswith("_ms") or "_ms_" in name for name, _ in samples),
            repr(sorted(prometheus_text.names(samples)))[:400])
    exprs, used = dashboard_metric_names()
    missing = sorted(used - prometheus_text.names(samples))
    r.check(f"conf/grafana-matrix-glue.json: all {len(used)} metrics of its {len(exprs)} queries "
            "are in the scrape", bool(exprs) and not missing, f"missing {missing}")


def project_version():
    with open(os.path.join(SOURCE_ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(\S+ VERSION (\S+)", f.read()).group(1)


async def scenario_2(stack, r, callers):
    """S3: Bob leaves the group room; S4: Carol leaves her direct room."""
    if stack.conf1 is None:
        r.check("scenario 2 needs scenario 1's conference", False)
        return
    room, focus, alice, bob, carol = stack.conf1
    await run_blocking(bob.client.leave, room)
    try:
        await run_blocking(bob.client.wait_for, lambda: bob.hangups(bob.call_id), EJECT_TIMEOUT_S)
    except TimeoutError:
        pass
    r.check("S3: bob, leaving the group room, gets m.call.hangup", bool(bob.hangups(bob.call_id)),
            f"hangups {bob.hangups()}, rejects {bob.rejects()}")
    ok, rooms = await stack.wait_janus(
        lambda rooms: bob.display not in sum(rooms.values(), []), EJECT_TIMEOUT_S)
    r.check("S3: bob is no longer a janus participant", ok, repr(rooms))
    await record([alice, carol], 4.0)
    check_conference_audio(r, [alice, carol], " (after bob left)")

    await carol.leave_dm()
    ok, rooms = await stack.wait_janus(
        lambda rooms: carol.display not in sum(rooms.values(), []), EJECT_TIMEOUT_S)
    r.check("S4: carol, leaving her direct room, is no longer a janus participant", ok,
            repr(rooms))
    # Carol no longer sees her direct room: read it as the focus does. The hangup goes out
    # through the outbox, possibly after Janus has dropped her: poll for it.
    deadline = time.monotonic() + EJECT_TIMEOUT_S
    while True:
        sent = [(e["type"], e["content"].get("call_id"), e["content"].get("reason"))
                for e in await focus_events(stack, focus, carol.dm)
                if e["type"] in ("m.call.hangup", "m.call.reject")]
        if sent or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    r.check("S4: the focus hangs up carol's call in her direct room",
            any(t == "m.call.hangup" and c == carol.call_id for t, c, _ in sent), repr(sent))


async def scenario_3(stack, r, callers):
    """S7: the last caller hangs up, the focus leaves the group room."""
    if stack.conf1 is None:
        r.check("scenario 3 needs scenario 1's conference", False)
        return
    room, focus, alice, _bob, _carol = stack.conf1
    await alice.hangup()
    t0 = time.monotonic()
    try:
        await run_blocking(alice.client.wait_membership, room, focus, "leave", EJECT_TIMEOUT_S)
        r.check("S7: the last caller hung up, the focus leaves the group room", True,
                f"after {time.monotonic() - t0:.1f} s")
    except TimeoutError:
        r.check("S7: the last caller hung up, the focus leaves the group room", False,
                f"focus membership {alice.client.memberships.get(room, {}).get(focus)!r} "
                f"after {EJECT_TIMEOUT_S:.0f} s")
    ok, rooms = await stack.wait_janus(
        lambda rooms: alice.display not in sum(rooms.values(), []), 5)
    r.check("alice is no longer a janus participant", ok, repr(rooms))
    # Her client closed the PeerConnection at once, so Janus reported it gone (DTLS alert)
    # around the time her m.call.hangup arrived: the focus must not hang up on her as well.
    await asyncio.sleep(HANGUP_GRACE_MS / 1000 + 2)
    own = [e for e in alice.client.timeline(alice.dm)
           if e.get("sender") == alice.user_id and e.get("type") == "m.call.hangup"
           and e.get("content", {}).get("call_id") == alice.call_id]
    r.check("after alice's own hangup (seen in her synced 1:1 room) the focus sends no "
            "m.call.hangup", len(own) == 1 and not alice.hangups(alice.call_id),
            f"her hangups {len(own)}, the focus' {alice.hangups(alice.call_id)}")
    with open(stack.glue.log_path, errors="replace") as f:
        order = [("Janus: " + line.split("Janus: ", 1)[1].strip()) if "Janus: " in line
                 else "call ended" for line in f
                 if f"call={alice.call_id}" in line and "action:" not in line
                 and ("PeerConnection gone" in line or "call ended" in line)]
    r.info(f"glue log for alice's call, in order: {order}")


async def scenario_4(stack, r, callers):
    """S8: nobody calls, the focus leaves after no_call_timeout."""
    dave = await stack.caller("dave", FREQS[0])
    callers.append(dave)
    room = await group_room(dave, [], "nobody calls")
    focus = await stack.focus_id(room)
    # The glue joins, and starts its timer, after the invite was sent: the bound from below.
    invited = time.monotonic()
    if not await invite_focus(r, dave, room, focus):
        return
    t_join = time.monotonic()
    try:
        await run_blocking(dave.client.wait_membership, room, focus, "leave",
                           NO_CALL_TIMEOUT_S + 20)
    except TimeoutError:
        r.check("S8: the uncalled focus leaves the group room", False,
                f"still {dave.client.memberships.get(room, {}).get(focus)!r} after "
                f"{NO_CALL_TIMEOUT_S + 20} s (no_call_timeout {NO_CALL_TIMEOUT_S} s)")
        return
    after, since_invite = time.monotonic() - t_join, time.monotonic() - invited
    r.check("S8: the uncalled focus leaves the group room after no_call_timeout",
            NO_CALL_TIMEOUT_S <= since_invite and after <= NO_CALL_TIMEOUT_S + 15,
            f"left {since_invite:.1f} s after the invite, {after:.1f} s after its join was seen "
            f"(no_call_timeout {NO_CALL_TIMEOUT_S} s)")


async def scenario_5(stack, r, callers):
    """S5: the base32 and the legacy base64 focus of one room run separate conferences."""
    names = (("erin", FREQS[0]), ("frank", FREQS[1]), ("grace", FREQS[2]), ("heidi", FREQS[3]))
    erin, frank, grace, heidi = [await stack.caller(n, f) for n, f in names]
    callers += [erin, frank, grace, heidi]
    room = await group_room(erin, [frank, grace, heidi], "two focus users")
    focus_a = await stack.focus_id(room)
    focus_b = await stack.focus_id(room, legacy=True)
    r.check("focus-id --legacy prints the unpadded base64 form", focus_b == legacy_focus_id(room),
            f"{room} -> {focus_b}")
    r.info(f"S5: focus users {focus_a} and {focus_b} (legacy base64)")
    ok_a = await invite_focus(r, erin, room, focus_a, "base32 focus")
    ok_b = await invite_focus(r, erin, room, focus_b, "legacy base64 focus")
    if not (ok_a and ok_b):
        return
    pairs = ((erin, focus_a), (frank, focus_a), (grace, focus_b), (heidi, focus_b))
    if not await open_dms(r, pairs, "both focus users join their callers' direct rooms"):
        return
    connected = await place_calls(r, [c for c, _ in pairs])
    if len(connected) != 4:
        return
    await record(connected)
    check_hears(r, erin, [frank.freq], [erin.freq, grace.freq, heidi.freq])
    check_hears(r, frank, [erin.freq], [frank.freq, grace.freq, heidi.freq])
    check_hears(r, grace, [heidi.freq], [grace.freq, erin.freq, frank.freq])
    check_hears(r, heidi, [grace.freq], [heidi.freq, erin.freq, frank.freq])
    want = sorted([sorted([erin.display, frank.display]), sorted([grace.display, heidi.display])])
    ok, rooms = await stack.wait_janus(
        lambda rooms: sorted(sorted(d) for d in rooms.values() if set(d) & set(sum(want, [])))
        == want, 5)
    r.check("janus has two rooms: {erin, frank} and {grace, heidi}", ok, repr(rooms))


async def scenario_6(stack, r, callers):
    """Security rule: a stranger to the group room is refused and reaches no Janus room."""
    ivan = await stack.caller("ivan", FREQS[0])
    mallory = await stack.caller("mallory", FREQS[1])
    callers += [ivan, mallory]
    room = await group_room(ivan, [], "mallory is not here")
    focus = await stack.focus_id(room)
    if not await invite_focus(r, ivan, room, focus):
        return
    seen_in_janus = []

    async def watch_janus():
        while True:
            if mallory.display in await stack.janus_displays():
                seen_in_janus.append(time.monotonic())
            await asyncio.sleep(0.3)

    watcher = asyncio.ensure_future(watch_janus())
    try:
        await mallory.open_dm(focus, wait_join=False)
        outcome = None
        try:
            await mallory.call(12.0)
            outcome = "answered and connected"
        except CallRefused as e:
            outcome = f"refused with {e}"
        except (TimeoutError, asyncio.TimeoutError):
            outcome = "no answer within 12 s"
        await asyncio.sleep(2.0)
    finally:
        watcher.cancel()
    r.info(f"mallory: focus membership in her direct room {mallory.focus_membership()!r} "
           f"(reason {mallory.focus_leave_reason()!r}); call {outcome}; rejects {mallory.rejects()}; hangups {mallory.hangups()}; "
           f"notices {mallory.notices()}")
    r.check("mallory's call is refused (no m.call.answer)",
            not mallory.answers() and outcome != "answered and connected", outcome)
    rejects = mallory.rejects(mallory.call_id)
    if mallory.focus_membership() == "join":
        r.check("the focus that joined mallory's room rejects with reason not_member",
                any(reason == "not_member" for _, reason in rejects),
                f"rejects {rejects}, hangups {mallory.hangups()}")
    samples = mallory.recorder.samples()
    r.check("mallory hears nothing", len(samples) == 0, f"{len(samples)} samples received")
    r.check("mallory never appears in janus' participant lists", not seen_in_janus,
            f"seen {len(seen_in_janus)} times")


async def scenario_7(stack, r, callers):
    """matrix-glue SIGKILLed mid-conference and restarted: calls carry on, nothing twice."""
    judy, ken, leo = [await stack.caller(n, f) for n, f in
                      (("judy", FREQS[0]), ("ken", FREQS[1]), ("leo", FREQS[2]))]
    callers += [judy, ken, leo]
    room = await group_room(judy, [ken, leo], "glue restart")
    focus = await stack.focus_id(room)
    if not await invite_focus(r, judy, room, focus):
        return
    if not await open_dms(r, [(judy, focus), (ken, focus)],
                          "the focus joins judy's and ken's direct rooms"):
        return
    if len(await place_calls(r, [judy, ken])) != 2:
        return
    stack.glue.kill()
    r.info(f"matrix-glue SIGKILLed (exit {stack.glue.proc.returncode}) with judy and ken in a call")
    await asyncio.sleep(1.0)
    try:
        stack.restart_glue()
    except RuntimeError as e:
        r.check("matrix-glue restarts on the same config and database", False, str(e))
        return
    r.check("matrix-glue restarts on the same config and database", True)
    restarted = time.monotonic()
    janus_log_offset = os.path.getsize(stack.janus.log_path)
    await asyncio.sleep(2.0)
    r.check("judy's and ken's PeerConnections stay connected",
            judy.connected() and ken.connected(),
            f"judy {judy.pc.connectionState}, ken {ken.pc.connectionState}")
    await record([judy, ken])
    check_conference_audio(r, [judy, ken], " (after the restart)")
    for c in (judy, ken):
        answers = await c.dm_history("m.call.answer")
        r.check(f"one m.call.answer in {c.name}'s direct room", len(answers) == 1,
                f"{len(answers)}: {[a['content'].get('call_id') for a in answers]}")
    notices = focus_notices(judy.client, room, focus)
    r.check("the discovery notice is not posted again after the restart", len(notices) == 1,
            repr(notices))
    ok, rooms = await stack.wait_janus(lambda rooms: any(
        sorted(d) == sorted(c.display for c in (judy, ken)) for d in rooms.values()), 5)
    r.check("janus has one room with judy and ken, each once", ok, repr(rooms))

    if await open_dms(r, [(leo, focus)],
                      "the restarted glue's focus joins a new member's direct room"):
        if await place_calls(r, [leo]):
            await record([judy, ken, leo])
            check_conference_audio(r, [judy, ken, leo], " (leo called after the restart)")
        await close_all([leo])

    # The killed glue's Janus sessions die by session_timeout unless the new one took
    # them over: the calls must outlive it.
    await asyncio.sleep(max(0.0, restarted + JANUS_SESSION_TIMEOUT_S + 5 - time.monotonic()))
    await record([judy, ken], 4.0)
    if not check_conference_audio(r, [judy, ken], f" ({JANUS_SESSION_TIMEOUT_S} s janus "
                                                  "session_timeout after the restart)"):
        with open(stack.janus.log_path, errors="replace") as f:
            f.seek(janus_log_offset)
            expired = [line.strip()[-90:] for line in f if "Timeout expired for session" in line]
        r.info(f"janus log since the restart: {expired or 'no session timeouts'}; "
               f"aiortc states judy {judy.pc.connectionState}, ken {ken.pc.connectionState}; "
               f"hangups to judy {judy.hangups()}, to ken {ken.hangups()}")
    else:
        await judy.hangup()
        ok, rooms = await stack.wait_janus(
            lambda rooms: judy.display not in sum(rooms.values(), []), EJECT_TIMEOUT_S)
        r.check("the restarted glue ends judy's pre-restart call when she hangs up", ok,
                repr(rooms))


async def scenario_8(stack, r, callers):
    """Malformed input: clear errors, the glue stays up, calls go on."""
    mia, ned, olga = [await stack.caller(n, f) for n, f in
                      (("mia", FREQS[0]), ("ned", FREQS[1]), ("olga", FREQS[2]))]
    callers += [mia, ned, olga]
    room = await group_room(mia, [ned, olga], "malformed input")
    focus = await stack.focus_id(room)
    if not await invite_focus(r, mia, room, focus):
        return
    if not await open_dms(r, [(mia, focus), (ned, focus)],
                          "the focus joins mia's and ned's direct rooms"):
        return
    in_call = await place_calls(r, [mia, ned])

    glue = stack.glue
    hs = stack.hs_token
    bearer = {"Authorization": f"Bearer {hs}", "Content-Type": "application/json"}
    v1 = "/_matrix/app/v1/transactions/"

    def txn():
        return "e2e-" + secrets.token_hex(6)

    def unknown_event(room_id):
        return {"type": "org.example.e2e.unknown", "room_id": room_id, "sender": mia.user_id,
                "event_id": f"$e2e{secrets.token_hex(8)}", "origin_server_ts": 1,
                "content": {"anything": [1, 2]}}

    cases = [
        ("bad JSON", "PUT", v1 + txn(), b"{not json", bearer, {400}, None),
        ("JSON that is not an object", "PUT", v1 + txn(), b"[1, 2]", bearer, {400}, None),
        ("wrong token", "PUT", v1 + txn(), b'{"events": []}',
         {"Authorization": "Bearer wrong-token-0123456789"}, {403}, "M_FORBIDDEN"),
        ("missing token", "PUT", v1 + txn(), b'{"events": []}', {}, {401}, "M_MISSING_TOKEN"),
        ("legacy path and ?access_token=", "PUT", f"/transactions/{txn()}?access_token={hs}",
         b'{"events": []}', {}, {200}, None),
        ("unknown event type", "PUT", v1 + txn(),
         json.dumps({"events": [unknown_event(room), unknown_event("!nowhere:localhost")]})
         .encode(), bearer, {200}, None),
        ("events of impossible shapes", "PUT", v1 + txn(),
         json.dumps({"events": [1, "x", None, {"type": "m.call.invite"},
                                {"type": "m.room.member", "content": "nope"}]}).encode(),
         bearer, {200, 400}, None),
    ]
    for name, method, path, body, headers, statuses, errcode in cases:
        try:
            status, answer = await run_blocking(glue.request, method, path, body, headers)
        except HTTP_ERRORS as e:
            r.check(f"AS port: {name}", False, describe(e))
            continue
        ok = status in statuses
        if status >= 400:
            ok = ok and isinstance(answer, dict) and isinstance(answer.get("errcode"), str)
        if errcode:
            ok = ok and isinstance(answer, dict) and answer.get("errcode") == errcode
        r.check(f"AS port: {name} -> {sorted(statuses)}{' ' + errcode if errcode else ''}", ok,
                f"{status} {str(answer)[:200]}")
    # The operator's endpoints live on their own loopback listener, not on the AS port.
    try:
        as_metrics = await run_blocking(glue.request, "GET", "/metrics")
        metrics = await run_blocking(glue.request, "GET", "/metrics", b"", None,
                                     glue.metrics_port)
        health = await run_blocking(glue.request, "GET", "/health", b"", None, glue.metrics_port)
        r.check("AS port: GET /metrics -> 404", as_metrics[0] == 404, str(as_metrics)[:200])
        r.check("metrics listener: /metrics counts the answered calls, /health is ok",
                metrics[0] == 200 and "glue_calls_answered_total" in str(metrics[1])
                and health == (200, {"status": "ok"}), f"{str(metrics)[:300]} {health}")
    except HTTP_ERRORS as e:
        r.check("metrics listener answers", False, describe(e))

    if not await open_dms(r, [(olga, focus)], "the focus joins olga's direct room"):
        return
    call_id = await olga.send_invite_sdp("v=0\r\nthis is not SDP\r\n")
    try:
        await run_blocking(olga.client.wait_for,
                           lambda: olga.rejects(call_id) or olga.hangups(call_id)
                           or olga.answers(call_id), EJECT_TIMEOUT_S)
    except TimeoutError:
        pass
    outcome = (f"rejects {olga.rejects(call_id)}, hangups {olga.hangups(call_id)}, "
               f"answers {len(olga.answers(call_id))}, notices {olga.notices()}")
    r.check("an m.call.invite with garbage SDP is refused, not answered",
            (olga.rejects(call_id) or olga.hangups(call_id)) and not olga.answers(call_id),
            outcome)
    # DESIGN.md: matrix-js-sdk ignores a hangup from a callee that has not answered.
    r.check("the refusal of the unanswered version \"1\" invite is an m.call.reject",
            bool(olga.rejects(call_id)), outcome)
    for target in (mia.dm, room):
        await run_blocking(mia.client.send, target, "org.example.e2e.unknown", {"x": 1})
        await run_blocking(mia.client.send, target, "m.call.e2e_unknown",
                           {"call_id": mia.call_id, "version": "1"})
    await asyncio.sleep(2.0)
    r.check("matrix-glue still runs and listens", glue.alive() and glue.port_open())
    if len(in_call) == 2:
        await record([mia, ned], 4.0)
        check_conference_audio(r, [mia, ned], " (after the malformed input)")
        ok, rooms = await stack.wait_janus(lambda rooms: any(
            sorted(d) == sorted([mia.display, ned.display]) for d in rooms.values())
            and olga.display not in sum(rooms.values(), []), 5)
        r.check("janus: mia and ned in one room, olga nowhere", ok, repr(rooms))


async def scenario_9(stack, r, callers):
    """A Matrix video call: the caller's camera goes into the conference picture it
    receives; an audio-only caller in the same conference has a no-video tile with
    his name (his Matrix display name, which the glue sends as display) and hears and is
    heard as before."""
    red = rgb_to_yuv601(220, 30, 30)
    alice = await stack.caller("vidalice", FREQS[0], video_yuv=red)
    bob = await stack.caller("vidbob", FREQS[1])
    callers += [alice, bob]
    room = await group_room(alice, [bob], "video conference")
    focus = await stack.focus_id(room)
    if not await invite_focus(r, alice, room, focus):
        return
    if not await open_dms(r, [(c, focus) for c in (alice, bob)],
                          "the focus joins both video-scenario direct rooms"):
        return
    # One after the other, so the tiles' order (join order) is known.
    if len(await place_calls(r, [alice])) != 1 or len(await place_calls(r, [bob])) != 1:
        return
    sdp = (alice.answer["content"].get("answer") or {}).get("sdp") or ""
    video = re.search(r"^m=video (\d+) .*$", sdp, re.M)
    r.check(f"{alice.name}'s m.call.answer accepts her VP8 video",
            video is not None and video.group(1) != "0" and "VP8/90000" in sdp,
            video.group(0) if video else "no m=video line")
    metadata = alice.answer["content"].get("sdp_stream_metadata") or {}
    r.check(f"{alice.name}'s answer metadata says the focus' video is not muted",
            any(m.get("video_muted") is False for m in metadata.values()), json.dumps(metadata))
    # Default canvas 1280x720, grid of two: side by side, 640x720 cells; alice's
    # 16:9 camera letterboxed in the left one, bob's no-video tile on the right: dark
    # grey, his name large in the middle (text: high luma contrast there).
    deadline = time.monotonic() + 15
    planes = None
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        if alice.frame is None or alice.frame.width != 1280:
            continue
        planes = frame_planes(alice.frame)
        left = region_mean(planes, inset_rect((0, 180, 640, 360), 0.25))
        name_sd = float(planes[0][330:390, 760:1160].std())
        corner = region_mean(planes, (660, 20, 60, 60))
        bars = region_mean(planes, (100, 20, 440, 120))
        if (yuv_close(left, red, 20) and name_sd > 20 and 25 < corner[0] < 60
                and yuv_close(bars, YUV_BLACK, 12)):
            break
    detail = "no 1280x720 composite received" if planes is None else (
        f"{alice.frames_received} frames; alice's tile {fmt_yuv(left)} (want {fmt_yuv(red)}), "
        f"letterbox {fmt_yuv(bars)}, luma sd in the middle of bob's tile {name_sd:.1f} "
        f"(want > 20: his name), its background {fmt_yuv(corner)}")
    r.check(f"{alice.name} receives the composite: her camera in tile 0, "
            f"{bob.name} (no video) as a dark tile with his name", planes is not None
            and yuv_close(left, red, 20) and name_sd > 20 and 25 < corner[0] < 60
            and yuv_close(bars, YUV_BLACK, 12), detail)
    await record([alice, bob])
    check_conference_audio(r, [alice, bob], " (video call beside an audio-only one)")


def log_time(line):
    """The UNIX time of a glue log line (its UTC stamp), or None."""
    try:
        stamp = datetime.datetime.strptime(line[:24], "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return None
    return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()


def glue_log_lines(stack, offset, *needles):
    """[(UNIX time, line)] of the glue's log lines since `offset` holding every needle."""
    return [(log_time(line), line) for line in
            stack.glue.log_excerpt(offset, lines=None).splitlines()
            if all(n in line for n in needles)]


async def focus_events(stack, focus, room):
    """Every event the focus sent in a room, as the server stores them."""
    page = await run_blocking(stack.focus_client(focus).messages, room, "b", 500)
    return [e for e in page.get("chunk", []) if e.get("sender") == focus]


def repeated(events):
    """Events sent twice: the same type and content more than once (count by type and
    call_id, and by everything else they carry)."""
    seen = {}
    for e in events:
        key = (e["type"], json.dumps(e.get("content"), sort_keys=True))
        seen[key] = seen.get(key, 0) + 1
    return [(t, c[:120], n) for (t, c), n in seen.items() if n > 1]


async def kick_from_janus(stack, display):
    """Kicks the participant shown as `display` through the admin session; the reply."""
    for room, displays in (await stack.janus_rooms()).items():
        if display not in displays:
            continue
        listed = await run_blocking(stack.admin.message, stack.admin_handle,
                                    {"request": "listparticipants", "room": room})
        for p in listed.data.get("participants") or []:
            if p.get("display") == display:
                reply = await run_blocking(stack.admin.message, stack.admin_handle,
                                           {"request": "kick", "room": room, "id": p["id"]})
                return reply.data
    return None


async def scenario_10(stack, r, callers):
    """Synapse stopped with SIGTERM for HS_OUTAGE_S mid-conference, then started on the same
    port and database: what the focus had to send meanwhile lands once, an invite sent just
    before the stop is answered once, and the conference goes on."""
    sam, tess, uma = [await stack.caller(n, f) for n, f in
                      (("sam", FREQS[0]), ("tess", FREQS[1]), ("uma", FREQS[2]))]
    callers += [sam, tess, uma]
    room = await group_room(sam, [tess, uma], "homeserver outage")
    focus = await stack.focus_id(room)
    if not await invite_focus(r, sam, room, focus):
        return
    if not await open_dms(r, [(c, focus) for c in (sam, tess, uma)],
                          "the focus joins sam's, tess's and uma's direct rooms"):
        return
    if len(await place_calls(r, [sam, tess])) != 2:
        return
    log_offset = stack.glue.log_size()
    # Uma's invite and candidates go out just before the stop: Synapse hands them to the
    # glue before it stops or after it is back.
    uma_call = asyncio.ensure_future(uma.call(HS_OUTAGE_S + CALL_SETUP_TIMEOUT_S + 30))
    await asyncio.wait_for(uma.offer_sent.wait(), 15)
    stop_at = time.time()
    await run_blocking(stack.synapse.stop)
    r.info(f"synapse stopped (SIGTERM) in {time.time() - stop_at:.1f} s, uma's m.call.invite "
           "sent just before")
    # Meanwhile Janus drops tess (an operator's kick): the focus has to tell her.
    kicked = await kick_from_janus(stack, tess.display)
    r.check("janus kicks tess while synapse is down",
            (kicked or {}).get("conference") == "success", repr(kicked))
    await asyncio.sleep(max(0.0, stop_at + HS_OUTAGE_S - time.time()))
    start_at = time.time()
    stack.synapse.start(wait=False)  # the main thread owns the process
    await run_blocking(stack.synapse.wait_ready)
    up_at = time.time()
    r.info(f"synapse down {start_at - stop_at:.1f} s, started again on the same port and "
           f"database, answering {up_at - start_at:.1f} s later")

    try:
        await run_blocking(tess.client.wait_for, lambda: tess.hangups(tess.call_id),
                           HS_RECOVERY_S + 20)
    except TimeoutError:
        pass
    tess_seen = time.time() - up_at
    # Uma's answer was held back by the outage, while Janus gives up an ICE connection the
    # caller cannot start after about 30 s: her call connects or is hung up, either once.
    first_call = uma.call_id
    try:
        await run_blocking(uma.client.wait_for, lambda: uma.answers(first_call) and (
            uma.connected() or uma.hangups(first_call)), HS_RECOVERY_S + 20)
        await asyncio.sleep(1.0)
    except TimeoutError:
        pass
    uma_seen = time.time() - up_at
    uma_connected = uma_call.done() and uma_call.exception() is None
    if not uma_connected:
        uma_call.cancel()

    waited = glue_log_lines(stack, log_offset, f"m.call.hangup in the 1:1 room {tess.dm} ",
                            " again in ")
    r.check("the focus' m.call.hangup to tess waited in the outbox while synapse was down",
            any(t is not None and stop_at <= t <= up_at for t, _ in waited),
            f"{len(waited)} retries logged")
    hangups = [e for e in await focus_events(stack, focus, tess.dm)
               if e["type"] == "m.call.hangup" and e["content"].get("call_id") == tess.call_id]
    r.check(f"tess gets one m.call.hangup, within {HS_RECOVERY_S:.0f} s of synapse answering",
            len(hangups) == 1 and tess_seen <= HS_RECOVERY_S,
            f"{len(hangups)} stored, seen by her sync {tess_seen:.1f} s after synapse answered "
            f"(reason {[e['content'].get('reason') for e in hangups]})")
    await run_blocking(tess.client.wait_for,
                       lambda: any(KICKED_NOTICE in n for n in tess.notices()), 10)
    r.check("an operator's kick is user_hangup with a notice, not a network failure",
            [e["content"].get("reason") for e in hangups] == ["user_hangup"]
            and any(KICKED_NOTICE in n for n in tess.notices()),
            f"reasons {[e['content'].get('reason') for e in hangups]}, notices {tess.notices()}")
    admitted = glue_log_lines(stack, log_offset, f"call={first_call} call admitted")
    when = ("after the restart" if admitted and admitted[0][0] and admitted[0][0] >= up_at
            else "before the stop")
    r.check("the glue got uma's m.call.invite once", len(admitted) == 1,
            f"admitted {len(admitted)} times; delivered {when}")
    uma_events = [e for e in await focus_events(stack, focus, uma.dm)
                  if e["content"].get("call_id") == first_call]
    answers = [e for e in uma_events if e["type"] == "m.call.answer"]
    ends = [e["content"].get("reason") for e in uma_events
            if e["type"] in ("m.call.hangup", "m.call.reject")]
    r.check("uma's call, placed just before the stop, gets one answer, then connects or one "
            "hangup", len(answers) == 1 and (uma_connected and not ends or len(ends) == 1),
            f"{len(answers)} answers; {'connected' if uma_connected else 'not connected'}; "
            f"hangups {ends}; {uma_seen:.1f} s after synapse answered")
    r.check("sam's call goes on through the outage", sam.connected() and not sam.hangups(),
            f"{sam.pc.connectionState}, hangups {sam.hangups()}")
    if not uma_connected:
        await uma.drop_call()
        if not await place_calls(r, [uma]):
            return
    await record([sam, uma], 4.0)
    check_conference_audio(r, [sam, uma], " (after the homeserver outage)")
    ok, rooms = await stack.wait_janus(lambda rooms: any(
        sorted(d) == sorted([sam.display, uma.display]) for d in rooms.values()), 5)
    r.check("janus: sam and uma in one room, tess gone", ok, repr(rooms))
    for c in (sam, tess, uma):
        events = await focus_events(stack, focus, c.dm)
        r.check(f"nothing the focus sent in {c.name}'s direct room is there twice",
                events and not repeated(events),
                f"{len(events)} events: {sorted({e['type'] for e in events})}; "
                f"twice: {repeated(events)}")


async def scenario_11(stack, r, callers):
    """Janus SIGKILLed mid-conference and started again on the same port: the glue notices
    at once, ends both calls with unknown_error and a notice, and the room is called again."""
    pat, quinn, rita = [await stack.caller(n, f) for n, f in
                        (("pat", FREQS[0]), ("quinn", FREQS[1]), ("rita", FREQS[2]))]
    callers += [pat, quinn, rita]
    room = await group_room(pat, [quinn, rita], "janus crash")
    focus = await stack.focus_id(room)
    if not await invite_focus(r, pat, room, focus):
        return
    if not await open_dms(r, [(c, focus) for c in (pat, quinn, rita)],
                          "the focus joins pat's, quinn's and rita's direct rooms"):
        return
    if len(await place_calls(r, [pat, quinn])) != 2:
        return
    lost = {c.name: c.call_id for c in (pat, quinn)}
    log_offset = stack.glue.log_size()
    killed_at = time.time()
    stack.kill_janus()
    await asyncio.sleep(JANUS_RESTART_DELAY_S)
    stack.restart_janus()  # the main thread owns the process
    restarted_at = time.time()
    r.info(f"janus SIGKILLed with pat and quinn in a call, answering again on the same port "
           f"{restarted_at - killed_at:.1f} s later")

    def told(c):
        return c.hangups(lost[c.name]) and any(JANUS_LOST_NOTICE in n for n in c.notices())

    for c in (pat, quinn):
        try:
            await run_blocking(c.client.wait_for, lambda c=c: told(c), EJECT_TIMEOUT_S)
        except TimeoutError:
            pass
    told_s = time.time() - killed_at
    lost_lines = glue_log_lines(stack, log_offset, "Janus at ", " lost: ")
    detect_s = (lost_lines[0][0] - killed_at) if lost_lines and lost_lines[0][0] else None
    r.check(f"the glue notices Janus' loss within {JANUS_LOSS_DETECT_S:.0f} s, once",
            detect_s is not None and detect_s <= JANUS_LOSS_DETECT_S and len(lost_lines) == 1,
            f"{len(lost_lines)} lines; the first {detect_s if detect_s is None else round(detect_s, 2)} "
            f"s after the kill: {lost_lines[0][1][25:160] if lost_lines else ''}")
    for c in (pat, quinn):
        notices = [n for n in c.notices() if JANUS_LOST_NOTICE in n]
        r.check(f"{c.name} gets one m.call.hangup (unknown_error) and one notice to call again",
                c.hangups(lost[c.name]) == [(lost[c.name], "unknown_error")]
                and len(notices) == 1 and not c.rejects(),
                f"hangups {c.hangups()}, notices {c.notices()}, both seen {told_s:.1f} s "
                "after the kill")
    r.check("rita, not in a call, is told nothing", not rita.hangups() and not rita.notices(),
            f"hangups {rita.hangups()}, notices {rita.notices()}")
    r.check("the focus stays in the group room",
            pat.client.memberships.get(room, {}).get(focus) == "join",
            repr(pat.client.memberships.get(room, {}).get(focus)))
    for c in (pat, quinn):
        await c.drop_call()
    connected = await place_calls(r, [pat, rita])
    if len(connected) != 2:
        return
    r.info(f"pat's and rita's new calls connected {time.time() - restarted_at:.1f} s after "
           "janus answered again")
    await record(connected, 4.0)
    check_conference_audio(r, connected, " (calling again after janus restarted)")
    ok, rooms = await stack.wait_janus(lambda rooms: any(
        sorted(d) == sorted(c.display for c in connected) for d in rooms.values()), 5)
    r.check("the restarted janus has one room with pat and rita", ok, repr(rooms))


SCENARIOS = [
    (1, "three members call the focus and hear each other", scenario_1, 90),
    (12, "commands: moderation, who, help, self-mute, recording", scenario_12, 90),
    (2, "S3 leaving the group room, S4 leaving the direct room", scenario_2, 50),
    (3, "S7 the last caller hangs up", scenario_3, 30),
    (4, "S8 nobody calls", scenario_4, 60),
    (5, "S5 two focus users in one room", scenario_5, 75),
    (6, "a stranger calls", scenario_6, 50),
    (7, "matrix-glue SIGKILLed and restarted mid-conference", scenario_7, 160),
    (8, "malformed transactions and events", scenario_8, 60),
    (9, "a Matrix video call gets the conference picture", scenario_9, 90),
    (10, "Synapse stopped for 30 s mid-conference and started again", scenario_10, 150),
    (11, "Janus SIGKILLed mid-conference and restarted", scenario_11, 90),
]


async def run_scenarios(stack, r):
    # Callers wait on their /sync threads through the executor: more threads than
    # the default (cores + 4) so that concurrent waits never queue behind each other.
    asyncio.get_running_loop().set_default_executor(
        concurrent.futures.ThreadPoolExecutor(max_workers=64))
    for number, title, fn, limit in SCENARIOS:
        if stack.args.scenarios and number not in stack.args.scenarios:
            continue
        print(f"---- scenario {number}: {title}", flush=True)
        failed_before = r.failed
        log_offset = stack.glue.log_size()
        callers = []
        started = time.monotonic()
        try:
            await asyncio.wait_for(fn(stack, r, callers), limit)
        except TimeoutError as e:
            # Python 3.11: asyncio's timeout is the builtin one, as are the waits inside.
            if time.monotonic() - started >= limit - 0.5:
                r.check(f"scenario {number} finished within {limit} s", False)
            else:
                r.check(f"scenario {number} ran without error", False,
                        f"{describe(e)}\n{traceback.format_exc(limit=4)}")
        except Exception as e:  # noqa: BLE001 - one failed check, then the next scenario
            r.check(f"scenario {number} ran without error", False,
                    f"{describe(e)}\n{traceback.format_exc(limit=4)}")
        r.info(f"scenario {number} took {time.monotonic() - started:.1f} s")
        # Scenario 1's callers go on into scenarios 2 and 3.
        if number == 3 and stack.conf1 is not None:
            callers += stack.conf1[2:]
        if stack.conf1 is None or number >= 3:
            await close_all(callers)
        if not stack.glue.alive():
            r.check(f"matrix-glue alive after scenario {number}", False,
                    f"exit code {stack.glue.proc.returncode}")
            try:
                stack.restart_glue()
            except RuntimeError as e:
                r.info(f"matrix-glue does not start again: {e}")
        if r.failed > failed_before:
            print(f"--- matrix-glue log during scenario {number} (last 40 lines) ---\n"
                  f"{stack.glue.log_excerpt(log_offset)}\n---", flush=True)


def run_with_stack(args, prefix, body, plugin_general="", **stack_options):
    """Starts the stack, runs the coroutine body(stack, r, workdir), stops matrix-glue (its exit
    code checked) and tears everything down; prints the tally and returns the exit status."""
    signal.signal(signal.SIGTERM, raise_system_exit)
    r = Results()
    workdir = tempfile.mkdtemp(prefix=f"{prefix}-{os.getpid()}-")
    stack = Stack(args, workdir, plugin_general, **stack_options)
    try:
        stack.start(r)
        asyncio.run(body(stack, r, workdir))
        code = stack.glue.stop()
        r.check("matrix-glue exits with 0 on SIGTERM", code == 0, f"exit code {code}")
    except Exception as e:  # noqa: BLE001 - a broken stack is one failure, then the summary
        r.check("test stack runs", False, f"{describe(e)}\n{traceback.format_exc(limit=6)}")
        if stack.glue is not None:
            print(f"--- matrix-glue log tail ---\n{stack.glue.log_excerpt()}\n---", flush=True)
    finally:
        stack.close()
        if os.environ.get("E2E_KEEP"):
            print(f"INFO kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    return 1 if r.failed else 0


async def all_scenarios(stack, r, _workdir):
    await run_scenarios(stack, r)
    if SETUP_TIMES:
        times = sorted(t for _, t in SETUP_TIMES)
        r.info(f"call setup (m.call.invite sent -> m.call.answer received) over "
               f"{len(times)} calls: min {times[0]:.2f} s, median "
               f"{times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s")


def inner(args):
    return run_with_stack(args, "e2e-conference", all_scenarios)


def stack_parser(doc):
    """--glue and --plugin: what a test on the whole stack runs."""
    parser = command_line(doc)
    parser.add_argument("--glue", required=True, help="matrix-glue executable")
    parser.add_argument("--plugin", required=True, help="libjanus_conference.so")
    return parser


def main():
    parser = stack_parser(__doc__)
    parser.add_argument("--scenarios", type=lambda text: {int(n) for n in text.split(",")},
                        help="only these scenarios, e.g. 10,11 (2 and 3 need 1)")
    return netns_main(parser, __file__, inner, TIME_LIMIT_S)


if __name__ == "__main__":
    sys.exit(main())
