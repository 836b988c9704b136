"""Video MCU end to end: real Janus, the plugin, three aiortc peers sending solid
colours as VP8 and checking the composite they all receive.

    /usr/bin/python3 tests/integration/test_video_conference.py \
        --plugin build/janus-plugin/libjanus_conference.so

Needs root (network namespace). The script creates the namespace, re-executes
itself inside it (--inner) and removes it afterwards, also on failure.
Prints PASS/FAIL/INFO lines and ends with "N passed, M failed". When a picture
check fails, the received composite is saved as a PNG (path printed).

The room's canvas is 640x360 at 15 fps. Peers A, B, C join in that order and send
red, green and blue 320x180 pictures plus silent Opus (nobody talks, so the active
speaker layout shows participant 0, A). Expected geometry (see video_layout.cpp):
grid with 3 tiles = 2x2 cells of 320x180 in reading order, the 4th cell black;
speaker layout = A's picture fitted (512x288 at x=64) into the 640x288 top tile,
B and C as 128x72 tiles centred in the bottom strip (x=192 and x=320, y=288).
Then B talks (a tone) and becomes the speaker. Last, a viewer D without a
camera joins and applies the join answer only 1 s later (its media comes up
well after the join, as over a real network): it must get a key frame, hence a
picture, promptly, and its tile is the no-video tile.

Names: every tile shows its participant's display name (A, B, C, D): white text
on a dark band along the bottom of a picture, or large in the middle of a
no-video tile (dark grey) instead of a bare square. Text is told apart by luma
contrast (standard deviation) in the name's area against the flat picture or
band around it; configure `display` changes it. The speaker's tile has a yellow
border. Last, a Janus whose caption_font is missing must not load the plugin.
"""

import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from janus_harness import (close_scenario, YUV_BLACK, JanusClient, error_code_of,  # noqa: E402
                           JanusProcess, Results, sanitizer_env, VideoPeer, fmt_yuv, inset_rect,
                           raise_system_exit, region_mean, rgb_to_yuv601, run_blocking,
                           plugin_test_main, run_janus_scenario, save_frame_png, frame_planes,
                           tone_report, yuv_close, SAMPLE_RATE)

PACKAGE = "janus.plugin.conference"
CANVAS_W, CANVAS_H, CANVAS_FPS = 640, 360, 15
VIDEO_BITRATE = 800000
RECORD_TONE_HZ = 440
RECORD_SECONDS = 5.0
DURATION_SLACK_S = 0.2  # a 15 fps frame either end, and the container's rounding
SOURCE_W, SOURCE_H, SOURCE_FPS = 320, 180, 15
COLOURS = {"A": rgb_to_yuv601(255, 0, 0),   # red   (81, 90, 240)
           "B": rgb_to_yuv601(0, 255, 0),   # green (145, 54, 34)
           "C": rgb_to_yuv601(0, 0, 255)}   # blue  (41, 240, 110)
MARKER_BACKGROUND = (40, 128, 128)
SPEAKER_BORDER = (210, 16, 146)  # yellow
COLOUR_TOLERANCE = 20          # per Y/U/V channel, on the mean of an inner region
INSET = 0.2                    # of each region left off per side (codec ringing at edges)
FIRST_PICTURE_TIMEOUT = 15.0   # connected -> first picture (aiortc asks by PLI only after ~9 s)
MARKER_TIMEOUT = 3.5           # sender stopped (stale after 1 s) -> no-video tile
CHANGE_TIMEOUT = 5.0           # mute/unmute/layout -> visible in the composite
EVENT_TIMEOUT = 5.0
TALK_FREQ = 440                # B's tone to become the active speaker (others: silence)
PLI_TIMEOUT = 2.5              # PLI -> key frame (served at most once per second)
LATE_SETUP_DELAY = 1.0         # late viewer: join answer -> setRemoteDescription
NEW_VIEWER_TIMEOUT = 2.0       # late viewer's PeerConnection up -> first decoded picture
SESSION_TIMEOUT_SECONDS = 15
INNER_TIMEOUT_SECONDS = 170
INVALID_ELEMENT_ERROR = 484
TEXT_MIN_SD = 20.0             # luma standard deviation where a name is drawn
FLAT_MAX_SD = 8.0              # ... and where none is (codec noise on a solid colour)
BORDER_TOLERANCE = 35          # the speaker border is thin: more codec bleed at its edges


class Contrast:
    """An expectation on a region's luma standard deviation instead of its mean
    colour: text (at least TEXT_MIN_SD) or none (at most FLAT_MAX_SD)."""

    def __init__(self, text):
        self.text = text

    def ok(self, sd):
        return sd >= TEXT_MIN_SD if self.text else sd <= FLAT_MAX_SD

    def __str__(self):
        return (f"text (luma sd >= {TEXT_MIN_SD:.0f})" if self.text
                else f"no text (luma sd <= {FLAT_MAX_SD:.0f})")


