#!/usr/bin/python3
"""Cascaded rooms: two real Janus processes, a room on each, joined by a link.

A plain-RTP talker with its own tone on each side and a silent listener on each
side, in rooms of max_speakers 1. Listeners on both sides hear both talkers; no
talker hears its own tone come back through the link; each side's talking events
do not flap (one `talking` per talker, none for the link, no `stopped-talking`
while they talk); the link is listed with `link: true` and not counted in
`num_participants`. Then instance B is killed with SIGKILL: A notices (the link's
handle gets `link_lost`, the link leaves the room) and A's own conference goes on.
"""

import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cascade import PACKAGE, ROOM, Admin, create_room, link_rooms, start_instance  # noqa: E402
from janus_harness import (HTTP_ERRORS, JanusError, PlainRtpPeer, Results,  # noqa: E402
                           plugin_test_main, run_blocking, sanitizer_env, sanitizer_reports,
                           tone_report)

TONE_A = 440.0
TONE_B = 1000.0
HEARD_DB = 20.0  # a tone this far over the noise floor is heard
# An own tone must stay this far below the other side's: one that came back through
# the link would be about as loud (Opus leaves a trace of a strong tone elsewhere).
OWN_MARGIN_DB = 40.0
LINK_TIMEOUT_S = 2
LISTEN_S = 8.0


def drain_events(peer):
    """Plugin events that reached the peer's handle so far."""
    out = []
    while True:
        ev = peer.client.next_event(peer.handle, timeout=0)
        if ev is None:
            return out
        data = ev.get("plugindata", {}).get("data")
        if data:
            out.append(data)


def talk_changes(events):
    """(kind, id) of every talking / stopped-talking event."""
    return [(e.get("conference"), e.get("id")) for e in events
            if e.get("conference") in ("talking", "stopped-talking")]


async def close_quietly(peer):
    try:
        await peer.close()
    except HTTP_ERRORS + (JanusError, RuntimeError, OSError):
        pass


