"""Audio conference end to end: real Janus, the plugin, aiortc and plain RTP peers.

    /usr/bin/python3 tests/integration/test_audio_conference.py \
        --plugin build/janus-plugin/libjanus_conference.so
    /usr/bin/python3 tests/integration/test_audio_conference.py \
        --package janus.plugin.audiobridge \
        --plugin /usr/lib/$(gcc -print-multiarch)/janus/plugins/libjanus_audiobridge.so

Needs root (network namespace). The script creates the namespace, re-executes
itself inside it (--inner) and removes it afterwards, also on failure.
Prints PASS/FAIL/INFO lines and ends with "N passed, M failed".
"""

import asyncio
import os
import random
import signal
import socket
import struct
import sys
import time

import av
from aiortc import RTCPeerConnection

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from janus_harness import (FRAME_SAMPLES, HTTP_ERRORS, SAMPLE_RATE, close_scenario,  # noqa: E402
                           AudioPeer, AudioPeerProcess, JanusClient, JanusError, PlainRtpPeer,
                           error_code_of,
                           Results, leave_and_destroy, raise_system_exit, run_blocking,
                           plugin_test_main, run_janus_scenario, tone_report, tone_samples)

# Tones chosen so that no harmonic (up to the 7th) and no 2nd/3rd-order
# intermodulation product of two of them lands within 60 Hz of the third: a
# limiter's distortion must not fake a participant's own tone in its mix.
FREQS = (400, 660, 1130)
SETTLE_SECONDS = 1.0         # after all peers are connected, before recording
STEADY_SECONDS = 8.0         # recorded window; tone_report skips its first 2 s
OTHER_TONE_MIN_DB = 25.0     # every tone one should hear, over the noise floor
OWN_TONE_MARGIN_DB = 20.0    # own tone at least this far below the weaker other one
VANISH_DEADLINE_SECONDS = 60.0
SESSION_TIMEOUT_SECONDS = 15
INNER_TIMEOUT_SECONDS = 170  # the whole scenario inside the namespace
NOT_FOUND_ROOM_ERROR = 485   # AudioBridge's JANUS_AUDIOBRIDGE_ERROR_NO_SUCH_ROOM; ours keeps it
INVALID_SDP_ERROR = 493      # ours: an offer Janus parses but the plugin cannot answer
# What our plugin (or Janus' core in front of it) answers each malformed request.
MALFORMED_CODES = {
    "missing request": 483,                       # ours: missing element
    "unknown request": 482,                       # ours: invalid request
    "create with a string room": 484,             # ours: invalid element
    "join a non-existent room": NOT_FOUND_ROOM_ERROR,
    "join with garbage JSEP SDP": 465,            # the core: JANUS_ERROR_JSEP_INVALID_SDP
    "kick a non-existent participant": 492,       # ours: no such user
    "message body that is not an object": 467,    # the core: JANUS_ERROR_INVALID_ELEMENT_TYPE
    "join with an offer without Opus": INVALID_SDP_ERROR,
}
GARBAGE_DATAGRAMS = 300
# A stranger's tone sent to the plain-RTP participant's port: 100 Hz or more away
# from every harmonic (up to the 7th) and 3rd-order product of FREQS.
STRANGER_FREQ = 3100
STRANGER_SECONDS = 4.0
# 11 dB above the tone peers: loud enough to displace one of the mixed speakers.
STRANGER_AMPLITUDE = 0.9
STRANGER_HEARD_MAX_DB = 10.0
COUNTED_DEADLINE_SECONDS = 10.0
TALKING_DEADLINE_SECONDS = 10.0



def fmt_levels(levels):
    return ", ".join(f"{f} Hz {db:+.1f} dB" for f, db in levels.items())


async def request(client, handle, body, jsep=None, timeout=10.0):
    return await run_blocking(client.message, handle, body, jsep=jsep, timeout=timeout)


async def participants(client, handle, room):
    reply = await request(client, handle, {"request": "listparticipants", "room": room})
    return reply.data.get("participants") or []


async def check_tones(r, peers, plain):
    for peer in peers:
        levels = tone_report(peer.recorder.samples(), FREQS)
        name = f"{peer.display} hears the others, not itself"
        if levels is None:
            r.check(name, False, "received less than 3 s of audio")
            continue
        others = [levels[f] for f in FREQS if f != peer.freq]
        own = levels[peer.freq]
        r.check(name, min(others) >= OTHER_TONE_MIN_DB and own <= min(others) - OWN_TONE_MARGIN_DB,
                f"{fmt_levels(levels)} (others >= {OTHER_TONE_MIN_DB:+.0f} dB, own "
                f"<= weaker other - {OWN_TONE_MARGIN_DB:.0f} dB)")
    levels = tone_report(plain.recorder.samples(), FREQS)
    if levels is None:
        r.check("plain RTP peer hears all three tones", False,
                f"received less than 3 s of audio ({plain.packets_received} packets)")
    else:
        r.check("plain RTP peer hears all three tones",
                min(levels.values()) >= OTHER_TONE_MIN_DB, fmt_levels(levels))


