"""The plugin's audio features against the real Janus: recording the mix (record,
record_file, record_dir, enable_recording), checked by decoding the file with ffmpeg;
announcements (play_file, is_playing, stop_file), checked in what every participant
receives and in the recording; join and leave tones (heard by the others only).

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
DURATION_SLACK_S = 0.1        # a tick's 20 ms either end, and the container's rounding
ANN_ROOM = 6102
ANN_SECRET = "ann-secret"
# No harmonic of the talker's tone on a file's tone: a mix of the talker alone is its own
# packet (no re-encode), whose 5th harmonic of 400 Hz would read as the 2000 Hz file.
ANN_TALKER_HZ = 450
ANN_FILE_HZ = 1500            # the played file's tone: what everyone must hear
ANN_FILE_SECONDS = 3.0
LOOP_FILE_HZ = 2000           # a short file played in a loop: stereo at 24 kHz
TONES_ROOM = 6103
JOIN_LEAVE_HZ = (660, 990)    # the join tone rises from one to the other, the leave tone falls
EVENT_DEADLINE_S = 10.0       # for an event pushed at once, on a loaded sanitizer build


def decode_with_ffmpeg(path):
    """The file's audio as mono 48 kHz int16 samples, and ffprobe's duration in seconds."""
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "s16le", "-ac", "1",
                          "-ar", str(SAMPLE_RATE), "-"], capture_output=True, check=True).stdout
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration,format_name",
                            "-of", "default=noprint_wrappers=1", path],
                           capture_output=True, text=True, check=True).stdout
    fields = dict(line.split("=", 1) for line in probe.split())
    return np.frombuffer(pcm, dtype=np.int16), float(fields["duration"]), fields["format_name"]


async def event_with(peer, key, timeout=EVENT_DEADLINE_S):
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
    # The recording runs from within the create request to within the stop request: its
    # length lies between the time from the one's reply to the other's asking, and the time
    # from the one's asking to the other's reply, however long the requests take.
    asked_create = time.monotonic()
    created = await req({"request": "create", "room": ROOM, "secret": SECRET,
                         "allow_rtp_participants": True, "video": False, "record": True,
                         "record_dir": record_dir, "record_file": "mix.opus"})
    created_at = time.monotonic()
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
    asked_stop = time.monotonic()
    stopped = await req({"request": "enable_recording", "room": ROOM, "secret": SECRET,
                         "record": False})
    shortest, longest = asked_stop - created_at, time.monotonic() - asked_create
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
            shortest - DURATION_SLACK_S <= duration <= longest + DURATION_SLACK_S
            and abs(len(pcm) / SAMPLE_RATE - duration) < 0.1,
            f"ffprobe {duration:.2f} s, decoded {len(pcm) / SAMPLE_RATE:.2f} s, "
            f"wall clock {shortest:.2f} s to {longest:.2f} s")
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


def make_opus(path, hz, seconds, rate=48000, channels=1):
    """An Ogg Opus file of a tone, as ffmpeg's libopus writes it."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={hz}:duration={seconds}:sample_rate={rate}", "-ac",
                    str(channels), "-c:a", "libopus", path], check=True)


