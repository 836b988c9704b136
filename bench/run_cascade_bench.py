#!/usr/bin/python3
"""Latency a cascade hop adds: two Janus processes with the plugin, a room on each,
joined by a link (tests/integration/cascade.py).

A plain-RTP talker on instance A sends silence with a short marker burst (a tone)
every second; a listener on A (same instance) and a listener on B (one hop across
the link) note when each burst's first loud frame arrives. Per burst:
  same instance = listener A's arrival - the burst's send time
  across a hop  = listener B's arrival - the burst's send time
  per hop       = listener B's arrival - listener A's arrival
Both listeners are in this process, so the per-hop figure is free of the talker's
own pacing. Prints a Markdown table (median / p95 / max in ms) and the load.

  /usr/bin/python3 bench/run_cascade_bench.py --plugin build/janus-plugin/libjanus_conference.so
"""

import argparse
import asyncio
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from cascade import PACKAGE, ROOM, Admin, create_room, link_rooms, start_instance  # noqa: E402
from janus_harness import FRAME_SAMPLES, SAMPLE_RATE, PlainRtpPeer, tone_samples  # noqa: E402

MARKER_HZ = 1500.0
BURST_S = 0.1
PERIOD_S = 1.0
ONSET_RMS = 0.05  # a decoded frame this loud is the burst (the rest is silence)
QUIET_S = 0.4  # quiet before an onset, so one burst counts once


class BurstTalker(PlainRtpPeer):
    """Silence with a marker tone burst every PERIOD_S; notes each burst's send time."""

    def __init__(self, url, bursts):
        super().__init__(url, PACKAGE, ROOM, "burst talker")
        self.bursts = bursts
        self.sent_at = []

    def next_samples(self, start):
        frame_no = start // FRAME_SAMPLES
        frames_per_period = int(PERIOD_S * SAMPLE_RATE / FRAME_SAMPLES)
        in_period = frame_no % frames_per_period
        burst_no = frame_no // frames_per_period
        burst_frames = int(BURST_S * SAMPLE_RATE / FRAME_SAMPLES)
        loud = 0 < burst_no <= self.bursts and in_period < burst_frames
        if loud and in_period == 0:
            self.sent_at.append(time.monotonic())
        return tone_samples(MARKER_HZ if loud else None, start, FRAME_SAMPLES)


class OnsetRecorder:
    """Stands in for a peer's Recorder: the arrival time of each burst's first loud frame."""

    def __init__(self):
        self.onsets = []
        self._last_loud = -1e9

    since = 0.0  # no mark: everything that arrived counts

    def add(self, samples, arrived=None):
        # The peer decodes late (when drained), so the kernel's arrival time (wall clock) is
        # the onset, moved onto the monotonic clock of the talker's send times.
        now = time.monotonic()
        if arrived is not None:
            now -= time.time() - arrived
        if float(np.sqrt(np.mean(np.square(samples)))) < ONSET_RMS:
            return
        if now - self._last_loud > QUIET_S:
            self.onsets.append(now)
        self._last_loud = now

    def mark(self):
        pass


def match(sends, arrivals):
    """Per send time, the first arrival within a period after it (None if none)."""
    out = []
    for s in sends:
        later = [a for a in arrivals if s <= a < s + PERIOD_S * 0.9]
        out.append(later[0] if later else None)
    return out


def stats(values):
    v = np.asarray(values) * 1000.0
    return f"{np.median(v):.1f} | {np.percentile(v, 95):.1f} | {v.max():.1f}"


async def run(args, a, b):
    admin_a = await Admin(a.url).open()
    admin_b = await Admin(b.url).open()
    await create_room(admin_a)
    await create_room(admin_b)
    await link_rooms(a.url, b.url)
    talker = BurstTalker(a.url, args.bursts)
    near = PlainRtpPeer(a.url, PACKAGE, ROOM, "listener A")
    far = PlainRtpPeer(b.url, PACKAGE, ROOM, "listener B")
    near.recorder = OnsetRecorder()
    far.recorder = OnsetRecorder()
    for p in (near, far, talker):
        await p.join()
    load_before = os.getloadavg()
    cpu_a0, cpu_b0 = a.cpu_seconds(), b.cpu_seconds()
    for _ in range(args.bursts + 2):
        await asyncio.sleep(PERIOD_S)
        for p in (near, far):
            p._decode_pending()
    load_after = os.getloadavg()
    cpu_a, cpu_b = a.cpu_seconds() - cpu_a0, b.cpu_seconds() - cpu_b0
    near_at = match(talker.sent_at, near.recorder.onsets)
    far_at = match(talker.sent_at, far.recorder.onsets)
    rows = [(s, n, f) for s, n, f in zip(talker.sent_at, near_at, far_at)
            if n is not None and f is not None]
    for p in (talker, near, far):
        await p.close()
    for adm in (admin_a, admin_b):
        await asyncio.to_thread(adm.client.destroy)
    if not rows:
        print("no burst arrived at both listeners", flush=True)
        return 1
    print(f"bursts sent {len(talker.sent_at)}, detected on both sides {len(rows)}")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} "
          f"({os.cpu_count()} cores); Janus CPU over the run: A {cpu_a:.1f} s, B {cpu_b:.1f} s")
    print("| path | median ms | p95 ms | max ms |\n|---|---|---|---|")
    print(f"| talker -> listener, same instance | {stats([n - s for s, n, f in rows])} |")
    print(f"| talker -> listener, across one link | {stats([f - s for s, n, f in rows])} |")
    print(f"| added by the hop (B - A arrival) | {stats([f - n for s, n, f in rows])} |")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--bursts", type=int, default=60)
    args = parser.parse_args()
    a = start_instance(args.plugin, "10000-14999")
    b = start_instance(args.plugin, "15000-19999")
    try:
        return asyncio.run(run(args, a, b))
    finally:
        a.cleanup()
        b.cleanup()


if __name__ == "__main__":
    sys.exit(main())
