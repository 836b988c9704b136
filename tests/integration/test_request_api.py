"""The request API of janus.plugin.conference against the real Janus: rooms from
the .jcfg, admin_key, secret, pin, is_private, max_participants, mute/unmute,
mute_room/unmute_room, configure, kick, kick_all, leave, destroy, and their error codes.

    /usr/bin/python3 tests/integration/test_request_api.py --plugin build/.../libjanus_conference.so

Only plain-RTP participants on 127.0.0.1, so no network namespace is needed.
Prints PASS/FAIL lines and ends with "N passed, M failed".
"""

import argparse
import asyncio
import http.server
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from janus_harness import (JanusClient, JanusProcess, PlainRtpPeer, Results,  # noqa: E402
                           run_blocking, sanitizer_env, sanitizer_reports, tone_report)

PACKAGE = "janus.plugin.conference"
ADMIN_KEY = "let-me-create"
MAX_ROOMS = 105  # the 2 rooms of the file and IDLE_ROOMS + 3 more
CONFIG = f"""
general: {{
    admin_key = "{ADMIN_KEY}"
    local_ip = "127.0.0.1"
    rtp_port_range = "42000-42999"
    max_rooms = {MAX_ROOMS}
    stats_interval = 1
    max_speakers = 2
    video_fps = 12
    video_bitrate = 700000
}}
room-4321: {{
    description = "from the file"
    allow_rtp_participants = true
    video_width = 640
    video_height = 360
    video_layout = "speaker"
}}
room-4322: {{
    is_private = true
    video = false
}}
"""
ROOM = 5555
IDLE_ROOMS = 100
IDLE_ROOM_FIRST = 7000
IDLE_ROOM_MAX_KB = 1024      # Janus' RSS growth per idle room with video on (default)
IDLE_ROOM_MAX_THREADS = 0.05  # new threads per idle room: none (the tick threads are shared)
SAMPLE_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conf",
                             "janus.plugin.conference.jcfg.sample")


def janus_memory(pid):
    """(VmRSS in kB, thread count) of a process."""
    fields = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return int(fields["VmRSS"][0]), int(fields["Threads"][0])


HEARD_MIN_DB = 20.0  # a tone this far over the noise floor is heard
QUIET_GAP_S = 0.5    # no mix packet for this long: the silence tail is over
QUIET_DEADLINE_S = 10.0


class EventCollector:
    """What Janus' sample event handler posts (one JSON event, or a list, per POST), on a
    loopback port of its own."""

    def __init__(self):
        self.events = []
        lock = threading.Lock()
        collected = self.events

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    collected.extend(body if isinstance(body, list) else [body])
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def plugin_data(self, kind):
        """The plugin events' data whose `event` is `kind`."""
        return [e["event"]["data"] for e in list(self.events)
                if e.get("event", {}).get("plugin") == PACKAGE
                and e["event"].get("data", {}).get("event") == kind]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def check_stats_events(r, collector):
    """stats_interval = 1: the stats went to the event handlers every second or so."""
    stats = collector.plugin_data("stats")
    r.check("stats reach Janus' event handlers every stats_interval",
            len(stats) >= 3 and all("rooms" in s and "audio" in s for s in stats)
            and any(s.get("participants") == 2 for s in stats),
            f"{len(stats)} stats events; participants {[s.get('participants') for s in stats]}")


async def event_with(peer, key, value):
    """The first of the peer's pending events whose plugin data has key == value, or None
    once half a second passes without an event."""
    for _ in range(40):
        ev = await run_blocking(peer.client.next_event, peer.handle, 0.5)
        if ev is None:
            return None
        if ev.get("plugindata", {}).get("data", {}).get(key) == value:
            return ev
    return None


async def quiet(peer, deadline_s, gap_s=QUIET_GAP_S):
    """When (wall clock) the last packet before gap_s without any arrived (a silence tail
    is 200 ms), or None if packets still come at the deadline."""
    t0 = time.time()
    while time.time() - t0 < deadline_s:
        peer.read_queued()
        last = max(peer.arrivals[-1] if peer.arrivals else t0, t0)
        if time.time() - last >= gap_s:
            return last
        await asyncio.sleep(0.05)
    return None


