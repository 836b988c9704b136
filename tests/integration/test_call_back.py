"""The plugin calls a peer: join with generate_offer, the peer answers in a configure.

    /usr/bin/python3 tests/integration/test_call_back.py \
        --plugin build/janus-plugin/libjanus_conference.so

Real Janus with the plugin, aiortc peers in a network namespace the script makes
(it re-executes itself inside, --inner, and removes it afterwards, also on failure).
An audio room: a called-back peer (the plugin offers) and an ordinary one (the peer
offers) hear each other's tone and not their own. The negotiation errors, each with
its code. A pending offer is listed (setup false) until hangup, leave, detach or
offer_timeout takes it out. A video room: offer_video, and a composite frame reaches the peer.
Prints PASS/FAIL/INFO lines and ends with "N passed, M failed".
"""

import asyncio
import os
import random
import signal
import sys
import time

from aiortc import RTCPeerConnection, RTCConfiguration

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from janus_harness import (HTTP_ERRORS, AudioPeer, JanusClient, JanusError,  # noqa: E402
                           Results, VideoPeer, close_scenario, error_code_of,
                           plugin_test_main, raise_system_exit, run_blocking, run_janus_scenario,
                           tone_report)

PACKAGE = "janus.plugin.conference"
FREQS = (400, 1130)          # no harmonic of one within 60 Hz of the other (up to the 7th)
STEADY_SECONDS = 6.0         # recorded window; tone_report skips its first 2 s
OTHER_TONE_MIN_DB = 25.0     # the other's tone over the noise floor
OWN_TONE_MARGIN_DB = 20.0    # own tone at least this far below the other's
GONE_DEADLINE_SECONDS = 10.0
OFFER_TIMEOUT_SECONDS = 5    # the plugin's offer_timeout here (checked every quarter of it)
SESSION_TIMEOUT_SECONDS = 15
INNER_TIMEOUT_SECONDS = 170
# The plugin's codes (api/errors.h) and, where Janus' core refuses first, the core's.
INVALID_REQUEST = 482
ALREADY_JOINED = 491
INVALID_SDP = 493
# Janus' core (1.1.2 and 1.4.1 alike) refuses these before the plugin sees them:
CORE_UNEXPECTED_ANSWER = 469  # an answer on a handle without an ICE agent (nothing offered)
CORE_UNKNOWN = 490            # a peer's offer while the plugin's is pending ("Error setting
                              # ICE locally": the agent of our offer exists)


async def request(client, handle, body, jsep=None, timeout=10.0):
    return await run_blocking(client.message, handle, body, jsep=jsep, timeout=timeout)


async def listed(client, handle, room):
    reply = await request(client, handle, {"request": "listparticipants", "room": room})
    return {p.get("id"): p for p in reply.data.get("participants") or []}


async def aiortc_sdp(kind):
    """A real audio SDP of the given type ("offer", or "answer" to an aiortc offer)."""
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    a.addTransceiver("audio", direction="sendrecv")
    await a.setLocalDescription(await a.createOffer())
    if kind == "offer":
        sdp = a.localDescription.sdp
        await a.close()
        return sdp
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    sdp = b.localDescription.sdp
    await a.close()
    await b.close()
    return sdp


def offer_lines(sdp, prefix):
    return [line for line in sdp.splitlines() if line.startswith(prefix)]


def check_offer_sdp(r, sdp, video):
    audio = offer_lines(sdp, "m=audio")
    rtpmap = offer_lines(sdp, "a=rtpmap:")
    r.check("the offer: one Opus 48000/2 audio m-line, sendrecv, with RFC 6464 levels",
            len(audio) == 1 and "UDP/TLS/RTP/SAVPF" in audio[0]
            and any("opus/48000/2" in line for line in rtpmap)
            and any("ssrc-audio-level" in line for line in offer_lines(sdp, "a=extmap:"))
            and "a=sendrecv" in sdp and "a=fmtp:111 useinbandfec=1" in sdp,
            "; ".join(audio + rtpmap))
    r.check("the offer carries Janus' ICE and DTLS (ufrag, fingerprint, candidates)",
            offer_lines(sdp, "a=ice-ufrag:") and offer_lines(sdp, "a=fingerprint:")
            and offer_lines(sdp, "a=candidate:") and "a=setup:actpass" in sdp,
            f"{len(offer_lines(sdp, 'a=candidate:'))} candidates")
    videos = offer_lines(sdp, "m=video")
    if video:
        r.check("the offer has one VP8 video m-line", len(videos) == 1
                and any("VP8/90000" in line for line in rtpmap), "; ".join(videos + rtpmap))
    else:
        r.check("the offer has no video m-line", not videos, "; ".join(videos))


async def check_tones(r, peers):
    for peer in peers:
        levels = tone_report(peer.recorder.samples(), FREQS)
        name = f"{peer.display} hears the other, not itself"
        if levels is None:
            r.check(name, False, "received less than 3 s of audio")
            continue
        other = levels[[f for f in FREQS if f != peer.freq][0]]
        own = levels[peer.freq]
        r.check(name, other >= OTHER_TONE_MIN_DB and own <= other - OWN_TONE_MARGIN_DB,
                ", ".join(f"{f} Hz {db:+.1f} dB" for f, db in levels.items()))


