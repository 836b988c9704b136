"""Forwarding a room's mix (rtp_forward, stop_rtp_forward, listforwarders) against the real
Janus: a plain-RTP talker's tone arrives as Opus RTP at UDP sockets this test opens.

    /usr/bin/python3 tests/integration/test_rtp_forward.py --plugin build/.../libjanus_conference.so

Only plain RTP on 127.0.0.1, so no network namespace is needed.
Prints PASS/FAIL lines and ends with "N passed, M failed".
"""

import argparse
import asyncio
import os
import socket
import struct
import sys
import time

import av

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from janus_harness import (SAMPLE_RATE, JanusClient, PlainRtpPeer, Results,  # noqa: E402
                           close_scenario, frame_to_mono, read_timestamped, run_blocking,
                           run_janus_scenario, socket_inodes, timestamped_udp_socket,
                           tone_report)
from test_request_api import EventCollector  # noqa: E402

PACKAGE = "janus.plugin.conference"
ADMIN_KEY = "fw-admin-key"
CONFIG = f"""
general: {{
    admin_key = "{ADMIN_KEY}"
    local_ip = "127.0.0.1"
    rtp_port_range = "45000-45999"
}}
"""
ROOM = 6201
SECRET = "fw-secret"
FREQ = 440
TONE_MIN_DB = 25.0
MAX_FORWARDERS = 16
FRAME = 960
DEADLINE_S = 10.0    # for what the plugin does in the background (events, ICMP errors)


class Sink:
    """A forward destination: every datagram with the time the kernel queued it."""

    def __init__(self):
        self.packets = []
        self.overflowed = 0  # datagrams the kernel dropped on a full buffer, unread
        self.sock = timestamped_udp_socket()
        self.port = self.sock.getsockname()[1]
        asyncio.get_running_loop().add_reader(self.sock.fileno(), self.read_queued)

    def read_queued(self):
        """Takes every datagram the socket holds."""
        got, overflowed = read_timestamped(self.sock)
        self.packets += got
        self.overflowed = overflowed or self.overflowed

    def arrived_by(self, t):
        """How many datagrams had arrived by wall-clock time t."""
        self.read_queued()
        return sum(1 for arrived, _ in self.packets if arrived <= t)

    def close(self):
        asyncio.get_running_loop().remove_reader(self.sock.fileno())
        self.sock.close()


async def until(condition, deadline_s=DEADLINE_S):
    """Waits until condition() holds, or the deadline passes; returns its last value."""
    deadline = time.monotonic() + deadline_s
    while not (value := condition()) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return value


def rtp_fields(data):
    """(marker, payload type, seq, timestamp, ssrc, payload) of a plain RTP packet."""
    b0, b1, seq, ts, ssrc = struct.unpack("!BBHII", data[:12])
    return bool(b1 & 0x80), b1 & 0x7F, seq, ts, ssrc, data[12 + 4 * (b0 & 0x0F):]


def decode(packets):
    decoder = av.CodecContext.create("libopus", "r")
    decoder.sample_rate = SAMPLE_RATE
    decoder.layout = "mono"
    pcm = []
    for _, data in packets:
        for frame in decoder.decode(av.Packet(rtp_fields(data)[5])):
            pcm.extend(frame_to_mono(frame))
    return pcm


def udp_sockets(pid):
    """How many UDP sockets (IPv4 and IPv6) the process has open."""
    inodes = set()
    for table in ("udp", "udp6"):
        with open(f"/proc/{pid}/net/{table}") as fh:
            for line in fh.readlines()[1:]:
                inodes.add(line.split()[9])
    return len(socket_inodes(pid) & inodes)