async def check_room_mute(r, req, people, listener, talker):
    """mute_room: nobody is mixed, so the listener gets no packet once the silence tail is
    over; unmute_room: the talker is heard again; own mute states are untouched."""
    reply = await req({"request": "mute_room", "room": ROOM})
    r.check("mute_room without the secret -> 489", reply.error_code == 489,
            f"got {reply.error_code}")
    own = {p["id"]: p["muted"] for p in (await people()).values()}
    reply = await req({"request": "mute_room", "room": ROOM, "secret": "s3cret"})
    told = await event_with(listener, "muted", True)
    # The 200 ms silence tail and packets in flight end at a time a loaded machine decides:
    # from the first quiet moment on, nothing more may come.
    told_at = time.time()
    quiet_since = await quiet(listener, QUIET_DEADLINE_S)
    await asyncio.sleep(1.5)
    during = (listener.received_between(quiet_since, time.time())
              if quiet_since is not None else None)
    room = (await req({"request": "listparticipants", "room": ROOM})).data
    r.check("mute_room: everyone told, nobody mixed, the room shows muted",
            reply.event == "success" and told is not None and during == 0
            and room.get("muted") is True,
            f"{reply.data}, told {told is not None}, quiet "
            f"{f'{quiet_since - told_at:.2f} s after being told' if quiet_since else 'never'}, "
            f"{during} packets after that, room muted {room.get('muted')}")
    reply = await req({"request": "unmute_room", "room": ROOM, "secret": "s3cret"})
    told = await event_with(listener, "muted", False)
    listener.recorder.mark()
    await asyncio.sleep(2.5)
    levels = tone_report(listener.recorder.samples(), (talker.freq,), skip_seconds=0.5)
    after = {p["id"]: p["muted"] for p in (await people()).values()}
    r.check("unmute_room: the talker is heard again, own mute states as they were",
            reply.event == "success" and told is not None and levels is not None
            and levels[talker.freq] >= HEARD_MIN_DB and after == own,
            f"{talker.freq} Hz at {levels}, own mute {own} -> {after}")


async def check_admin_api(r, janus):
    """Janus' Admin API: `stats` with the plugin's figures (alice and bob in ROOM, plain RTP,
    mixing for seconds by now), the synchronous requests, nothing else."""
    stats = await run_blocking(janus.admin_message, PACKAGE, {"request": "stats"})
    audio = stats.get("audio", {})
    tick = audio.get("tick_us", {})
    r.check("Admin API stats: rooms, participants, mixer ticks and their percentiles, threads",
            stats.get("conference") == "stats" and stats.get("rooms") == 3
            and stats.get("participants") == 2 and stats.get("rtp_participants") == 2
            and audio.get("ticks", 0) > 100 and tick.get("count") == audio.get("ticks")
            and 0 < tick.get("p50", 0) <= tick.get("p99", 0) <= 20000
            and len(stats.get("tick_threads", [])) == (os.cpu_count() or 1)
            and sum(stats["tick_threads"]) >= 3, str(stats))
    listed = await run_blocking(janus.admin_message, PACKAGE, {"request": "list"})
    r.check("Admin API: the synchronous requests (list)",
            sorted(x["room"] for x in listed.get("list", [])) == [4321, ROOM], str(listed))
    refused = await run_blocking(janus.admin_message, PACKAGE,
                                 {"request": "join", "room": ROOM})
    r.check("Admin API: join (asynchronous) -> 482", refused.get("error_code") == 482,
            str(refused))