TEXT, NO_TEXT = Contrast(True), Contrast(False)


# --------------------------------------------------------------------------- geometry

def even_floor(v):
    return v & ~1


def grid_cells(w, h, cols, rows):
    """All cols x rows cells in reading order (edges as video_layout.cpp computes them)."""
    cells = []
    for i in range(cols * rows):
        c, r = i % cols, i // cols
        x0, x1 = even_floor(c * w // cols), even_floor((c + 1) * w // cols)
        y0, y1 = even_floor(r * h // rows), even_floor((r + 1) * h // rows)
        cells.append((x0, y0, x1 - x0, y1 - y0))
    return cells


def fit(src_w, src_h, tile):
    """The picture rectangle inside a tile with the aspect ratio kept (centred)."""
    x, y, tw, th = tile
    if src_w * th > src_h * tw:
        w, h = tw, 2 * ((tw * src_h + src_w) // (2 * src_w))
    else:
        w, h = 2 * ((th * src_w + src_h) // (2 * src_h)), th
    return (x + even_floor((tw - w) // 2), y + even_floor((th - h) // 2), w, h)


def grid_expectation(tile_contents):
    """3..4 participants: 2x2 cells; tile_contents[i] is a colour (picture) or
    "no video"; cells without a participant are black."""
    cells = grid_cells(CANVAS_W, CANVAS_H, 2, 2)
    exp = []
    for i, cell in enumerate(cells):
        label = f"cell {i}"
        if i < len(tile_contents):
            exp += tile_regions(label, cell, tile_contents[i])
        else:
            exp.append((label + " black (no participant)", inset_rect(cell, INSET), YUV_BLACK))
    return exp


def speaker_expectation(tile_contents, speaker=0):
    """Active-speaker layout: speaker on top (full width above the strip), the
    others as W/5 x H/5 tiles centred in the bottom strip, in participant order."""
    small_w, small_h = even_floor(CANVAS_W // 5), even_floor(CANVAS_H // 5)
    strip_top = CANVAS_H - small_h
    others = [i for i in range(len(tile_contents)) if i != speaker]
    left = even_floor((CANVAS_W - len(others) * small_w) // 2)
    top = (0, 0, CANVAS_W, strip_top)
    exp = tile_regions(f"speaker tile (participant {speaker})", top, tile_contents[speaker])
    pic = fit(SOURCE_W, SOURCE_H, top)
    if pic[2] < CANVAS_W:  # pillarbox bars, black
        exp.append(("speaker tile left bar black", inset_rect((0, 0, pic[0], strip_top), INSET),
                    YUV_BLACK))
        right = pic[0] + pic[2]
        exp.append(("speaker tile right bar black",
                    inset_rect((right, 0, CANVAS_W - right, strip_top), INSET), YUV_BLACK))
    for k, i in enumerate(others):
        tile = (left + k * small_w, strip_top, small_w, small_h)
        exp += tile_regions(f"strip tile {k} (participant {i})", tile, tile_contents[i])
    if left > 0:
        exp.append(("strip left of the small tiles black",
                    inset_rect((0, strip_top, left, small_h), INSET), YUV_BLACK))
        right = left + len(others) * small_w
        exp.append(("strip right of the small tiles black",
                    inset_rect((right, strip_top, CANVAS_W - right, small_h), INSET), YUV_BLACK))
    return exp


def tile_regions(label, tile, content):
    """Regions (name, rect, expected YUV or Contrast) that tell a tile's content:
    a picture's colour, or for "no video" the dark grey tile with the participant's
    (one-letter) name in the middle."""
    if content != "no video":
        return [(f"{label} picture", inset_rect(fit(SOURCE_W, SOURCE_H, tile), INSET), content)]
    x, y, w, h = tile
    side = even_floor(min(w, h) // 3)  # about the letter's size (a sixth of the height)
    sx, sy = x + even_floor((w - side) // 2), y + even_floor((h - side) // 2)
    band = sx - x  # dark grey left and right of the name
    return [
        (f"{label} name in the middle", (sx, sy, side, side), TEXT),
        (f"{label} no-video left", inset_rect((x, y, band, h), INSET), MARKER_BACKGROUND),
        (f"{label} no-video right", inset_rect((sx + side, y, band, h), INSET),
         MARKER_BACKGROUND),
    ]


def caption_area(tile, long_name=False):
    """Where a picture tile's name is: the caption band's left end, where the first
    letter goes, or (long_name) further right, where only a long name reaches. The
    band is as high as the text plus margins, about 1/7 of the tile (tile_caption.cpp)."""
    x, y, w, h = tile
    band_h = h // 7
    return (x + (w // 4 if long_name else 6), y + h - band_h, w // 3 if long_name else w // 12,
            band_h - 2)


def top_edge(tile, rows=4):
    """The middle half of a tile's top edge: where the speaker border is."""
    x, y, w, h = tile
    return (x + w // 4, y, w // 2, rows)


def colour_name(yuv):
    for name, c in COLOURS.items():
        if yuv == c:
            return f"{name}'s colour {fmt_yuv(c)}"
    return {YUV_BLACK: "black", SPEAKER_BORDER: "speaker border (yellow)",
            MARKER_BACKGROUND: "no-video background (dark grey)"}.get(yuv, fmt_yuv(yuv))


# --------------------------------------------------------------------------- picture checks

class PictureChecker:
    def __init__(self, r, png_dir):
        self.r = r
        self.png_dir = png_dir
        self.saved = 0

    @staticmethod
    def measure(frame, expectation):
        """[(name, ok, measured YUV, expected YUV)] for one frame."""
        if frame is None:
            return [("frame", False, None, None)]
        if (frame.width, frame.height) != (CANVAS_W, CANVAS_H):
            return [(f"frame size {frame.width}x{frame.height}", False, None, None)]
        planes = frame_planes(frame)
        out = []
        for name, rect, expected in expectation:
            if isinstance(expected, Contrast):
                x, y, w, h = rect
                sd = float(planes[0][y:y + h, x:x + w].std())
                out.append((name, expected.ok(sd), sd, expected))
                continue
            tolerance = BORDER_TOLERANCE if expected == SPEAKER_BORDER else COLOUR_TOLERANCE
            mean = region_mean(planes, rect)
            out.append((name, yuv_close(mean, expected, tolerance), mean, expected))
        return out

    @staticmethod
    def describe(measured, only_failed=False):
        parts = []
        for name, ok, mean, expected in measured:
            if only_failed and ok:
                continue
            if mean is None:
                parts.append(f"{name}: wrong/none")
            elif isinstance(expected, Contrast):
                parts.append(f"{name} luma sd {mean:.1f}" + ("" if ok else f" [want {expected}]"))
            else:
                parts.append(f"{name} {fmt_yuv(mean)}" + ("" if ok else
                             f" [want {colour_name(expected)} +-{COLOUR_TOLERANCE}]"))
        return "; ".join(parts)

    async def wait_for(self, peer, expectation, timeout):
        """Waits until a composite peer receives matches; returns (ok, seconds,
        measured of the matching or last frame, that frame)."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        measured, frame = [("frame", False, None, None)], None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False, time.monotonic() - t0, measured, frame
            got = await peer.next_frame(timeout=min(left, 2.0))
            if got is None:
                continue
            frame = got
            measured = self.measure(frame, expectation)
            if all(ok for _, ok, _, _ in measured):
                return True, time.monotonic() - t0, measured, frame

    async def check(self, name, peers, expectation, timeout):
        """One Results check: every peer's composite matches within timeout (the
        peers are waited for together, so the timeout is shared)."""
        results = await asyncio.gather(*(self.wait_for(p, expectation, timeout) for p in peers))
        ok = all(res[0] for res in results)
        details = []
        for p, (pok, secs, measured, frame) in zip(peers, results):
            if pok:
                details.append(f"{p.display} after {secs:.1f} s: {self.describe(measured)}")
            else:
                d = (f"{p.display} NOT within {timeout:.1f} s ({p.frames_received} frames "
                     f"received): {self.describe(measured)}")
                if frame is not None:
                    self.saved += 1
                    path = os.path.join(self.png_dir, f"{self.saved:02d}-{p.display}.png")
                    try:
                        save_frame_png(frame, path)
                        d += f" (frame saved: {path})"
                    except Exception as e:  # noqa: BLE001 - the PNG is only a debugging aid
                        d += f" (could not save the frame: {e})"
                details.append(d)
        self.r.check(name, ok, " | ".join(details))
        return ok


# --------------------------------------------------------------------------- requests

async def request(client, handle, body, timeout=10.0):
    return await run_blocking(client.message, handle, body, timeout=timeout)


async def configure(peer, body):
    reply = await request(peer.client, peer.handle, dict(body, request="configure"))
    return reply.error_code is None and reply.data.get("result") == "ok", reply.data


async def wait_plugin_event(peer, predicate, timeout=EVENT_TIMEOUT):
    """The first event pushed to peer's handle whose plugin data matches
    predicate (others are skipped), or None."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ev = await run_blocking(peer.client.next_event, peer.handle, left)
        if ev is None:
            return None
        data = ev.get("plugindata", {}).get("data", {})
        if predicate(data):
            return data
    return None


def drain_events(peer):
    while peer.client.next_event(peer.handle, 0) is not None:
        pass


async def list_room(client, handle, room):
    return (await request(client, handle, {"request": "listparticipants", "room": room})).data


def answer_media(sdp):
    """{kind: (port, codecs)} of the m-lines of an SDP answer."""
    media, current = {}, None
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind, port = line[2:].split()[:2]
            current = kind
            media.setdefault(kind, [int(port), []])
        elif line.startswith("a=rtpmap:") and current:
            media[current][1].append(line.split()[1].split("/")[0].upper())
    return media


# --------------------------------------------------------------------------- scenario

def video_encoder_target(peer):
    """The target bitrate of the peer's VP8 encoder, which aiortc sets from REMB
    (None before the encoder exists)."""
    for transceiver in peer.pc.getTransceivers():
        if transceiver.kind == "video" and transceiver.sender is not None:
            encoder = getattr(transceiver.sender, "_RTCRtpSender__encoder", None)
            return getattr(encoder, "target_bitrate", None)
    return None


async def scenario(r, janus, png_dir):
    room = random.randint(100000, 999999)
    admin = JanusClient(janus.url)
    await run_blocking(admin.create)
    admin.start_keepalive()
    handle = await run_blocking(admin.attach, PACKAGE)
    pics = PictureChecker(r, png_dir)

    reply = await request(admin, handle, {
        "request": "create", "room": room, "video": True, "video_width": CANVAS_W,
        "video_height": CANVAS_H, "video_fps": CANVAS_FPS, "video_bitrate": VIDEO_BITRATE,
        "video_layout": "grid"})
    if not r.check("create video room", reply.error_code is None and reply.event == "created",
                   str(reply.data)):
        return

    a, b, c = peers = [VideoPeer(janus.url, PACKAGE, room, name, COLOURS[name],
                                 width=SOURCE_W, height=SOURCE_H, fps=SOURCE_FPS)
                       for name in "ABC"]
    late = []
    try:
        # 1. Join in order; one composite each; tiles in join order.
        for p in peers:
            await p.join()
        answers = {p.display: answer_media(p.answer_sdp) for p in peers}
        r.check("join answers accept Opus audio and VP8 video",
                all(m.get("audio", [0])[0] > 0 and "OPUS" in m["audio"][1]
                    and m.get("video", [0])[0] > 0 and "VP8" in m["video"][1]
                    for m in answers.values()),
                "; ".join(f"{n}: " + ", ".join(f"{k} port {v[0]} {'/'.join(v[1])}"
                                               for k, v in m.items())
                          for n, m in answers.items()))
        await asyncio.gather(*(p.wait_connected() for p in peers))
        t_connected = time.monotonic()
        r.info("3 video peers joined and connected: "
               + ", ".join(f"{p.display}={p.participant_id}" for p in peers))
        grid_abc = grid_expectation([COLOURS["A"], COLOURS["B"], COLOURS["C"]])
        await pics.check("grid: tiles 0/1/2 show A/B/C (red/green/blue), cell 3 black, "
                         "in every peer's composite", peers, grid_abc, FIRST_PICTURE_TIMEOUT)
        r.check("each peer receives exactly one video track (the composite)",
                all(p.video_tracks_received == 1 for p in peers),
                ", ".join(f"{p.display}: {p.video_tracks_received} video track(s), "
                          f"{p.frames_received} frames" for p in peers))
        r.info(f"first full composite {time.monotonic() - t_connected:.1f} s after all connected; "
               "first picture after the own PeerConnection came up: " + ", ".join(
                   f"{p.display} {p.first_frame_time - p.connected_time:.2f} s"
                   for p in peers if p.first_frame_time and p.connected_time))
        await asyncio.sleep(1.0)
        rates = {p.display: p.frames_received for p in peers}
        await asyncio.sleep(2.0)
        rates = {p.display: (p.frames_received - rates[p.display]) / 2.0 for p in peers}
        r.check("composite arrives at about the room's frame rate",
                all(fps >= CANVAS_FPS * 0.6 for fps in rates.values()),
                ", ".join(f"{n}: {fps:.1f} fps" for n, fps in rates.items())
                + f" (room {CANVAS_FPS} fps)")
        # REMB: twice the tile's share of the canvas bitrate (a quarter here);
        # aiortc's VP8 encoder takes it as its target (within 250k..1.5M).
        want = int(2 * 0.25 * VIDEO_BITRATE)
        targets = {p.display: video_encoder_target(p) for p in peers}
        r.check(f"REMB from the room caps each sender's VP8 encoder at {want} bps",
                all(t == want for t in targets.values()),
                ", ".join(f"{n}: {t}" for n, t in targets.items()))

        # 1b. Names on the pictures, changed with configure `display`.
        cells = grid_cells(CANVAS_W, CANVAS_H, 2, 2)
        await pics.check("names A/B/C at the bottom left of their tiles (text contrast), nothing "
                         "further right (one-letter names), no speaker border yet", peers,
                         [(f"cell {i} name", caption_area(cells[i]), TEXT) for i in range(3)]
                         + [(f"cell {i} right of the name", caption_area(cells[i], True),
                             NO_TEXT) for i in range(3)]
                         + [(f"cell {i} top edge", top_edge(cells[i]), COLOURS[n])
                            for i, n in enumerate("ABC")], CHANGE_TIMEOUT)
        drain_events(a)
        ok, data = await configure(b, {"display": "Bartholomew Beaumont"})
        r.check("B configure display=\"Bartholomew Beaumont\" answered ok", ok, str(data))
        await pics.check("B's new name reaches right of where \"B\" ended; A's and C's unchanged",
                         [a, c], [("cell 1 long name", caption_area(cells[1], True), TEXT),
                                  ("cell 0 name", caption_area(cells[0]), TEXT),
                                  ("cell 0 right of the name", caption_area(cells[0], True),
                                   NO_TEXT)], CHANGE_TIMEOUT)
        event = await wait_plugin_event(a, lambda d: any(
            p.get("display") == "Bartholomew Beaumont" for p in d.get("participants", [])))
        r.check("A is told B's new display name", event is not None, str(event))
        listed = await list_room(admin, handle, room)
        names = sorted(p.get("display", "") for p in listed.get("participants", []))
        r.check("listparticipants has B's new display name",
                names == ["A", "Bartholomew Beaumont", "C"], str(names))
        ok, data = await configure(b, {"display": ""})
        r.check("B configure display=\"\" answered ok", ok, str(data))
        await pics.check("B without a name: no caption band on B's picture, A's name stays",
                         [a, c], [("cell 1 name area", caption_area(cells[1]), NO_TEXT),
                                  ("cell 1 name area colour", caption_area(cells[1]),
                                   COLOURS["B"]),
                                  ("cell 0 name", caption_area(cells[0]), TEXT)], CHANGE_TIMEOUT)
        ok, data = await configure(b, {"display": "B"})
        await pics.check("B named \"B\" again: its name is back", [a], [
            ("cell 1 name", caption_area(cells[1]), TEXT),
            ("cell 1 right of the name", caption_area(cells[1], True), NO_TEXT)], CHANGE_TIMEOUT)

        # 2. B stops sending video: its tile becomes the no-video tile.
        b.video_track.pause()
        t0 = time.monotonic()
        await pics.check("B stops sending video -> B's tile shows its name on dark grey, A and C "
                         "unchanged",
                         [a], grid_expectation([COLOURS["A"], "no video", COLOURS["C"]]),
                         MARKER_TIMEOUT)
        r.info(f"B paused {time.monotonic() - t0:.1f} s before the no-video tile was seen "
               "(stale after 1 s)")
        b.video_track.resume()
        await pics.check("B sends video again -> B's colour is back", [a], grid_abc,
                         CHANGE_TIMEOUT)

        # 3. C mutes its video with configure, then unmutes.
        ok, data = await configure(c, {"video": False})
        r.check("C configure video=false answered ok", ok, str(data))
        await pics.check("C video muted -> C's tile shows its name on dark grey", [a, b],
                         grid_expectation([COLOURS["A"], COLOURS["B"], "no video"]),
                         CHANGE_TIMEOUT)
        listed = await list_room(admin, handle, room)
        flags = {p.get("display"): p.get("video") for p in listed.get("participants", [])}
        r.check("listparticipants while C is muted: video A/B true, C false",
                flags == {"A": True, "B": True, "C": False}, str(flags))
        ok, data = await configure(c, {"video": True})
        r.check("C configure video=true answered ok", ok, str(data))
        await pics.check("C video unmuted -> C's colour is back", [a, b], grid_abc,
                         CHANGE_TIMEOUT)

        # 4. Layout switch by A: the room's composite changes for everyone.
        for p in (b, c):
            drain_events(p)
        ok, data = await configure(a, {"video_layout": "speaker"})
        r.check("A configure video_layout=speaker answered ok", ok, str(data))
        events = await asyncio.gather(*(wait_plugin_event(
            p, lambda d: d.get("video_layout") is not None) for p in (b, c)))
        r.check("B and C get the video_layout=speaker event",
                all(e is not None and e.get("video_layout") == "speaker" and e.get("room") == room
                    and e.get("conference") == "event" for e in events),
                "; ".join(f"{p.display}: {e}" for p, e in zip((b, c), events)))
        await pics.check("speaker layout: A (participant 0, nobody talks) large on top, B and C "
                         "small in the bottom strip", peers,
                         speaker_expectation([COLOURS["A"], COLOURS["B"], COLOURS["C"]]),
                         CHANGE_TIMEOUT)
        listed = await list_room(admin, handle, room)
        r.check("listparticipants reports layout speaker",
                (listed.get("video") or {}).get("layout") == "speaker", str(listed.get("video")))
        # B talks (a tone): B becomes the speaker, A moves into the strip.
        b.audio_track.freq = TALK_FREQ
        top = (0, 0, CANVAS_W, CANVAS_H - even_floor(CANVAS_H // 5))
        await pics.check("B talks -> B is the speaker (large on top, yellow border), A and C in "
                         "the strip", [a, c], speaker_expectation(
                             [COLOURS["A"], COLOURS["B"], COLOURS["C"]], speaker=1)
                         + [("speaker tile top edge", top_edge(top, 6), SPEAKER_BORDER)],
                         CHANGE_TIMEOUT)
        b.audio_track.freq = None
        for p in (b, c):
            drain_events(p)
        ok, data = await configure(a, {"video_layout": "grid"})
        r.check("A configure video_layout=grid answered ok", ok, str(data))
        events = await asyncio.gather(*(wait_plugin_event(
            p, lambda d: d.get("video_layout") is not None) for p in (b, c)))
        r.check("B and C get the video_layout=grid event",
                all(e is not None and e.get("video_layout") == "grid" for e in events),
                "; ".join(f"{p.display}: {e}" for p, e in zip((b, c), events)))
        await pics.check("grid layout is back for everyone; B, the last to talk, keeps the "
                         "yellow border, A none", peers, grid_abc + [
                             ("cell 1 top edge", top_edge(cells[1]), SPEAKER_BORDER),
                             ("cell 0 top edge", top_edge(cells[0]), COLOURS["A"])],
                         CHANGE_TIMEOUT)

        # 5. A viewer's PLI is answered with a key frame; statistics.
        before = ((await list_room(admin, handle, room)).get("video") or {}).get("key_frames", 0)
        sent = await a.send_pli()
        t0 = time.monotonic()
        after = before
        while time.monotonic() - t0 < PLI_TIMEOUT and after <= before:
            await asyncio.sleep(0.1)
            after = ((await list_room(admin, handle, room)).get("video") or {}).get(
                "key_frames", 0)
        r.check("a viewer's PLI gets a key frame of the composite", sent and after > before,
                f"PLI sent: {sent}; key_frames {before} -> {after} after "
                f"{time.monotonic() - t0:.1f} s (limit {PLI_TIMEOUT} s, at most 1 per s)")

        listed = await list_room(admin, handle, room)
        video = listed.get("video") or {}
        flags = {p.get("display"): p.get("video") for p in listed.get("participants", [])}
        frames = video.get("frames", 0)
        r.check("listparticipants video stats: frames > 0, key_frames >= 1, no encode errors",
                frames > 0 and video.get("key_frames", 0) >= 1
                and video.get("encode_errors") == 0
                and (video.get("width"), video.get("height"), video.get("fps"),
                     video.get("layout")) == (CANVAS_W, CANVAS_H, CANVAS_FPS, "grid"),
                str(video))
        r.check("listparticipants: every participant has video true",
                flags == {"A": True, "B": True, "C": True}, str(flags))
        if frames:
            r.info(f"compositor: {frames} frames ({video.get('key_frames')} key), "
                   f"{video.get('bytes', 0) / frames / 1000:.1f} kB/frame, compose "
                   f"{video.get('compose_us', 0) / frames:.0f} us + encode "
                   f"{video.get('encode_us', 0) / frames:.0f} us per frame, max tick "
                   f"{video.get('max_tick_us')} us, late {video.get('late_ticks')}, "
                   f"missed {video.get('missed_ticks')}")

        # 6. Malformed configures: refused, nothing changes.
        for name, body in (("video_layout \"diagonal\"", {"video_layout": "diagonal"}),
                           ("video \"yes\"", {"video": "yes"})):
            code, detail = await error_code_of(c.client, c.handle,
                                               dict(body, request="configure"))
            r.check(f"malformed: configure with {name} -> error {INVALID_ELEMENT_ERROR}",
                    code == INVALID_ELEMENT_ERROR, detail)
        listed = await list_room(admin, handle, room)
        r.check("malformed configures changed nothing (layout grid, C's video on)",
                (listed.get("video") or {}).get("layout") == "grid"
                and {p.get("display"): p.get("video") for p in listed.get("participants", [])}
                == {"A": True, "B": True, "C": True}, str(listed.get("video", {}).get("layout")))
        await pics.check("composite still the A/B/C grid after malformed requests", [a, b, c],
                         grid_abc, CHANGE_TIMEOUT)

        # 8. A late viewer without a camera: its media comes up 1 s after its join.
        d = VideoPeer(janus.url, PACKAGE, room, "D", None, setup_delay=LATE_SETUP_DELAY)
        late.append(d)
        await d.join()
        video_mline = d.answer_sdp.split("m=video", 1)[-1].split("m=", 1)[0]
        r.check("D's recvonly video is answered sendonly (D views, sends no video)",
                "a=sendonly" in video_mline and "VP8" in video_mline.upper(),
                " ".join(line for line in video_mline.splitlines() if line.startswith(
                    ("a=sendonly", "a=recvonly", "a=sendrecv", "a=inactive", "a=rtpmap"))))
        await d.wait_connected()
        deadline = time.monotonic() + FIRST_PICTURE_TIMEOUT
        while d.first_frame_time is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        delay = (d.first_frame_time - d.connected_time) if d.first_frame_time else None
        r.check(f"late viewer D decodes its first composite within {NEW_VIEWER_TIMEOUT:.0f} s "
                "of its PeerConnection coming up (new viewer key frame)",
                delay is not None and delay <= NEW_VIEWER_TIMEOUT,
                (f"after {delay:.2f} s" if delay is not None
                 else f"nothing within {FIRST_PICTURE_TIMEOUT:.0f} s")
                + f"; D joined {LATE_SETUP_DELAY:.0f} s before applying the answer")
        grid_abcd = grid_expectation([COLOURS["A"], COLOURS["B"], COLOURS["C"], "no video"])
        await pics.check("4 participants: cell 3 is D's no-video tile (its name), A/B/C unchanged",
                         [a, d], grid_abcd, FIRST_PICTURE_TIMEOUT)
        listed = await list_room(admin, handle, room)
        flags = {p.get("display"): p.get("video") for p in listed.get("participants", [])}
        r.check("listparticipants: D has video false", flags.get("D") is False, str(flags))
        await d.close()
        late.remove(d)
        await pics.check("D left -> its cell is black again", [a], grid_abc, CHANGE_TIMEOUT)

        # 9. A room without video declines the video m-line; the call goes on audio-only.
        # (Only the answer is checked: aiortc cannot apply an answer with a rejected
        # m-line, browsers can.)
        audio_room = room + 1
        reply = await request(admin, handle, {"request": "create", "room": audio_room,
                                              "video": False})
        e = VideoPeer(janus.url, PACKAGE, audio_room, "E", COLOURS["A"])
        late.append(e)
        await run_blocking(e.client.create)
        e.handle = await run_blocking(e.client.attach, PACKAGE)
        e._add_tracks()
        await e.pc.setLocalDescription(await e.pc.createOffer())
        joined = await run_blocking(e.client.message, e.handle,
                                    {"request": "join", "room": audio_room, "display": "E"},
                                    jsep={"type": "offer", "sdp": e.pc.localDescription.sdp},
                                    timeout=10)
        media = answer_media((joined.jsep or {}).get("sdp", ""))
        r.check("room with video = false: the answer accepts Opus and declines video (port 0)",
                reply.event == "created" and joined.event == "joined"
                and media.get("video", [None])[0] == 0 and media.get("audio", [0])[0] > 0
                and "OPUS" in media["audio"][1], str(media))

        # 10. A recorded video room writes the composite and the mix as one WebM file.
        late.append(await check_video_recording(r, janus, admin, handle, room + 2))

        # 7. Still alive.
        r.check("janus alive at the end",
                janus.alive() and await run_blocking(janus.info) is not None)
    finally:
        await close_scenario(peers + late, admin)


def run_ffmpeg(*args):
    """ffmpeg's stdout, and what it said at warning level or above."""
    done = subprocess.run(["ffmpeg", "-v", "warning", *args], capture_output=True, check=False)
    return done.stdout, done.stderr.decode(errors="replace").strip()


async def check_video_recording(r, janus, admin, handle, room):
    """A video room recorded from its creation: F sends red and a 440 Hz tone; after
    destroy the .webm holds a VP8 track of the composite (F's red tile) and an Opus
    track of the mix (the tone), both as long as the recording and decoding cleanly."""
    host_dir = os.path.join(janus.dir, "recordings")
    # Recorded from within create to within destroy: between the time from the one's reply to
    # the other's asking and the time from the one's asking to the other's reply.
    asked_create = time.monotonic()
    reply = await request(admin, handle, {
        "request": "create", "room": room, "video": True, "video_width": CANVAS_W,
        "video_height": CANVAS_H, "video_fps": CANVAS_FPS, "video_bitrate": VIDEO_BITRATE,
        "record": True, "record_dir": janus._inside(host_dir), "record_file": "room.webm"})
    created_at = time.monotonic()
    r.check("create a recorded video room", reply.event == "created", str(reply.data))
    f = VideoPeer(janus.url, PACKAGE, room, "F", COLOURS["A"], freq=RECORD_TONE_HZ,
                  width=SOURCE_W, height=SOURCE_H, fps=SOURCE_FPS)
    await f.join()
    await asyncio.sleep(RECORD_SECONDS)
    asked_destroy = time.monotonic()
    reply = await request(admin, handle, {"request": "destroy", "room": room})
    shortest, longest = asked_destroy - created_at, time.monotonic() - asked_create

    path = os.path.join(host_dir, "room.webm")
    probe = subprocess.run(["ffprobe", "-v", "warning", "-show_entries",
                            "stream=codec_name:format=duration,format_name", "-of", "csv=p=0",
                            path], capture_output=True, text=True, check=False)
    lines = probe.stdout.split()
    codecs = sorted(lines[:-1])
    duration = float(lines[-1].split(",")[-1]) if lines else 0.0
    r.check("the recording is WebM with a VP8 and an Opus track, read without warnings",
            "webm" in probe.stdout and codecs == ["opus", "vp8"] and not probe.stderr.strip(),
            f"{probe.stdout.strip()!r} {probe.stderr.strip()!r}")
    r.check("its duration is the time it recorded",
            shortest - DURATION_SLACK_S <= duration <= longest + DURATION_SLACK_S,
            f"ffprobe {duration:.2f} s, wall clock {shortest:.2f} s to {longest:.2f} s")
    pcm, said = run_ffmpeg("-i", path, "-map", "0:a", "-f", "s16le", "-ac", "1",
                           "-ar", str(SAMPLE_RATE), "-")
    _, said_video = run_ffmpeg("-i", path, "-map", "0:v", "-f", "null", "-")
    pts = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                          "packet=pts", "-of", "csv=p=0", path],
                         capture_output=True, text=True, check=False).stdout.split()
    r.check("ffmpeg decodes both tracks without a warning", not said and not said_video
            and len(pcm) > 0, f"audio: {said!r}; video: {said_video!r}; video pts {pts}")
    levels = tone_report(np.frombuffer(pcm, dtype=np.int16), [RECORD_TONE_HZ], skip_seconds=3.0)
    r.check("the audio track holds F's tone", levels is not None
            and levels.get(RECORD_TONE_HZ, 0) > 25.0, str(levels))
    # The last second's first frame: F's picture fills the single tile's middle.
    raw, _ = run_ffmpeg("-sseof", "-1", "-i", path, "-frames:v", "1", "-f", "rawvideo",
                        "-pix_fmt", "yuv420p", "-")
    measured = None
    if len(raw) == CANVAS_W * CANVAS_H * 3 // 2:
        y = np.frombuffer(raw, np.uint8, CANVAS_W * CANVAS_H).reshape(CANVAS_H, CANVAS_W)
        chroma = np.frombuffer(raw, np.uint8, offset=CANVAS_W * CANVAS_H)
        u = chroma[:CANVAS_W * CANVAS_H // 4].reshape(CANVAS_H // 2, CANVAS_W // 2)
        v = chroma[CANVAS_W * CANVAS_H // 4:].reshape(CANVAS_H // 2, CANVAS_W // 2)
        cy, cx = CANVAS_H // 2, CANVAS_W // 2
        measured = (float(y[cy - 20:cy + 20, cx - 40:cx + 40].mean()),
                    float(u[cy // 2 - 10:cy // 2 + 10, cx // 2 - 20:cx // 2 + 20].mean()),
                    float(v[cy // 2 - 10:cy // 2 + 10, cx // 2 - 20:cx // 2 + 20].mean()))
    r.check("the video track is the composite: F's tile is red",
            measured is not None and yuv_close(measured, COLOURS["A"], 12),
            f"{len(raw)} bytes, centre {measured}")
    return f


def missing_font(r, args):
    """A caption_font that is not there: Janus runs without the plugin and says why."""
    config = 'general: {\n\tcaption_font = "/nonexistent/caption.ttf"\n}\n'
    janus = JanusProcess([args.plugin], {f"{PACKAGE}.jcfg": config},
                         env=sanitizer_env(args.plugin) if args.sanitized else None)
    try:
        janus.start()
        plugins = (janus.info() or {}).get("plugins", {})
        with open(janus.log_path, errors="replace") as fh:
            said = [line.strip() for line in fh if "caption_font" in line]
        r.check("caption_font missing: the plugin is not loaded and the log says why",
                PACKAGE not in plugins and any("/nonexistent/caption.ttf" in line for line in said),
                f"loaded: {PACKAGE in plugins}; log: {said}")
    except Exception as e:  # noqa: BLE001 - any crash is one failed check
        r.check("caption_font missing: Janus runs and says why", False, f"{type(e).__name__}: {e}")
    finally:
        janus.cleanup()


def inner(args):
    signal.signal(signal.SIGTERM, raise_system_exit)
    r = Results()
    png_dir = tempfile.mkdtemp(prefix="video-conference-frames-")
    t0 = time.monotonic()
    try:
        run_janus_scenario(r, args, {}, lambda janus: scenario(r, janus, png_dir),
                           INNER_TIMEOUT_SECONDS - 30, session_timeout=SESSION_TIMEOUT_SECONDS)
        missing_font(r, args)
    finally:
        if not os.listdir(png_dir):
            os.rmdir(png_dir)
        else:
            r.info(f"received frames of failed checks kept in {png_dir}")
    r.info(f"total {time.monotonic() - t0:.1f} s")
    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    return 1 if r.failed else 0


def main():
    return plugin_test_main(__doc__, __file__, inner, INNER_TIMEOUT_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