def check_stream(r, name, packets, ssrc, pt):
    fields = [rtp_fields(d) for _, d in packets]
    seqs = [f[2] for f in fields]
    steps = [(fields[i][3] - fields[i - 1][3]) & 0xFFFFFFFF for i in range(1, len(fields))]
    # A tick the loaded machine skipped (the mixer's missed_ticks) sends nothing, and the
    # next timestamp keeps the wall clock: a step of a whole number of frames.
    skipped = sum(step != FRAME for step in steps)
    r.check(f"{name}: its SSRC and payload type on every packet",
            fields and all(f[4] == ssrc and f[1] == pt for f in fields),
            f"ssrc {set(f[4] for f in fields)} (want {ssrc}), pt {set(f[1] for f in fields)}")
    r.check(f"{name}: consecutive sequence numbers, 960-sample timestamp steps",
            all((seqs[i] - seqs[i - 1]) & 0xFFFF == 1 for i in range(1, len(seqs)))
            and all(step > 0 and step % FRAME == 0 for step in steps),
            f"{len(seqs)} packets, timestamp steps {sorted(set(steps))[:5]}, "
            f"{skipped} over skipped ticks")
    r.check(f"{name}: the marker bit on the first packet only",
            fields[0][0] and not any(f[0] for f in fields[1:]))