async def check_talking(r, list_room, peers, plain):
    """The tone peers talk, the silent plain-RTP peer does not: in the listing and
    as talking events pushed to the participants. The flag is live: a tone peer that a
    loaded machine kept from sending for a moment is not talking then, so the listing is
    asked again until it shows the three (never the silent one) or the deadline passes."""
    expected_talking = sorted(p.display for p in peers)
    deadline = time.monotonic() + TALKING_DEADLINE_SECONDS
    while True:
        talking = sorted(p.get("display") for p in await list_room() if p.get("talking"))
        if talking == expected_talking or plain.display in talking \
                or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    r.check("listparticipants: the three tone peers are talking",
            talking == expected_talking, f"talking: {talking}")
    announced = set()
    while True:
        ev = await run_blocking(plain.client.next_event, plain.handle, 0.2)
        if ev is None:
            break
        data = ev.get("plugindata", {}).get("data", {})
        if data.get("conference") == "talking":
            announced.add(data.get("id"))
    expected = {p.participant_id for p in peers}
    r.check("talking events reached the other participants", expected <= announced,
            f"talking events for {len(announced & expected)} of 3 tone peers")


async def offer_without_opus():
    """A real (aiortc) audio offer with Opus taken out: Janus' core accepts it, so
    only the plugin can refuse it."""
    pc = RTCPeerConnection()
    pc.addTransceiver("audio", direction="sendrecv")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    opus_pts = [line.split(":")[1].split()[0] for line in sdp.splitlines()
                if line.startswith("a=rtpmap:") and "opus/" in line.lower()]
    lines = []
    for line in sdp.splitlines():
        if line.startswith("m=audio"):
            line = " ".join(t for t in line.split() if t not in opus_pts)
        elif any(line.startswith(f"a={attr}:{pt} ") for pt in opus_pts
                 for attr in ("rtpmap", "fmtp", "rtcp-fb")):
            continue
        lines.append(line)
    return "\r\n".join(lines) + "\r\n"