async def audio_call_back(r, janus, admin, admin_handle, room):
    called = AudioPeer(janus.url, PACKAGE, room, "called-back", FREQS[0])
    ordinary = AudioPeer(janus.url, PACKAGE, room, "ordinary", FREQS[1])
    try:
        t0 = time.monotonic()
        joined, configured = await called.join_called_back()
        answered = time.monotonic()
        r.check("join with generate_offer: joined with a JSEP offer",
                joined.event == "joined" and joined.jsep.get("type") == "offer",
                str(joined.data))
        check_offer_sdp(r, called.offer_sdp, video=False)
        r.check("configure with the answer: ok, no JSEP back",
                configured.data.get("result") == "ok" and configured.jsep is None,
                f"{configured.data} jsep={configured.jsep}")
        await ordinary.join()
        await asyncio.gather(called.wait_connected(), ordinary.wait_connected())
        r.info("the called-back peer and the ordinary peer are connected; the called-back one "
               f"{answered - t0:.2f} s from its join to its answer taken, "
               f"{called.connected_time - t0:.2f} s to its PeerConnection up")
        entries = await listed(admin, admin_handle, room)
        r.check("both listed and set up",
                all(entries.get(p.participant_id, {}).get("setup") for p in (called, ordinary)),
                str(list(entries.values())))
        for p in (called, ordinary):
            p.recorder.mark()
        await asyncio.sleep(STEADY_SECONDS)
        await check_tones(r, [called, ordinary])
        talking = {i for i, p in (await listed(admin, admin_handle, room)).items()
                   if p.get("talking")}
        r.check("the called-back peer talks (levels from its RTP)",
                called.participant_id in talking, f"talking: {talking}")
    finally:
        for p in (called, ordinary):
            await p.close()


async def fresh_handle(client):
    return await run_blocking(client.attach, PACKAGE)


async def detach_quietly(client, handle):
    try:
        await run_blocking(client.detach, handle)
    except HTTP_ERRORS + (JanusError,):
        pass


async def check_errors(r, janus, client, admin_handle, room, audio_room):
    offer = await aiortc_sdp("offer")
    answer = await aiortc_sdp("answer")
    join = {"request": "join", "room": room, "display": "err", "generate_offer": True}

    async def case(name, want, body, jsep=None, handle=None):
        h = handle or await fresh_handle(client)
        code, detail = await error_code_of(client, h, body, jsep)
        r.check(f"{name} -> {want}", code == want, detail)
        if handle is None:
            await detach_quietly(client, h)

    await case("generate_offer with a jsep", INVALID_REQUEST, join, {"type": "offer", "sdp": offer})
    await case("offer_video in a room without video", INVALID_REQUEST,
               dict(join, room=audio_room, offer_video=True))
    await case("offer_video without generate_offer", INVALID_REQUEST,
               {"request": "join", "room": room, "offer_video": True})
    await case("generate_offer with rtp", INVALID_REQUEST,
               dict(join, rtp={"ip": "127.0.0.1", "port": 5000}))
    await case("configure with an answer, not joined (the core refuses)", CORE_UNEXPECTED_ANSWER,
               {"request": "configure"}, {"type": "answer", "sdp": answer})
    await case("join with an answer (the core refuses)", CORE_UNEXPECTED_ANSWER,
               {"request": "join", "room": room}, {"type": "answer", "sdp": answer})

    # A pending offer: a second join, an offer of the peer's own, then the listing.
    pending = await fresh_handle(client)
    try:
        reply = await request(client, pending, join)
        pid = reply.data.get("id")
        if not r.check("join with generate_offer (left unanswered)",
                       reply.event == "joined" and (reply.jsep or {}).get("type") == "offer",
                       str(reply.data)):
            return
        await case("generate_offer when already joined", ALREADY_JOINED, join, handle=pending)
        await case("an offer while the plugin's offer is pending (the core refuses)", CORE_UNKNOWN,
                   {"request": "configure"}, {"type": "offer", "sdp": offer}, handle=pending)
        await case("configure with generate_offer", INVALID_REQUEST,
                   {"request": "configure", "generate_offer": True}, handle=pending)
        entry = (await listed(client, admin_handle, room)).get(pid)
        r.check("a pending offer is listed, not set up", entry is not None
                and entry.get("setup") is False, str(entry))
    finally:
        await detach_quietly(client, pending)

    # An ordinary participant (the peer offered, its PC never set up): no answer from it.
    ordinary = await fresh_handle(client)
    try:
        reply = await request(client, ordinary, {"request": "join", "room": room},
                              {"type": "offer", "sdp": offer})
        r.check("ordinary join (for the next case)", reply.event == "joined", str(reply.data))
        await case("an answer without an outstanding offer", INVALID_SDP,
                   {"request": "configure"}, {"type": "answer", "sdp": answer}, handle=ordinary)
    finally:
        await leave_and_quietly(client, ordinary)
    r.check("janus alive after the error cases", janus.alive())