async def scenario(r, janus, collector):
    admin = JanusClient(janus.url)
    await run_blocking(admin.create)
    admin.start_keepalive()
    h = await run_blocking(admin.attach, PACKAGE)

    async def req(body):
        return await run_blocking(admin.message, h, body)

    def expect(name, reply, code):
        r.check(name, reply.error_code == code and reply.data.get("error"),
                f"got {reply.error_code} ({reply.data.get('error')})")

    peers = []
    sinks = []
    sockets = []
    try:
        udp_before = udp_sockets(janus.pid)
        created = await req({"request": "create", "room": ROOM, "secret": SECRET,
                             "admin_key": ADMIN_KEY, "allow_rtp_participants": True,
                             "video": False})
        r.check("create", created.event == "created", str(created.data))
        plain, always = Sink(), Sink()
        sinks = [plain, always]
        fwd = {"request": "rtp_forward", "room": ROOM, "host": "127.0.0.1", "port": plain.port}

        expect("rtp_forward without the secret or admin_key -> 489", await req(fwd), 489)
        expect("rtp_forward with a wrong secret -> 489", await req({**fwd, "secret": "no"}), 489)
        expect("rtp_forward with a wrong admin_key -> 489",
               await req({**fwd, "admin_key": "no"}), 489)
        expect("rtp_forward to no such room -> 485",
               await req({**fwd, "room": ROOM + 1, "admin_key": ADMIN_KEY}), 485)
        for name, body, code in [
                ("a host name -> 484", {"host": "localhost"}, 484),
                ("a multicast host -> 484", {"host": "239.1.2.3"}, 484),
                ("the unspecified address -> 484", {"host": "0.0.0.0"}, 484),
                ("port 0 -> 484", {"port": 0}, 484),
                ("a port above 65535 -> 484", {"port": 70000}, 484),
                ("codec pcmu -> 482", {"codec": "pcmu"}, 482),
                ("SRTP -> 482", {"srtp_suite": 80, "srtp_crypto": "a2V5a2V5a2V5"}, 482),
                ("host_family ipv6 with an IPv4 host -> 484", {"host_family": "ipv6"}, 484)]:
            expect(f"rtp_forward: {name}", await req({**fwd, "secret": SECRET, **body}), code)
        missing = {k: v for k, v in fwd.items() if k != "host"}
        expect("rtp_forward without host -> 483", await req({**missing, "secret": SECRET}), 483)

        first = await req({**fwd, "admin_key": ADMIN_KEY})
        stream_id = first.data.get("stream_id")
        r.check("rtp_forward with the admin_key: success, stream_id, host, port",
                first.event == "success" and isinstance(stream_id, int) and stream_id > 0
                and first.data.get("host") == "127.0.0.1" and first.data.get("port") == plain.port
                and first.data.get("room") == ROOM, str(first.data))
        second = await req({"request": "rtp_forward", "room": ROOM, "secret": SECRET,
                            "host": "127.0.0.1", "port": always.port, "ssrc": 4242,
                            "ptype": 111, "always_on": True, "codec": "opus"})
        always_id = second.data.get("stream_id")
        r.check("rtp_forward with the room's secret, ssrc, ptype and always_on",
                second.event == "success" and always_id not in (None, stream_id), str(second.data))

        await asyncio.sleep(1.0)
        r.check("an empty room: only the always_on forwarder sends",
                not plain.packets and len(always.packets) >= 25,
                f"{len(plain.packets)} and {len(always.packets)} packets")

        talker = PlainRtpPeer(janus.url, PACKAGE, ROOM, "talker", FREQ)
        peers.append(talker)
        await talker.join()
        await asyncio.sleep(4.0)

        # The mix keeps flowing while the request is answered: what had arrived before asking is
        # the floor of the count, what had arrived by the reply its ceiling (a forwarder counts
        # a packet once the kernel took it, and loopback delivers it then).
        asked = time.time()
        listed = await req({"request": "listforwarders", "room": ROOM, "secret": SECRET})
        answered = time.time()
        arrived_before, arrived_after = plain.arrived_by(asked), plain.arrived_by(answered)
        by_id = {f.get("stream_id"): f for f in listed.data.get("rtp_forwarders", [])}
        entry = by_id.get(stream_id, {})
        r.check("listforwarders lists both with AudioBridge's fields",
                listed.event == "forwarders" and listed.data.get("room") == ROOM
                and set(by_id) == {stream_id, always_id}
                and entry.get("ip") == "127.0.0.1" and entry.get("port") == plain.port
                and entry.get("ssrc") == stream_id and entry.get("ptype") == 100
                and entry.get("codec") == "opus" and entry.get("always_on") is False
                and by_id[always_id].get("ssrc") == 4242
                and by_id[always_id].get("always_on") is True, str(listed.data))
        r.check("listforwarders counts the packets sent (all that arrived) and no send error",
                0 < arrived_before <= entry.get("packets", 0) <= arrived_after
                and entry.get("send_errors") == 0,
                f"packets {entry.get('packets')} ({arrived_before} arrived before asking, "
                f"{arrived_after} by the reply, {plain.overflowed} lost in a full socket), "
                f"send_errors {entry.get('send_errors')}")
        expect("listforwarders with a wrong secret -> 489",
               await req({"request": "listforwarders", "room": ROOM, "secret": "no"}), 489)
        keyed = await req({"request": "listforwarders", "room": ROOM, "admin_key": ADMIN_KEY})
        r.check("listforwarders with the admin_key", keyed.event == "forwarders", str(keyed.data))

        # What had arrived by now, fixed: the mix keeps flowing while the mixer's skipped ticks
        # are asked for (a count that only grows, so asking later bounds them from above).
        plain.read_queued()
        mix, kept = list(plain.packets), list(always.packets)
        check_stream(r, "the forwarded mix", mix, stream_id, 100)
        check_stream(r, "the always_on forwarder", kept, 4242, 111)
        span = mix[-1][0] - mix[0][0]
        frames = ((rtp_fields(mix[-1][1])[3] - rtp_fields(mix[0][1])[3]) & 0xFFFFFFFF) // FRAME + 1
        mixer = (await req({"request": "listparticipants", "room": ROOM})).data.get("mixer", {})
        missed = mixer.get("missed_ticks", 0)
        r.check("a packet every 20 ms while the talker is in the room, but for ticks the mixer "
                "skipped; timestamps keep the wall clock",
                abs(frames - (span / 0.02 + 1)) <= 5 and frames - len(mix) <= missed,
                f"{len(mix)} packets, {frames} frames in {span:.2f} s, {missed} missed ticks")
        levels = tone_report(decode(mix), (FREQ,), skip_seconds=1.0) or {}
        r.check("the talker's tone decodes from the forwarded Opus",
                levels.get(FREQ, 0) > TONE_MIN_DB, f"{levels}")

        # Up to the limit; the extra ones go to a port nobody listens on, so the kernel
        # reports ICMP port unreachable as send errors. The port stays ours meanwhile: a
        # socket connected elsewhere holds it yet takes no datagram from the plugin.
        nobody = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sockets.append(nobody)
        nobody.bind(("127.0.0.1", 0))
        nobody.connect(("127.0.0.1", 9))
        dead_port = nobody.getsockname()[1]
        extra = []
        for _ in range(MAX_FORWARDERS - 2):
            extra.append((await req({**fwd, "port": dead_port, "secret": SECRET})).data)
        r.check(f"{MAX_FORWARDERS} forwarders in a room",
                all(e.get("stream_id") for e in extra), str(extra[-1]))
        expect(f"forwarder {MAX_FORWARDERS + 1} -> 498",
               await req({**fwd, "secret": SECRET}), 498)
        r.check("each forwarder has its own UDP socket",
                udp_sockets(janus.pid) == udp_before + MAX_FORWARDERS + 1,
                f"{udp_sockets(janus.pid)} UDP sockets, {udp_before} before the room")

        async def dead_errors():
            listed = await req({"request": "listforwarders", "room": ROOM, "secret": SECRET})
            by_id = {f["stream_id"]: f for f in listed.data["rtp_forwarders"]}
            return by_id[extra[0]["stream_id"]].get("send_errors", 0)

        errors = 0
        deadline = time.monotonic() + DEADLINE_S
        while not errors and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            errors = await dead_errors()
        r.check("sending to a closed port counts send errors", errors > 0,
                f"send_errors {errors}")

        # Removing a forwarder waits for a tick sending to it: nothing may arrive after the reply.
        stopped = await req({"request": "stop_rtp_forward", "room": ROOM, "stream_id": stream_id,
                             "secret": SECRET})
        answered = time.time()
        r.check("stop_rtp_forward: success with the stream_id",
                stopped.event == "success" and stopped.data.get("stream_id") == stream_id,
                str(stopped.data))
        await asyncio.sleep(1.0)
        late = len(plain.packets) - plain.arrived_by(answered)
        r.check("stop_rtp_forward stops the stream", late == 0, f"{late} packets after it")
        expect("stop_rtp_forward of a stopped forwarder -> 484",
               await req({"request": "stop_rtp_forward", "room": ROOM, "stream_id": stream_id,
                          "secret": SECRET}), 484)
        expect("stop_rtp_forward without the secret -> 489",
               await req({"request": "stop_rtp_forward", "room": ROOM,
                          "stream_id": always_id}), 489)

        # destroy stops the room's mixer (waiting for a running tick) before it answers.
        destroyed = await req({"request": "destroy", "room": ROOM, "secret": SECRET})
        answered = time.time()
        r.check("destroy", destroyed.event == "destroyed", str(destroyed.data))
        await asyncio.sleep(1.0)
        late = len(always.packets) - always.arrived_by(answered)
        r.check("destroy stops every forwarder", late == 0, f"{late} packets after it")
        await until(lambda: udp_sockets(janus.pid) == udp_before)
        r.check("destroy closes the forwarders' sockets (and the talker's)",
                udp_sockets(janus.pid) == udp_before,
                f"{udp_sockets(janus.pid)} UDP sockets, {udp_before} before the room")

        # Janus' event handler posts in the background: wait for the last one expected.
        await until(lambda: len(collector.plugin_data("forwarder-stopped")) >= MAX_FORWARDERS)
        started = collector.plugin_data("forwarder-started")
        ended = collector.plugin_data("forwarder-stopped")
        r.check("event handlers get forwarder-started and forwarder-stopped for each",
                len(started) == MAX_FORWARDERS and len(ended) == MAX_FORWARDERS
                and any(e.get("stream_id") == stream_id and e.get("port") == plain.port
                        and e.get("room") == ROOM for e in started)
                and {e.get("stream_id") for e in ended} == {e.get("stream_id") for e in started},
                f"{len(started)} started, {len(ended)} stopped")
    finally:
        for sink in sinks:
            sink.close()
        for sock in sockets:
            sock.close()
        await close_scenario(peers, admin)
    r.check("janus alive at the end", janus.alive())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--debug-level", type=int, default=4, help="Janus debug_level")
    parser.add_argument("--sanitized", action="store_true",
                        help="the plugin is built with ASan+UBSan or TSan: preload that "
                             "runtime into Janus")
    args = parser.parse_args()
    r = Results()
    collector = EventCollector()
    try:
        run_janus_scenario(r, args, {f"{PACKAGE}.jcfg": CONFIG},
                           lambda janus: scenario(r, janus, collector), 120,
                           session_timeout=15, event_backend=collector.url)
    finally:
        collector.close()
    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    sys.exit(1 if r.failed else 0)


if __name__ == "__main__":
    main()