async def check_list_and_load(r, janus, req):
    """`list` shows private rooms only for the admin_key (a wrong one is a 489); `load` needs
    the admin_key and counts the plain-RTP participants a private room gains, and its tick
    load grows while they are mixed."""
    expect_code = (lambda reply, code: reply.error_code == code)
    room = 5600
    await req({"request": "create", "room": room, "admin_key": ADMIN_KEY, "is_private": True,
               "allow_rtp_participants": True, "description": "hidden"})

    async def listed(body):
        return {x["room"]: x for x in (await req(body)).data.get("list", [])}
    public = await listed({"request": "list"})
    everything = await listed({"request": "list", "admin_key": ADMIN_KEY})
    r.check("list: private rooms (4322, 5600) only with the admin_key",
            4321 in public and 4322 not in public and room not in public
            and {4321, 4322, room} <= set(everything)
            and everything[room]["description"] == "hidden", f"{sorted(public)} {sorted(everything)}")
    r.check("list with a wrong admin_key -> 489",
            expect_code(await req({"request": "list", "admin_key": "wrong"}), 489))
    r.check("load without or with a wrong admin_key -> 489",
            expect_code(await req({"request": "load"}), 489)
            and expect_code(await req({"request": "load", "admin_key": "wrong"}), 489))

    await asyncio.sleep(1.2)  # a full window of the tick load with nobody in the room
    before = (await req({"request": "load", "admin_key": ADMIN_KEY})).data
    peers = [PlainRtpPeer(janus.url, PACKAGE, room, name, freq)
             for name, freq in (("load-a", 440), ("load-b", 660))]
    try:
        for peer in peers:
            await peer.join()
        await asyncio.sleep(2.5)  # they talk for two full windows
        after = (await req({"request": "load", "admin_key": ADMIN_KEY})).data
    finally:
        for peer in peers:
            await peer.close()
    r.check("load: rooms, threads; two plain-RTP participants more, and more tick load",
            before.get("conference") == "load" and after.get("rooms") == before.get("rooms")
            and after.get("tick_threads") == (os.cpu_count() or 1)
            and after.get("participants") == before.get("participants", -9) + 2
            and after.get("rtp_participants") == before.get("rtp_participants", -9) + 2
            and after.get("webrtc_participants") == before.get("webrtc_participants")
            and 0 <= before.get("tick_load", -1) < after.get("tick_load", -1) < 1
            and after.get("missed_ticks", -1) >= 0 and after.get("late_ticks", -1) >= 0,
            f"before {before}, after {after}")
    await req({"request": "destroy", "room": room})


async def check_kick_all(r, janus, req):
    """kick_all in the file's room (no secret): each participant is told with its own id and
    the room is empty."""
    peers = [PlainRtpPeer(janus.url, PACKAGE, 4321, name) for name in ("dave", "erin")]
    try:
        for peer in peers:
            await peer.join()
        reply = await req({"request": "kick_all", "room": 4321})
        told = [await event_with(peer, "kicked_all", peer.participant_id) for peer in peers]
        left = (await req({"request": "listparticipants", "room": 4321})).data["participants"]
        r.check("kick_all: each participant told with its id, the room empty",
                reply.event == "success" and all(told) and left == [],
                f"{reply.data}, told {[t is not None for t in told]}, left {left}")
    finally:
        for peer in peers:
            await peer.close()


async def check_idle_rooms(r, janus, req, sanitized):
    """Rooms nobody is in must be cheap: anyone who reaches an API without an
    admin_key can create them. Video is on (the default), yet no canvas or encoder
    exists before somebody sends or views video, and no room has a thread of its own: the
    mixer and compositor ticks run on the shared tick threads."""
    rss0, threads0 = janus_memory(janus.pid)
    created = 0
    for i in range(IDLE_ROOMS):
        reply = await req({"request": "create", "room": IDLE_ROOM_FIRST + i,
                           "admin_key": ADMIN_KEY})
        created += reply.event == "created"
    await asyncio.sleep(1.0)
    rss1, threads1 = janus_memory(janus.pid)
    per_room_kb = (rss1 - rss0) / IDLE_ROOMS
    per_room_threads = (threads1 - threads0) / IDLE_ROOMS
    r.info(f"Janus RSS {rss0} kB -> {rss1} kB, threads {threads0} -> {threads1} after "
           f"{created} idle video rooms: {per_room_kb:.1f} kB and {per_room_threads:.2f} "
           "threads per room")
    r.check(f"{IDLE_ROOMS} idle video rooms created", created == IDLE_ROOMS, f"{created}")
    r.check(f"an idle video room starts no thread (<= {IDLE_ROOM_MAX_THREADS} threads per room)", per_room_threads <= IDLE_ROOM_MAX_THREADS,
            f"{per_room_threads:.2f}")
    if not sanitized:  # ASan's shadow memory and redzones make RSS meaningless here
        r.check(f"an idle video room costs under {IDLE_ROOM_MAX_KB} kB of Janus' RSS",
                per_room_kb < IDLE_ROOM_MAX_KB, f"{per_room_kb:.1f} kB")
    rooms = 2 + created  # the file's two rooms (one private) and the idle ones
    extra = 0
    while rooms + extra < MAX_ROOMS:
        reply = await req({"request": "create", "admin_key": ADMIN_KEY, "is_private": True})
        if reply.event != "created":
            break
        extra += 1
    over = await req({"request": "create", "admin_key": ADMIN_KEY})
    r.check(f"create beyond max_rooms = {MAX_ROOMS} -> 497", over.error_code == 497
            and rooms + extra == MAX_ROOMS, f"got {over.error_code} ({over.data.get('error')}) "
            f"with {rooms + extra} rooms")
    for i in range(IDLE_ROOMS):
        await req({"request": "destroy", "room": IDLE_ROOM_FIRST + i})
    reply = await req({"request": "create", "admin_key": ADMIN_KEY})
    r.check("create works again below max_rooms", reply.event == "created", str(reply.data))