async def scenario(r, a, b):
    admin_a = await Admin(a.url).open()
    admin_b = await Admin(b.url).open()
    # One speaker per room: both talkers are still heard everywhere only because the
    # link is mixed beside the cap, not competing with the local talker for it.
    await create_room(admin_a, max_speakers=1)
    await create_room(admin_b, max_speakers=1)
    link = await link_rooms(a.url, b.url, timeout_s=LINK_TIMEOUT_S)
    r.info(f"link: A {link.a_id} on port {link.a_port}, B {link.b_id} on port {link.b_port}")
    # A link is mixed beside the speaker cap: the room's secret (or the admin_key) only.
    stranger = await Admin(a.url).open()
    reply = await stranger.req({"request": "join", "room": ROOM, "link": True,
                                "rtp": {"ip": "127.0.0.1"}})
    r.check("a link without the room's secret is refused (489)", reply.error_code == 489,
            f"{reply.data}")
    await run_blocking(stranger.client.destroy)

    talker_a = PlainRtpPeer(a.url, PACKAGE, ROOM, "talker A", TONE_A)
    talker_b = PlainRtpPeer(b.url, PACKAGE, ROOM, "talker B", TONE_B)
    listener_a = PlainRtpPeer(a.url, PACKAGE, ROOM, "listener A")
    listener_b = PlainRtpPeer(b.url, PACKAGE, ROOM, "listener B")
    # Listeners first: they must see the talkers' one `talking` event.
    peers = [listener_a, listener_b, talker_a, talker_b]
    for p in peers:
        await p.join()
    reply = await run_blocking(talker_a.client.message, talker_a.handle,
                               {"request": "configure", "rtp": {"ip": "127.0.0.1", "port": 9}})
    r.check("only a link's rtp target can change (482)", reply.error_code == 482,
            f"{reply.data}")
    await asyncio.sleep(2.0)
    for p in peers:
        p.recorder.mark()
    events = {p: drain_events(p) for p in (listener_a, listener_b)}
    await asyncio.sleep(LISTEN_S)
    for p in (listener_a, listener_b):
        events[p] += drain_events(p)
    # Asked before the analysis below, which holds up the talkers' send loops.
    parts = (await admin_a.req({"request": "listparticipants", "room": ROOM})).data
    by_id = {p["id"]: p for p in parts.get("participants", [])}
    link_entry = by_id.get(link.a_id, {})
    r.check("listparticipants marks the link", link_entry.get("link") is True
            and not link_entry.get("talking") and by_id.get(talker_a.participant_id, {})
            .get("talking") is True, f"{parts.get('participants')}")
    rooms = (await admin_a.req({"request": "list"})).data.get("list", [])
    mine = next((x for x in rooms if x.get("room") == ROOM), {})
    r.check("list counts people, not links", mine.get("num_participants") == 2
            and mine.get("num_links") == 1, f"{mine}")

    for listener in (listener_a, listener_b):
        rep = tone_report(listener.recorder.samples(), [TONE_A, TONE_B], skip_seconds=0.5)
        r.check(f"{listener.display} hears both talkers across the link",
                rep is not None and min(rep.values()) > HEARD_DB,
                f"{rep and {f: round(v, 1) for f, v in rep.items()}}")
    for talker, own, other in ((talker_a, TONE_A, TONE_B), (talker_b, TONE_B, TONE_A)):
        rep = tone_report(talker.recorder.samples(), [own, other], skip_seconds=0.5)
        r.check(f"{talker.display} hears the other side, not its own tone back",
                rep is not None and rep[other] > HEARD_DB and rep[own] < rep[other] - OWN_MARGIN_DB,
                f"{rep and {f: round(v, 1) for f, v in rep.items()}}")

    for listener, talker in ((listener_a, talker_a), (listener_b, talker_b)):
        changes = talk_changes(events[listener])
        r.check(f"{listener.display}: speaker selection stable (one talking, no flapping, "
                f"never the link)",
                changes == [("talking", talker.participant_id)], f"{changes}")

    # B dies without a word: A's link hears nothing more and is removed.
    link_events = []
    b.proc.kill()
    killed = time.monotonic()
    lost_after = None
    while time.monotonic() - killed < LINK_TIMEOUT_S + 5:
        ev = await run_blocking(link.a.client.next_event, link.a.handle, 0.5)
        data = (ev or {}).get("plugindata", {}).get("data") or {}
        if data:
            link_events.append(data)
        if data.get("link_lost") == link.a_id:
            lost_after = time.monotonic() - killed
            break
    r.check("A notices that B died (link_lost within link_timeout + 1 s)",
            lost_after is not None and lost_after <= LINK_TIMEOUT_S + 1.0,
            f"after {lost_after and round(lost_after, 2)} s; events {link_events}")
    parts = (await admin_a.req({"request": "listparticipants", "room": ROOM})).data
    ids = [p["id"] for p in parts.get("participants", [])]
    r.check("the lost link has left A's room", link.a_id not in ids
            and talker_a.participant_id in ids, f"{ids}")
    listener_a.recorder.mark()
    await asyncio.sleep(2.0)
    rep = tone_report(listener_a.recorder.samples(), [TONE_A, TONE_B], skip_seconds=0.3)
    r.check("A's conference goes on without B", rep is not None and rep[TONE_A] > HEARD_DB,
            f"{rep and {f: round(v, 1) for f, v in rep.items()}}")

    for p in (talker_a, listener_a):
        await close_quietly(p)
    for p in (talker_b, listener_b):
        p.client.vanish()
        if p._send_task:
            p._send_task.cancel()
        if p.sock:
            asyncio.get_running_loop().remove_reader(p.sock.fileno())
            p.sock.close()
            p.sock = None
    try:
        await run_blocking(admin_a.client.destroy)
        await run_blocking(link.a.client.destroy)
    except HTTP_ERRORS + (JanusError,):
        pass
    admin_b.client.vanish()
    link.b.client.vanish()


def run(args):
    r = Results()
    env = sanitizer_env(args.plugin) if args.sanitized else None
    a = b = None
    try:
        a = start_instance(args.plugin, "10000-14999", env, args.debug_level)
        b = start_instance(args.plugin, "15000-19999", env, args.debug_level)
        r.info(f"two Janus {a.version}: A on {a.url}, B on {b.url}")
        asyncio.run(asyncio.wait_for(scenario(r, a, b), 120))
        a.stop()
        with open(a.log_path, errors="replace") as fh:
            destroyed = f"{PACKAGE} destroyed" in fh.read()
        r.check("A exits cleanly on SIGTERM", a.proc.returncode == 0 and destroyed,
                f"exit code {a.proc.returncode}, plugin destroy logged: {destroyed}")
        if args.sanitized:
            reports = sanitizer_reports(a.log_path) + sanitizer_reports(b.log_path)
            r.check("no sanitizer report", not reports,
                    f"{len(reports)}: " + "; ".join(reports[:3]))
    except Exception as e:  # noqa: BLE001 - any crash is one failed check, then the summary
        r.check("scenario ran without error", False, f"{type(e).__name__}: {e}")
    finally:
        for j, name in ((a, "A"), (b, "B")):
            if j is None:
                continue
            if r.failed:
                print(f"--- janus {name} log tail ---\n{j.log_tail()}---", flush=True)
            j.cleanup()
    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(plugin_test_main(__doc__, os.path.abspath(__file__), run, 150))