async def leave_and_quietly(client, handle):
    try:
        await request(client, handle, {"request": "leave"}, timeout=5)
    except HTTP_ERRORS + (JanusError, TimeoutError):
        pass
    await detach_quietly(client, handle)


async def wait_gone(client, admin_handle, room, pid, deadline=GONE_DEADLINE_SECONDS):
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    while loop.time() - t0 < deadline:
        if pid not in await listed(client, admin_handle, room):
            return loop.time() - t0
        await asyncio.sleep(0.2)
    return None


async def check_pending_cleanup(r, client, admin_handle, room):
    """An offer never answered: hangup, leave and detach each take the participant out."""
    join = {"request": "join", "room": room, "generate_offer": True}
    for how in ("hangup", "leave", "detach"):
        h = await fresh_handle(client)
        reply = await request(client, h, dict(join, display=f"pending-{how}"))
        pid = reply.data.get("id")
        if how == "hangup":
            await run_blocking(client.hangup, h)
        elif how == "leave":
            await request(client, h, {"request": "leave"})
        else:
            await run_blocking(client.detach, h)
        after = await wait_gone(client, admin_handle, room, pid)
        r.check(f"a pending offer ends with {how}: no longer listed", after is not None,
                f"after {after:.1f} s" if after is not None else "still listed")
        if how != "detach":
            await detach_quietly(client, h)


async def check_offer_timeout(r, client, admin_handle, room):
    """An offer nobody answers while the session stays alive: offer_timeout takes the
    participant out and Janus tells the handle (hangup)."""
    h = await fresh_handle(client)
    try:
        reply = await request(client, h, {"request": "join", "room": room,
                                          "display": "never-answers", "generate_offer": True})
        pid = reply.data.get("id")
        after = await wait_gone(client, admin_handle, room, pid,
                                deadline=OFFER_TIMEOUT_SECONDS * 1.25 + GONE_DEADLINE_SECONDS)
        r.check(f"an unanswered offer is taken out after offer_timeout ({OFFER_TIMEOUT_SECONDS} s)",
                after is not None and after >= OFFER_TIMEOUT_SECONDS - 0.5,
                f"after {after:.1f} s" if after is not None else "still listed")
        hangup = None
        for _ in range(20):
            ev = await run_blocking(client.next_event, h, 0.5)
            if ev is not None and ev.get("janus") == "hangup":
                hangup = ev
                break
        r.check("... and its handle gets Janus' hangup", hangup is not None, str(hangup))
    finally:
        await detach_quietly(client, h)


async def video_call_back(r, janus, room):
    peer = VideoPeer(janus.url, PACKAGE, room, "called-back-video", (81, 90, 240), freq=FREQS[0])
    try:
        _, configured = await peer.join_called_back({"offer_video": True})
        check_offer_sdp(r, peer.offer_sdp, video=True)
        r.check("video: configure with the answer ok", configured.data.get("result") == "ok",
                str(configured.data))
        await peer.wait_connected()
        frame = await peer.next_frame(timeout=10.0)
        r.check("video: a composite frame reaches the called-back peer", frame is not None,
                f"{peer.frames_received} frames")
    finally:
        await peer.close()


async def scenario(r, janus):
    room = random.randint(100000, 999999)
    video_room = room + 1
    admin = JanusClient(janus.url)
    await run_blocking(admin.create)
    admin.start_keepalive()
    handle = await run_blocking(admin.attach, PACKAGE)
    try:
        for rid, video in ((room, False), (video_room, True)):
            reply = await request(admin, handle, {"request": "create", "room": rid,
                                                  "video": video})
            if not r.check(f"create room {rid} (video {video})", reply.event == "created",
                           str(reply.data)):
                return
        await audio_call_back(r, janus, admin, handle, room)
        await check_errors(r, janus, admin, handle, video_room, room)
        await check_pending_cleanup(r, admin, handle, room)
        await check_offer_timeout(r, admin, handle, room)
        await video_call_back(r, janus, video_room)
        r.check("janus alive at the end",
                janus.alive() and await run_blocking(janus.info) is not None)
    finally:
        await close_scenario([], admin)


def inner(args):
    signal.signal(signal.SIGTERM, raise_system_exit)
    r = Results()
    config = f"general: {{\n    offer_timeout = {OFFER_TIMEOUT_SECONDS}\n}}\n"
    run_janus_scenario(r, args, {f"{PACKAGE}.jcfg": config}, lambda janus: scenario(r, janus),
                       INNER_TIMEOUT_SECONDS - 20,
                       session_timeout=SESSION_TIMEOUT_SECONDS)
    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    return 1 if r.failed else 0


def main():
    return plugin_test_main(__doc__, __file__, inner, INNER_TIMEOUT_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