async def sample_config_scenario(r, janus):
    """conf/janus.plugin.conference.jcfg.sample as shipped: its demo room has a
    secret and refuses plain RTP."""
    client = JanusClient(janus.url)
    await run_blocking(client.create)
    try:
        h = await run_blocking(client.attach, PACKAGE)
        exists = await run_blocking(client.message, h, {"request": "exists", "room": 1234})
        r.check("sample config: the demo room exists", exists.data.get("exists") is True,
                str(exists.data))
        reply = await run_blocking(client.message, h, {"request": "destroy", "room": 1234})
        still = await run_blocking(client.message, h, {"request": "exists", "room": 1234})
        r.check("sample config: the demo room has a secret (destroy without it -> 489, "
                "the room stays)", reply.error_code == 489 and still.data.get("exists") is True,
                f"{reply.data}, exists {still.data.get('exists')}")
        reply = await run_blocking(client.message, h, {
            "request": "join", "room": 1234, "rtp": {"ip": "127.0.0.1", "port": 9}})
        r.check("sample config: the demo room refuses plain RTP (482)", reply.error_code == 482,
                str(reply.data))
    finally:
        await run_blocking(client.destroy)


async def scenario(r, janus, sanitized, collector):
    admin = JanusClient(janus.url)
    await run_blocking(admin.create)
    admin.start_keepalive()
    h = await run_blocking(admin.attach, PACKAGE)

    async def req(body, handle=h, client=admin):
        return await run_blocking(client.message, handle, body)

    def expect(name, reply, code):
        r.check(name, reply.error_code == code,
                f"got {reply.error_code} ({reply.data.get('error')})")

    async def people():
        listed = (await req({"request": "listparticipants", "room": ROOM})).data["participants"]
        return {p["id"]: p for p in listed}

    listed = (await req({"request": "list"})).data.get("list", [])
    rooms = {x["room"]: x for x in listed}
    r.check("rooms from the .jcfg exist; the private one is not listed",
            4321 in rooms and rooms[4321]["description"] == "from the file" and 4322 not in rooms
            and (await req({"request": "exists", "room": 4322})).data.get("exists") is True,
            str(sorted(rooms)))
    await check_list_and_load(r, janus, req)

    video = {room: (await req({"request": "listparticipants", "room": room})).data.get("video")
             for room in (4321, 4322)}
    v = video[4321] or {}
    r.check("video settings from the .jcfg (general defaults, room overrides; video = false)",
            (v.get("width"), v.get("height"), v.get("fps"), v.get("bitrate"), v.get("layout"))
            == (640, 360, 12, 700000, "speaker") and video[4322] is None, str(video))

    expect("create without admin_key -> 489", await req({"request": "create", "room": ROOM}), 489)
    created = await req({"request": "create", "room": ROOM, "admin_key": ADMIN_KEY,
                         "secret": "s3cret", "pin": "1234", "max_participants": 2,
                         "allow_rtp_participants": True})
    r.check("create with admin_key", created.event == "created" and created.data["room"] == ROOM,
            str(created.data))
    expect("create the same room again -> 486",
           await req({"request": "create", "room": ROOM, "admin_key": ADMIN_KEY}), 486)
    expect("create with permanent: true -> 482 (not supported)",
           await req({"request": "create", "admin_key": ADMIN_KEY, "permanent": True}), 482)

    a = PlainRtpPeer(janus.url, PACKAGE, ROOM, "alice", 440)
    b = PlainRtpPeer(janus.url, PACKAGE, ROOM, "bob", 880)
    c = PlainRtpPeer(janus.url, PACKAGE, ROOM, "carol")
    try:
        # Plain-RTP joins through the harness, with the pin added to the request.
        for peer in (a, b, c):
            peer_join = peer.client.message

            def with_pin(handle, body, jsep=None, timeout=None, _orig=peer_join):
                if body.get("request") == "join":
                    body = dict(body, pin="1234")
                return _orig(handle, body, jsep=jsep, timeout=timeout)
            peer.client.message = with_pin

        wrong = PlainRtpPeer(janus.url, PACKAGE, ROOM, "mallory")
        try:
            await wrong.join()
            r.check("join with no pin -> refused", False, "joined")
        except RuntimeError as e:
            r.check("join with no pin -> refused with 489", "489" in str(e), str(e)[:120])
        finally:
            await wrong.close()

        await a.join()
        await b.join()
        try:
            await c.join()
            r.check("third join in a room of max 2 -> refused", False, "joined")
        except RuntimeError as e:
            r.check("third join in a room of max 2 -> refused with 495", "495" in str(e),
                    str(e)[:120])
        again = await run_blocking(a.client.message, a.handle,
                                   {"request": "join", "room": ROOM, "pin": "1234",
                                    "rtp": {"ip": "127.0.0.1", "port": 9}})
        expect("join twice on one handle -> 491", again, 491)
        listed = sorted((await people()).keys())
        r.check("the refused joins added nobody: alice and bob only",
                listed == sorted([a.participant_id, b.participant_id]), str(listed))
        await asyncio.sleep(1.0)

        # The room's video layout is everyone's picture: with a secret, only for moderators.
        expect("configure video_layout without the room's secret -> 489",
               await run_blocking(a.client.message, a.handle,
                                  {"request": "configure", "video_layout": "speaker"}), 489)
        video = (await req({"request": "listparticipants", "room": ROOM})).data.get("video", {})
        r.check("the refused video_layout left the room's layout grid",
                video.get("layout") == "grid", str(video))
        layout = await run_blocking(a.client.message, a.handle,
                                    {"request": "configure", "video_layout": "speaker",
                                     "secret": "s3cret"})
        video = (await req({"request": "listparticipants", "room": ROOM})).data.get("video", {})
        r.check("configure video_layout with the secret switches the room's layout",
                layout.data.get("result") == "ok" and video.get("layout") == "speaker",
                f"{layout.data}, video {video}")

        muted = await run_blocking(a.client.message, a.handle,
                                   {"request": "configure", "muted": True, "display": "alice2"})
        r.check("configure muted/display", muted.data.get("result") == "ok", str(muted.data))
        pa = (await people()).get(a.participant_id, {})
        r.check("listparticipants shows the new state", pa.get("muted") is True
                and pa.get("display") == "alice2", str(pa))

        reply = await req({"request": "mute", "room": ROOM, "id": b.participant_id})
        pb = (await people()).get(b.participant_id, {})
        r.check("mute without the secret -> 489, bob stays unmuted",
                reply.error_code == 489 and pb.get("muted") is False,
                f"got {reply.error_code}, bob {pb}")
        reply = await req({"request": "mute", "room": ROOM, "id": b.participant_id,
                           "secret": "s3cret"})
        pb = (await people()).get(b.participant_id, {})
        r.check("mute with the secret", reply.event == "success" and pb.get("muted") is True,
                f"{reply.data}, bob {pb}")
        reply = await req({"request": "unmute", "room": ROOM, "id": b.participant_id,
                           "secret": "s3cret"})
        pb = (await people()).get(b.participant_id, {})
        r.check("unmute with the secret", reply.event == "success" and pb.get("muted") is False,
                f"{reply.data}, bob {pb}")
        await check_room_mute(r, req, people, a, b)
        await check_admin_api(r, janus)
        check_stats_events(r, collector)

        expect("kick an unknown id -> 492",
               await req({"request": "kick", "room": ROOM, "id": 1, "secret": "s3cret"}), 492)
        reply = await req({"request": "kick", "room": ROOM, "id": a.participant_id,
                           "secret": "s3cret"})
        kicked = await event_with(a, "kicked", a.participant_id)
        listed = list((await people()).values())
        r.check("kick: the participant is told and gone", reply.event == "success"
                and kicked is not None and [p["id"] for p in listed] == [b.participant_id],
                str([p.get("display") for p in listed]))
        expect("configure after being kicked -> 487",
               await run_blocking(a.client.message, a.handle, {"request": "configure"}), 487)

        left = await run_blocking(b.client.message, b.handle, {"request": "leave"})
        listed = sorted((await people()).keys())
        r.check("leave: the left event, and the room is empty",
                left.event == "left" and left.data.get("id") == b.participant_id
                and listed == [], f"{left.data}, participants {listed}")
        expect("leave twice -> 487",
               await run_blocking(b.client.message, b.handle, {"request": "leave"}), 487)

        no_rtp = await run_blocking(b.client.message, b.handle, {
            "request": "join", "room": 4322, "rtp": {"ip": "127.0.0.1", "port": 9}})
        expect("plain RTP join where not allowed -> 482", no_rtp, 482)
        bad = await run_blocking(b.client.message, b.handle, {
            "request": "join", "room": 4321, "rtp": {"ip": "not-an-ip", "port": 9}})
        expect("plain RTP join with a bad address -> 484", bad, 484)
        bad = await run_blocking(b.client.message, b.handle, {
            "request": "join", "room": 4321, "rtp": {"ip": "127.0.0.1", "port": 70000}})
        expect("plain RTP join with a bad port -> 484", bad, 484)
        for ip in ("0.0.0.0", "224.0.0.1", "255.255.255.255", "::", "ff02::1"):
            bad = await run_blocking(b.client.message, b.handle, {
                "request": "join", "room": 4321, "rtp": {"ip": ip, "port": 5004}})
            expect(f"plain RTP join to {ip} (not one host) -> 484", bad, 484)
        bad = await run_blocking(b.client.message, b.handle, {
            "request": "join", "room": 4321, "id": -5, "rtp": {"ip": "127.0.0.1", "port": 9}})
        expect("join with a negative id -> 484", bad, 484)
        expect("request that is not a string -> 484", await req({"request": 5}), 484)
        expect("kick with a negative id -> 484",
               await req({"request": "kick", "room": 4321, "id": -5}), 484)

        expect("kick_all without the secret -> 489",
               await req({"request": "kick_all", "room": ROOM}), 489)
        await check_kick_all(r, janus, req)
        expect("destroy without the secret -> 489",
               await req({"request": "destroy", "room": ROOM}), 489)
        reply = await req({"request": "destroy", "room": ROOM, "secret": "s3cret"})
        exists = (await req({"request": "exists", "room": ROOM})).data.get("exists")
        r.check("destroy with the secret", reply.event == "destroyed" and exists is False,
                str(reply.data))
        expect("listparticipants of a destroyed room -> 485",
               await req({"request": "listparticipants", "room": ROOM}), 485)
        await check_idle_rooms(r, janus, req, sanitized)
    finally:
        for peer in (a, b, c):
            await peer.close()
        await run_blocking(admin.destroy)
    r.check("janus alive at the end", janus.alive())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--sanitized", action="store_true",
                        help="the plugin is built with ASan+UBSan or TSan: preload that "
                             "runtime into Janus")
    args = parser.parse_args()
    r = Results()
    collector = EventCollector()
    janus = JanusProcess([args.plugin], {f"{PACKAGE}.jcfg": CONFIG}, rtp_port_range="43000-43999",
                         env=sanitizer_env(args.plugin) if args.sanitized else None,
                         event_backend=collector.url)
    try:
        janus.start()
        asyncio.run(asyncio.wait_for(scenario(r, janus, args.sanitized, collector), 120))
        janus.stop()
        with open(SAMPLE_CONFIG) as fh:
            sample = JanusProcess([args.plugin], {f"{PACKAGE}.jcfg": fh.read()},
                                  rtp_port_range="43000-43999",
                                  env=sanitizer_env(args.plugin) if args.sanitized else None)
        try:
            sample.start()
            asyncio.run(asyncio.wait_for(sample_config_scenario(r, sample), 30))
            sample.stop()
            sample_reports = sanitizer_reports(sample.log_path) if args.sanitized else []
        finally:
            sample.cleanup()
        if args.sanitized:
            reports = sanitizer_reports(janus.log_path) + sample_reports
            r.check("no sanitizer report", not reports,
                    f"{len(reports)}: " + "; ".join(reports[:3]))
    except Exception as e:  # noqa: BLE001 - any crash is one failed check, then the summary
        r.check("scenario ran without error", False, f"{type(e).__name__}: {e}")
    finally:
        if r.failed:
            print(f"--- janus log tail ---\n{janus.log_tail()}---", flush=True)
        janus.cleanup()
        collector.close()
    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    sys.exit(1 if r.failed else 0)


if __name__ == "__main__":
    main()