async def send_stranger_tone(remote, freq, seconds):
    """Opus RTP of a tone from a socket of our own (not the participant's)."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = SAMPLE_RATE
    encoder.layout = "mono"
    encoder.format = "s16"
    encoder.bit_rate = 32000
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ssrc = random.getrandbits(32)
    seq = sent = 0
    t0 = time.monotonic()
    try:
        while sent < seconds * SAMPLE_RATE:
            frame = av.AudioFrame.from_ndarray(
                tone_samples(freq, sent, FRAME_SAMPLES, STRANGER_AMPLITUDE).reshape(1, -1),
                format="s16", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = sent
            for packet in encoder.encode(frame):
                header = struct.pack("!BBHII", 0x80, PlainRtpPeer.PAYLOAD_TYPE, seq & 0xFFFF,
                                     (sent + 12345) & 0xFFFFFFFF, ssrc)
                sock.sendto(header + bytes(packet), remote)
                seq += 1
            sent += FRAME_SAMPLES
            wait = t0 + sent / SAMPLE_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        encoder.encode(None)
    finally:
        sock.close()
    return seq


async def check_stranger_injection(r, room, listener, janus_url, package):
    """A plain-RTP participant that sends nothing itself, and someone else who
    sends a tone to its port on the plugin: the room must not hear the tone,
    and the drops are counted."""
    own = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the mix goes here, unread
    own.bind(("127.0.0.1", 0))
    client = JanusClient(janus_url)
    handle = None
    try:
        await run_blocking(client.create)
        handle = await run_blocking(client.attach, package)
        joined = await request(client, handle, {
            "request": "join", "room": room, "display": "silent-rtp",
            "rtp": {"ip": "127.0.0.1", "port": own.getsockname()[1]}})
        rtp = joined.data.get("rtp") or {}
        if not r.check("silent plain-RTP participant joined", joined.event == "joined"
                       and rtp.get("port"), str(joined.data)):
            return
        listener.recorder.mark()
        sent = await send_stranger_tone((rtp.get("ip") or "127.0.0.1", int(rtp["port"])),
                                        STRANGER_FREQ, STRANGER_SECONDS)
        await asyncio.sleep(0.5)
        levels = tone_report(listener.recorder.samples(), (STRANGER_FREQ,) + FREQS,
                             skip_seconds=0.5)
        r.check("a stranger's tone to a plain-RTP participant's port is not mixed",
                levels is not None and levels[STRANGER_FREQ] <= STRANGER_HEARD_MAX_DB,
                f"{listener.display} hears {fmt_levels(levels) if levels else 'nothing'} "
                f"(stranger <= {STRANGER_HEARD_MAX_DB:+.0f} dB)")

        async def dropped():
            listed = {p.get("id"): p for p in await participants(client, handle, room)}
            return listed.get(joined.data.get("id"), {}).get("rtp_foreign_dropped")

        # The plugin reads its sockets on a thread of its own, behind on a loaded machine:
        # the count may still grow, up to everything sent.
        count = await dropped()
        deadline = time.monotonic() + COUNTED_DEADLINE_SECONDS
        while count is not None and count < sent and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            count = await dropped()
        r.check("the stranger's datagrams are counted as dropped (listparticipants)",
                count is not None and count >= sent, f"{sent} sent, rtp_foreign_dropped {count}")
    finally:
        await leave_and_destroy(client, handle)
        own.close()


async def check_garbage_rtp(r, janus, plain):
    """Hostile datagrams at the plugin's plain-RTP port, from the participant's
    own address (anyone else's are dropped unread): dropped, mixing goes on."""
    rng = random.Random(7)
    valid = struct.pack("!BBHII", 0x80, 111, 1, 960, 0x1234) + b"\xfc\xff\xfe"
    datagrams = [b"", b"\x80", valid[:11], b"\x00" * 40, b"\x90\x6f" + b"\xff" * 10,
                 b"\xa0" + valid[1:] + b"\xff", b"\x81\xc8\x00\x40" + b"\x00" * 8]
    datagrams += [rng.randbytes(rng.randint(1, 1400)) for _ in range(GARBAGE_DATAGRAMS)]
    start = time.time()
    for d in datagrams:
        plain.send_datagram(d)
    await asyncio.sleep(2.0)
    got = plain.received_between(start, start + 2.0)
    r.check("garbage RTP datagrams dropped, the mix goes on",
            janus.alive() and got >= 50,
            f"{len(datagrams)} datagrams sent; plain peer got {got} mix packets in the next 2 s")


async def check_malformed(r, janus, client, handle, room, package):
    cases = [
        ("missing request", {"room": room}, None),
        ("unknown request", {"request": "no-such-request"}, None),
        ("create with a string room", {"request": "create", "room": "not-a-number"}, None),
        ("join a non-existent room", {"request": "join", "room": room + 1, "display": "x"}, None),
        ("join with garbage JSEP SDP", {"request": "join", "room": room, "display": "garbage"},
         {"type": "offer", "sdp": "this is not SDP"}),
        ("kick a non-existent participant",
         {"request": "kick", "room": room, "id": 987654321}, None),
        ("message body that is not an object", "not an object", None),
        ("join with an offer without Opus", {"request": "join", "room": room, "display": "pcmu"},
         {"type": "offer", "sdp": await offer_without_opus()}),
    ]
    for name, body, jsep in cases:
        # A fresh handle each time, so that a half-accepted request cannot leave state
        # behind that changes the next case.
        h = await run_blocking(client.attach, package)
        code, detail = await error_code_of(client, h, body, jsep)
        if package == "janus.plugin.conference":
            want = MALFORMED_CODES[name]
            r.check(f"malformed: {name} -> error {want}", code == want, detail)
        else:
            # Another plugin (AudioBridge, for comparison): any numeric error.
            r.check(f"malformed: {name} -> numeric error", isinstance(code, int), detail)
        try:
            await run_blocking(client.detach, h)
        except HTTP_ERRORS + (JanusError,):
            pass
    r.check("janus alive after malformed requests",
            janus.alive() and await run_blocking(janus.info) is not None)


async def check_vanishing_peer(r, janus, client, handle, room, package):
    child = AudioPeerProcess(janus.url, package, room, "vanisher", 300)
    try:
        info = await run_blocking(child.wait_joined, 30.0)
        if not r.check("vanishing peer joined (child process)", info is not None):
            return
        listed = [p.get("id") for p in await participants(client, handle, room)]
        r.check("vanishing peer listed", info["id"] in listed, f"participants {listed}")
        log_offset = os.path.getsize(janus.log_path)
        # SIGKILL: no DTLS alert, no leave/detach, no more keepalives or long polls.
        child.kill()
        t0 = time.monotonic()
        gone_after = None
        while time.monotonic() - t0 < VANISH_DEADLINE_SECONDS:
            listed = [p.get("id") for p in await participants(client, handle, room)]
            if info["id"] not in listed:
                gone_after = time.monotonic() - t0
                break
            await asyncio.sleep(1.0)
        r.check("vanished peer removed from listparticipants",
                gone_after is not None,
                f"after {gone_after:.1f} s" if gone_after is not None
                else f"still listed after {VANISH_DEADLINE_SECONDS:.0f} s")
        r.info("removed by: " + removal_mechanism(janus.log_path, log_offset, info))
    finally:
        child.kill()


def removal_mechanism(log_path, offset, info):
    """What Janus logged about the vanished peer's session/handle after the kill."""
    markers = {
        f"Timeout expired for session {info['session']}": "session timeout",
        f"[{info['handle']}] ICE failed": "ICE failure",
        f"[{info['handle']}] Hanging up PeerConnection because of a": "PeerConnection hangup",
        f"[{info['handle']}] DTLS alert": "DTLS alert",
    }
    with open(log_path, errors="replace") as fh:
        fh.seek(offset)
        seen = []
        for line in fh:
            for marker, what in markers.items():
                if marker in line and what not in seen:
                    seen.append(what + " (" + line.strip().split("] ", 1)[-1][:100] + ")")
    return "; then ".join(seen) if seen else "nothing specific in the Janus log"


async def scenario(r, janus, package):
    room = random.randint(100000, 999999)
    admin = JanusClient(janus.url)
    await run_blocking(admin.create)
    admin.start_keepalive()
    handle = await run_blocking(admin.attach, package)

    # a. room
    reply = await request(admin, handle, {"request": "create", "room": room,
                                          "sampling_rate": 48000,
                                          "allow_rtp_participants": True})
    if not r.check("create room", reply.error_code is None and reply.event == "created",
                   str(reply.data)):
        return

    # b. participants
    peers = [AudioPeer(janus.url, package, room, f"tone-{f}", f) for f in FREQS]
    plain = PlainRtpPeer(janus.url, package, room, "plain-rtp")
    try:
        # The plain peer first: it collects the talking events, and a tone peer
        # whose media came up before it joined would have talked unseen.
        await plain.join()
        for p in peers:
            await p.join()
        await asyncio.gather(*(p.wait_connected() for p in peers))
        r.info("3 WebRTC peers and 1 plain RTP peer joined and connected; "
               f"plain RTP endpoint {plain.remote[0]}:{plain.remote[1]}")
        if package == "janus.plugin.conference":
            # No rtp_port_range in this test's .jcfg: the default must stay below
            # Janus' media range (20000-29999 here, 20000-40000 in Janus' sample).
            with open(janus.log_path, errors="replace") as fh:
                default_range = "plain RTP ports 10000-19999" in fh.read()
            r.check("default plain RTP port range 10000-19999, clear of Janus' own",
                    default_range and 10000 <= plain.remote[1] <= 19999,
                    f"plugin port {plain.remote[1]}")
        await asyncio.sleep(SETTLE_SECONDS)

        # c. + f. steady state
        for p in peers + [plain]:
            p.recorder.mark()
        cpu0 = janus.cpu_seconds()
        await asyncio.sleep(STEADY_SECONDS)
        cpu = janus.cpu_seconds() - cpu0
        await check_tones(r, peers, plain)
        r.info(f"janus CPU during {STEADY_SECONDS:.0f} s steady state: {cpu:.2f} s "
               f"({100 * cpu / STEADY_SECONDS:.1f}% of one core), 4 participants")

        # d. listing and malformed requests
        listed = await participants(admin, handle, room)
        r.check("listparticipants shows 4", len(listed) == 4,
                str([p.get("display") for p in listed]))
        if package == "janus.plugin.conference":
            await check_talking(r, lambda: participants(admin, handle, room), peers, plain)
        await check_malformed(r, janus, admin, handle, room, package)
        await check_garbage_rtp(r, janus, plain)
        if package == "janus.plugin.conference":
            await check_stranger_injection(r, room, peers[0], janus.url, package)

        # e. vanishing peer
        await check_vanishing_peer(r, janus, admin, handle, room, package)
        r.check("janus alive at the end",
                janus.alive() and await run_blocking(janus.info) is not None)
    finally:
        await close_scenario(peers + [plain], admin)


def inner(args):
    # The outer process ends us with SIGTERM when it is itself stopped: clean up.
    signal.signal(signal.SIGTERM, raise_system_exit)
    r = Results()
    plugin_configs = {}
    # The plugin's plain RTP sockets bind here; the peers use 127.0.0.1 too.
    plugin_configs[f"{args.package}.jcfg"] = 'general: {\n    local_ip = "127.0.0.1"\n}\n'
    run_janus_scenario(r, args, plugin_configs,
                       lambda janus: scenario(r, janus, args.package), INNER_TIMEOUT_SECONDS - 20,
                       package=args.package, session_timeout=SESSION_TIMEOUT_SECONDS)
    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    return 1 if r.failed else 0



def main():
    return plugin_test_main(
        __doc__, __file__, inner, INNER_TIMEOUT_SECONDS,
        lambda parser: parser.add_argument("--package", default="janus.plugin.conference",
                                           help="plugin package name to attach to"))


if __name__ == "__main__":
    sys.exit(main())
