"""The plugin's audio features against the real Janus: recording the mix (record,
record_file, record_dir, enable_recording), checked by decoding the file with ffmpeg.

    /usr/bin/python3 tests/integration/test_audio_features.py --plugin build/.../libjanus_conference.so

Only plain-RTP participants on 127.0.0.1, so no network namespace is needed.
Prints PASS/FAIL lines and ends with "N passed, M failed".
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from janus_harness import (SAMPLE_RATE, JanusClient, PlainRtpPeer, Results,  # noqa: E402
                           close_scenario, run_blocking, run_janus_scenario, tone_report)

PACKAGE = "janus.plugin.conference"
CONFIG = """
general: {
    local_ip = "127.0.0.1"
    rtp_port_range = "44000-44999"
}
"""
ROOM = 6101
SECRET = "rec-secret"
FREQS = (400, 660, 1130)      # as in the audio conference test: no intermodulation overlaps
TONE_MIN_DB = 25.0            # each talker's tone in the recording, over its noise floor
RECORD_SECONDS = 6.0
DURATION_TOLERANCE_S = 0.6    # recording length against the wall clock between start and stop


def decode_with_ffmpeg(path):
    """The file's audio as mono 48 kHz int16 samples, and ffprobe's duration in seconds."""
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "s16le", "-ac", "1",
                          "-ar", str(SAMPLE_RATE), "-"], capture_output=True, check=True).stdout
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration,format_name",
                            "-of", "default=noprint_wrappers=1", path],
                           capture_output=True, text=True, check=True).stdout
    fields = dict(line.split("=", 1) for line in probe.split())
    return np.frombuffer(pcm, dtype=np.int16), float(fields["duration"]), fields["format_name"]


async def event_with(peer, key, timeout=5.0):
    """The next event of a plain-RTP peer's handle that carries `key`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ev = await run_blocking(peer.client.next_event, peer.handle,
                                max(0.1, deadline - time.monotonic()))
        data = (ev or {}).get("plugindata", {}).get("data", {})
        if key in data:
            return data
    return None


async def check_recording(r, janus, req):
    host_dir = os.path.join(janus.dir, "recordings")
    record_dir = janus._inside(host_dir)
    started = time.monotonic()
    created = await req({"request": "create", "room": ROOM, "secret": SECRET,
                         "allow_rtp_participants": True, "video": False, "record": True,
                         "record_dir": record_dir, "record_file": "mix.opus"})
    r.check("create with record, record_dir and record_file", created.event == "created",
            str(created.data))
    listed = {x["room"]: x for x in (await req({"request": "list"})).data.get("list", [])}
    r.check("list shows the room recording", listed.get(ROOM, {}).get("record") is True,
            str(listed.get(ROOM)))

    url = janus.url
    talkers = [PlainRtpPeer(url, PACKAGE, ROOM, f"talker-{f}", f) for f in FREQS]
    listener = PlainRtpPeer(url, PACKAGE, ROOM, "listener")
    peers = talkers + [listener]
    joined = [await p.join() for p in peers]
    r.check("joined says recording: true", all(j.data.get("recording") is True for j in joined),
            str([j.data.get("recording") for j in joined]))
    await asyncio.sleep(RECORD_SECONDS)

    r.check("enable_recording with a wrong secret -> 489",
            (await req({"request": "enable_recording", "room": ROOM, "secret": "nope",
                        "record": False})).error_code == 489)
    stopped = await req({"request": "enable_recording", "room": ROOM, "secret": SECRET,
                         "record": False})
    elapsed = time.monotonic() - started
    r.check("enable_recording false stops it", stopped.event == "success"
            and stopped.data.get("record") is False, str(stopped.data))
    told = await event_with(listener, "recording")
    r.check("participants are told the recording stopped",
            told is not None and told["recording"] is False, str(told))

    path = os.path.join(host_dir, "mix.opus")
    pcm, duration, fmt = decode_with_ffmpeg(path)
    r.check("the recording is an Ogg Opus file ffmpeg plays", fmt == "ogg" and len(pcm) > 0,
            f"format {fmt}, {len(pcm)} samples")
    r.check("its duration is the time it recorded",
            abs(duration - elapsed) < DURATION_TOLERANCE_S
            and abs(len(pcm) / SAMPLE_RATE - duration) < 0.1,
            f"ffprobe {duration:.2f} s, decoded {len(pcm) / SAMPLE_RATE:.2f} s, "
            f"wall clock {elapsed:.2f} s")
    levels = tone_report(pcm, FREQS, skip_seconds=3.0) or {}
    r.check("every talker's tone is in the recording (the full mix)",
            len(levels) == len(FREQS) and min(levels.values()) > TONE_MIN_DB,
            ", ".join(f"{f} Hz {db:.1f} dB" for f, db in levels.items()))

    for name, body, code in [
            ("record_file climbing out with .. -> 484",
             {"record": True, "record_file": "../escape.opus"}, 484),
            ("absolute record_file -> 484", {"record": True, "record_file": "/tmp/x.opus"}, 484),
            ("record_dir with .. -> 484", {"record": True, "record_dir": record_dir + "/../x"}, 484),
            ("a folder that cannot be made -> 499",
             {"record": True, "record_dir": "/proc/no-such/folder"}, 499),
            ("enable_recording without record -> 483", {}, 483)]:
        reply = await req({"request": "enable_recording", "room": ROOM, "secret": SECRET, **body})
        r.check(name, reply.error_code == code and reply.data.get("error"),
                f"got {reply.error_code} ({reply.data.get('error')})")
    r.check("nothing escaped the folder", not os.path.exists(os.path.join(janus.dir, "escape.opus")))

    again = await req({"request": "enable_recording", "room": ROOM, "secret": SECRET,
                       "record": True, "record_file": "second.opus"})
    r.check("enable_recording true starts a new file", again.data.get("record") is True,
            str(again.data))
    await asyncio.sleep(1.5)
    destroyed = await req({"request": "destroy", "room": ROOM, "secret": SECRET})
    r.check("destroy finishes the recording", destroyed.event == "destroyed"
            and decode_with_ffmpeg(os.path.join(host_dir, "second.opus"))[1] > 1.0)
    return peers


async def scenario(r, janus):
    admin = JanusClient(janus.url)
    await run_blocking(admin.create)
    admin.start_keepalive()
    h = await run_blocking(admin.attach, PACKAGE)

    async def req(body):
        return await run_blocking(admin.message, h, body)

    peers = []
    try:
        peers = await check_recording(r, janus, req)
    finally:
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
    run_janus_scenario(r, args, {f"{PACKAGE}.jcfg": CONFIG}, lambda janus: scenario(r, janus), 120,
                       session_timeout=15)
    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    sys.exit(1 if r.failed else 0)


if __name__ == "__main__":
    main()