async def announcement_event(peer, kind, file_id, timeout=EVENT_DEADLINE_S):
    """Waits for the peer's `kind` event (announcement-started/-stopped) about file_id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = await event_with(peer, "file_id", max(0.1, deadline - time.monotonic()))
        if data and data.get("audiobridge") == kind and data.get("file_id") == file_id:
            return data
    return None


def hears(samples, hz):
    levels = tone_report(samples, (hz,), skip_seconds=0.5) or {}
    return levels.get(hz, 0.0)


async def check_announcements(r, janus, req):
    host_dir = os.path.join(janus.dir, "announcements")
    os.makedirs(host_dir, exist_ok=True)
    tone = os.path.join(host_dir, "tone.opus")
    looped = os.path.join(host_dir, "loop.opus")
    text = os.path.join(host_dir, "text.opus")
    make_opus(tone, ANN_FILE_HZ, ANN_FILE_SECONDS)
    make_opus(looped, LOOP_FILE_HZ, 0.4, rate=24000, channels=2)
    with open(text, "w") as fh:
        fh.write("this is not an Ogg Opus file\n" * 10)

    created = await req({"request": "create", "room": ANN_ROOM, "secret": ANN_SECRET,
                         "allow_rtp_participants": True, "video": False, "record": True,
                         "record_dir": janus._inside(host_dir), "record_file": "mix.opus"})
    r.check("announcements: room created", created.event == "created", str(created.data))
    talker = PlainRtpPeer(janus.url, PACKAGE, ANN_ROOM, "ann-talker", ANN_TALKER_HZ)
    listeners = [PlainRtpPeer(janus.url, PACKAGE, ANN_ROOM, f"ann-listener-{k}") for k in (1, 2)]
    peers = [talker] + listeners
    for p in peers:
        await p.join()
    await asyncio.sleep(1.0)

    def play(**fields):
        return req({"request": "play_file", "room": ANN_ROOM, "secret": ANN_SECRET, **fields})

    def is_playing(file_id):
        return req({"request": "is_playing", "room": ANN_ROOM, "secret": ANN_SECRET,
                    "file_id": file_id})

    def stop(file_id, secret=ANN_SECRET):
        return req({"request": "stop_file", "room": ANN_ROOM, "secret": secret,
                    "file_id": file_id})

    for p in peers:
        p.recorder.mark()
    played = await play(filename=janus._inside(tone), file_id="tone")
    r.check("play_file answers success with the file_id",
            played.event == "success" and played.data.get("file_id") == "tone", str(played.data))
    # Asked at once: the file plays for ANN_FILE_SECONDS from the reply, while the started
    # event may reach the listener late on a loaded machine.
    playing = await is_playing("tone")
    r.check("is_playing true while it plays", playing.data.get("playing") is True,
            str(playing.data))
    started = await announcement_event(listeners[0], "announcement-started", "tone")
    r.check("participants are told announcement-started", started is not None, str(started))
    stopped = await announcement_event(listeners[1], "announcement-stopped", "tone",
                                       timeout=ANN_FILE_SECONDS + EVENT_DEADLINE_S)
    r.check("announcement-stopped when the file ends", stopped is not None, str(stopped))
    playing = await is_playing("tone")
    r.check("is_playing false after its end", playing.event == "success"
            and playing.data.get("playing") is False, str(playing.data))
    levels = {p.display: hears(p.recorder.samples(), ANN_FILE_HZ) for p in peers}
    r.check(f"every participant hears the file's {ANN_FILE_HZ} Hz (the talker too)",
            min(levels.values()) > TONE_MIN_DB,
            ", ".join(f"{n} {db:.1f} dB" for n, db in levels.items()))
    talk = {p.display: hears(p.recorder.samples(), ANN_TALKER_HZ) for p in listeners}
    r.check("the listeners still hear the talker under it", min(talk.values()) > TONE_MIN_DB,
            ", ".join(f"{n} {db:.1f} dB" for n, db in talk.items()))

    looping = await play(filename=janus._inside(looped), loop=True)
    loop_id = looping.data.get("file_id")
    r.check("play_file without file_id picks one", looping.event == "success"
            and isinstance(loop_id, str) and loop_id != "", str(looping.data))
    for p in peers:
        p.recorder.mark()
    await asyncio.sleep(2.0)  # five times the file's length
    playing = await is_playing(loop_id)
    r.check("a looped file still plays after several lengths", playing.data.get("playing") is True,
            str(playing.data))
    level = hears(listeners[0].recorder.samples(), LOOP_FILE_HZ)
    r.check(f"its {LOOP_FILE_HZ} Hz (stereo, 24 kHz file) is heard", level > TONE_MIN_DB,
            f"{level:.1f} dB")
    r.check("stop_file with a wrong secret -> 489", (await stop(loop_id, "nope")).error_code == 489)
    halted = await stop(loop_id)
    r.check("stop_file stops it", halted.event == "success"
            and halted.data.get("file_id") == loop_id, str(halted.data))
    told = await announcement_event(listeners[0], "announcement-stopped", loop_id)
    r.check("stop_file tells announcement-stopped", told is not None, str(told))
    r.check("is_playing false after stop_file",
            (await is_playing(loop_id)).data.get("playing") is False)
    for p in peers:
        p.recorder.mark()
    await asyncio.sleep(1.5)
    # Against the talker heard in the same window, not the noise floor: a lone talker's mix is
    # its own clean packet, whose floor is so low that coding residue reads as a tone over it.
    after = tone_report(listeners[0].recorder.samples(), (LOOP_FILE_HZ, ANN_TALKER_HZ),
                        skip_seconds=0.5) or {}
    file_db, talker_db = after.get(LOOP_FILE_HZ, 0.0), after.get(ANN_TALKER_HZ, 0.0)
    r.check("the stopped file is no longer heard (its tone 40 dB or more below the talker's)",
            talker_db > TONE_MIN_DB and file_db <= talker_db - 40.0,
            f"file {file_db:.1f} dB, talker {talker_db:.1f} dB over the floor")

    # The build's recording-started.opus (beside the plugin), which the glue plays.
    sound = os.path.join(os.path.dirname(os.path.abspath(janus.plugins[0])), "sounds",
                         "recording-started.opus")
    for p in peers:
        p.recorder.mark()
    consent = await play(filename=janus._inside(sound), file_id="consent")
    await announcement_event(listeners[0], "announcement-stopped", "consent", timeout=4.0)
    level = short_tone_db(listeners[0].recorder.samples(), 1175)
    r.check("the built recording-started.opus plays (its 1175 Hz beep is heard)",
            consent.event == "success" and level > TONE_MIN_DB,
            f"{consent.data}, {level:.1f} dB")

    dup = await play(filename=janus._inside(tone), file_id="dup")
    again = await play(filename=janus._inside(tone), file_id="dup")
    r.check("a file_id already playing -> 490", dup.event == "success" and again.error_code == 490,
            f"{dup.data} / {again.data}")
    await stop("dup")
    for name, reply, code, words in [
            ("a missing file -> 499", await play(filename=janus._inside(host_dir) + "/none.opus"),
             499, "No such file"),
            ("a file that is not Ogg Opus -> 499", await play(filename=janus._inside(text)),
             499, "not an Ogg Opus file"),
            ("a filename with .. -> 484", await play(filename=host_dir + "/../x.opus"), 484, ".."),
            ("play_file without filename -> 483", await play(), 483, "filename"),
            ("play_file with a wrong secret -> 489",
             await req({"request": "play_file", "room": ANN_ROOM, "secret": "nope",
                        "filename": janus._inside(tone)}), 489, "secret"),
            ("is_playing with a wrong secret -> 489",
             await req({"request": "is_playing", "room": ANN_ROOM, "file_id": "tone"}), 489,
             "secret"),
            ("stop_file of an unknown file_id -> 484", await stop("nothing-like-it"), 484,
             "nothing-like-it"),
            ("play_file in no such room -> 485",
             await req({"request": "play_file", "room": 999999, "filename": "a.opus"}), 485, "")]:
        r.check(name, reply.error_code == code and words in (reply.data.get("error") or ""),
                f"got {reply.error_code} ({reply.data.get('error')})")

    await req({"request": "destroy", "room": ANN_ROOM, "secret": ANN_SECRET})
    pcm, _, _ = decode_with_ffmpeg(os.path.join(host_dir, "mix.opus"))
    level = hears(pcm, ANN_FILE_HZ)
    r.check(f"the room's recording has the file's {ANN_FILE_HZ} Hz", level > TONE_MIN_DB,
            f"{level:.1f} dB")
    return peers


def short_tone_db(samples, hz):
    """Level of hz in a short stretch of audio (padded to the second tone_report needs);
    0 when nothing was received."""
    x = np.asarray(samples, dtype=np.float64)
    if len(x) == 0:
        return 0.0
    x = np.concatenate([x, np.zeros(max(0, SAMPLE_RATE - len(x)))])
    return (tone_report(x, (hz,), skip_seconds=0) or {}).get(hz, 0.0)


def join_leave_levels(peer):
    """The join/leave tones' two frequencies in what the peer received, and their report."""
    levels = [short_tone_db(peer.recorder.samples(), hz) for hz in JOIN_LEAVE_HZ]
    return levels, ", ".join(f"{hz} Hz {db:.1f} dB" for hz, db in zip(JOIN_LEAVE_HZ, levels))


async def check_join_leave_tones(r, janus, req):
    created = await req({"request": "create", "room": TONES_ROOM, "allow_rtp_participants": True,
                         "video": False, "join_tone": True, "leave_tone": True})
    r.check("a room with join_tone and leave_tone", created.event == "created", str(created.data))
    listed = {x["room"]: x for x in (await req({"request": "list"})).data.get("list", [])}
    r.check("list shows join_tone and leave_tone",
            listed.get(TONES_ROOM, {}).get("join_tone") is True
            and listed[TONES_ROOM].get("leave_tone") is True, str(listed.get(TONES_ROOM)))
    first = PlainRtpPeer(janus.url, PACKAGE, TONES_ROOM, "tones-first")
    second = PlainRtpPeer(janus.url, PACKAGE, TONES_ROOM, "tones-second")
    await first.join()
    await asyncio.sleep(1.0)
    first.recorder.mark()
    await second.join()
    await asyncio.sleep(1.0)
    heard, report = join_leave_levels(first)
    r.check("the one already in the room hears the join tone", min(heard) > TONE_MIN_DB, report)
    own, report = join_leave_levels(second)
    r.check("the newcomer does not hear its own join tone", max(own) < 10.0,
            f"{len(second.recorder.samples())} samples received, {report}")
    first.recorder.mark()
    await second.close()
    await asyncio.sleep(1.0)
    heard, report = join_leave_levels(first)
    r.check("the one who stays hears the leave tone", min(heard) > TONE_MIN_DB, report)
    await req({"request": "destroy", "room": TONES_ROOM})
    return [first]


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
        peers += await check_announcements(r, janus, req)
        peers += await check_join_leave_tones(r, janus, req)
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
