#!/usr/bin/python3
"""Many small rooms: janus.plugin.conference against Janus' AudioBridge.

    /usr/bin/python3 bench/run_rooms_bench.py [--plugin build/janus-plugin/libjanus_conference.so]
    /usr/bin/python3 bench/run_rooms_bench.py --quick      # smoke run: 2 and 5 rooms, no search
    /usr/bin/python3 bench/run_rooms_bench.py --rooms 60 --repeat 3 [--only ours]  # fixed count
    /usr/bin/python3 bench/run_rooms_bench.py --idle-rooms 500 --out /tmp/idle.md    # idle rooms

With --idle-rooms N, each plugin gets N rooms with nobody in them (created through the Admin
API) and the run reports what one idle room costs Janus: memory, threads and CPU.

With --rooms, each plugin (or only ours / only AudioBridge) runs at those room counts, --repeat
times each, with no search: Janus' CPU time per room-second at a fixed load, steadier than the
search on a shared machine.

What a deployment with many small conferences hits: R rooms of 4 plain-RTP participants, one
talking, three silent, all at once. ONE Janus with both plugins (pinned to CPU 0, the load
generator to CPU 1, as in run_audio_bench.py); for each R each plugin in turn, then a search
for each plugin's largest R sustained on that one core: at least 99 % delivered and, for ours,
no missed tick. Reports Janus CPU, memory and threads per room, and the added latency of
marker bursts (measured in the first room and in one of the last). Writes
bench/RESULTS-rooms.md (also printed). Exits non-zero only when something broke.
"""

import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_host import cpu_model  # noqa: E402
from run_audio_bench import (AUDIOBRIDGE, LATENCY_TARGET_MS, OURS, SHORT,  # noqa: E402
                             bench_args, cpu_fields, janus_status, run_bench, search_largest,
                             search_tables, settle, starved, sustained)

PER_ROOM = 4
TALKERS = 1
ROOMS = (10, 25, 50, 100)
QUICK_ROOMS = (2, 5)
SEARCH_CAP = 400          # 1,600 participants: beyond it the load generator's core is the limit
ROOMS_TARGET_RATIO = 10   # the goal: at least 10x AudioBridge's room count


def run(bench, plugin, rooms):
    # The lone talker pauses within the mixer's silence tail, so the listeners' mix never
    # stops; the talker's own mix is silence and is not counted as delivery.
    return bench.run(plugin, PER_ROOM, rooms=rooms, talkers=TALKERS, extra=("--short-pauses",))


def per_room(r):
    end, idle = r.get("janus_at_window_end"), r["janus_idle"]
    if not end:
        return float("nan"), float("nan")
    return ((end["rss_kb"] - idle["rss_kb"]) / r["rooms"],
            (end["threads"] - idle["threads"]) / r["rooms"])


def row(r):
    pct, per = cpu_fields(r)
    d, b, m = r["delivery"], r["bursts"], r.get("mixer")
    kb, threads = per_room(r)
    ticks = (f"{m['late_ticks']} / {m['missed_ticks']}" if m
             else "unknown" if r["plugin"] == OURS else "n/a")
    return (f"| {SHORT[r['plugin']]} | {r['rooms']} | {pct:.1f} | {per:.3f} | "
            f"{100 * d['ratio']:.2f} ({100 * d['min_ratio']:.1f}) | {ticks} | "
            f"{b['latency_ms_median']:.1f} / {b['latency_ms_p95']:.1f} | "
            f"{b['detected']}/{b['expected']} | {kb:.0f} | {threads:.2f} | "
            f"{r['loadgen_cpu_percent']:.0f} / {r['loadgen']['max_send_lag_us'] / 1000:.1f}"
            f"{' ⚠' if starved(r) else ''} |")


def table(rows):
    return ["| plugin | rooms | Janus CPU % of one core | CPU ms per participant per s | "
            "delivery % (min participant) | late / missed ticks | burst latency median / p95 ms "
            "| bursts detected | Janus RSS kB per room | Janus threads per room | "
            "load gen CPU % / max send lag ms |",
            "|---|---|---|---|---|---|---|---|---|---|---|"] + [row(r) for r in rows]


def search(bench, plugin, rows):
    found = search_largest({r["rooms"]: sustained(r) for r in rows if r["plugin"] == plugin},
                           lambda rooms: run(bench, plugin, rooms), SEARCH_CAP, first=2, gap=2)
    return {"plugin": plugin, **found}


def verdicts(rows, searches):
    lines = []
    s = {x["plugin"]: x for x in searches}
    if OURS in s and AUDIOBRIDGE in s:
        o, a = s[OURS], s[AUDIOBRIDGE]
        met = a["largest"] > 0 and o["largest"] >= ROOMS_TARGET_RATIO * a["largest"]
        ratio = f"{o['largest'] / a['largest']:.1f}×" if a["largest"] else "n/a"
        lines.append(
            f"* Most {PER_ROOM}-participant rooms sustained on one core: ours "
            f"{'≥ ' if o['capped'] else ''}{o['largest']}, AudioBridge "
            f"{'≥ ' if a['capped'] else ''}{a['largest']} ({ratio}; goal ≥ "
            f"{ROOMS_TARGET_RATIO}×): **{'met' if met else 'not met'}**"
            + (" (ours stopped at the load generator's cap: the true ratio is at least this)"
               if o["capped"] else ""))
        at = next((p for p in sorted(o["probes"] + [r for r in rows if r["plugin"] == OURS],
                                     key=lambda r: -r["rooms"])
                   if p["rooms"] == o["largest"] and sustained(p)), None)
        if at:
            lat = at["bursts"]["latency_ms_median"]
            lines.append(f"* Our added latency at that load ({at['rooms']} rooms): median "
                         f"{lat:.1f} "
                         f"ms, p95 {at['bursts']['latency_ms_p95']:.1f} ms (goal ≤ "
                         f"{LATENCY_TARGET_MS:.0f} ms): "
                         f"**{'met' if lat <= LATENCY_TARGET_MS else 'not met'}**")
    return lines


def idle_rooms(bench, plugin, count, window_s=5.0):
    """What `count` rooms with nobody in them cost Janus, per room: RSS kB, threads, and CPU
    ms per second over `window_s`; the rooms are destroyed afterwards."""
    janus = bench.janus
    rss, threads = janus_status(janus.pid)
    ids = [900000 + i for i in range(count)]
    for room in ids:
        janus.admin_message(plugin, {"request": "create", "room": room, "sampling_rate": 48000})
    time.sleep(1.0)
    cpu = janus.cpu_seconds()
    time.sleep(window_s)
    cpu = janus.cpu_seconds() - cpu
    rss_after, threads_after = janus_status(janus.pid)
    for room in ids:
        janus.admin_message(plugin, {"request": "destroy", "room": room})
    settle(janus)
    return (f"| {SHORT[plugin]} | {count} | {(rss_after - rss) / count:.1f} | "
            f"{(threads_after - threads) / count:.2f} | {1000 * cpu / window_s / count:.3f} |")


def command(args):
    flags = " --quick" if args.quick else ""
    if args.rooms:
        flags += "".join(f" --rooms {r}" for r in args.rooms)
        flags += f" --repeat {args.repeat}" if args.repeat > 1 else ""
        flags += f" --only {args.only}" if args.only else ""
    return f"`/usr/bin/python3 bench/run_rooms_bench.py{flags}`"


def write_results(path, info, rows, searches, args, started, timeouts):
    lines = [
        "# Many small rooms: benchmark results",
        "",
        f"* Date: {started.strftime('%Y-%m-%d %H:%M %Z').strip()}",
        f"* Machine: {os.cpu_count()} CPUs ({cpu_model()}), kernel {platform.release()}",
        f"* Janus {info.get('version_string', '?')}; both plugins in the same Janus process, "
        + ("pinned to CPU 0 (load generator on CPU 1)" if (os.cpu_count() or 1) >= 2
           else "not pinned")
        + "; our plugin with its default tick threads (one per CPU Janus may use)",
        f"* Rooms of {PER_ROOM} plain-RTP participants, {TALKERS} talking, the rest silent; "
        f"{args.seconds:g} s window after {args.warmup:g} s warm-up; command: {command(args)}",
        "* Memory and threads per room: Janus' figure at the end of the measurement window minus "
        "its idle figure before the run, over the number of rooms (participants included)",
        "",
    ] + table(rows)
    if args.rooms:
        lines += ["", "Janus CPU ms per room-second (" + ", ".join(
            f"{SHORT[r['plugin']]} {r['rooms']}: {4 * cpu_fields(r)[1]:.2f}" for r in rows) + ")"]
    if searches:
        lines += search_tables(searches, "Most rooms", "most rooms sustained", "rooms", table)
    if timeouts:
        lines += ["", "No result within the load generator's time limit (overloaded; counted "
                  "as not sustained): " + ", ".join(f"{SHORT[p]} {label}" for p, label in timeouts)]
    if searches:
        lines += ["", "Targets:", ""] + verdicts(rows, searches)
    text = "\n".join(lines) + "\n"
    with open(path, "w") as fh:
        fh.write(text)
    return text


def main():
    def add_arguments(parser):
        parser.add_argument("--rooms", type=int, action="append",
                            help="a fixed room count (repeatable): no search")
        parser.add_argument("--repeat", type=int, default=1, help="runs per fixed room count")
        parser.add_argument("--only", choices=("ours", "audiobridge"))
        parser.add_argument("--idle-rooms", type=int,
                            help="only measure this many rooms with nobody in them")

    args = bench_args(__doc__, "RESULTS-rooms.md", "smoke run: 2 and 5 rooms, no search",
                      add_arguments)
    if args is None:
        return 2
    plugins = {"ours": (OURS,), "audiobridge": (AUDIOBRIDGE,)}.get(args.only,
                                                                   (OURS, AUDIOBRIDGE))

    def measure_idle(bench, started):
        lines = ["# Idle rooms", "", f"* Date: {started.strftime('%Y-%m-%d %H:%M %Z').strip()}",
                 f"* Janus {bench.info.get('version_string', '?')}, both plugins, pinned to "
                 "CPU 0; rooms created through the Admin API, nobody in them", "",
                 "| plugin | idle rooms | Janus RSS kB per room | Janus threads per room | "
                 "Janus CPU ms per room per s |", "|---|---|---|---|---|"]
        lines += [idle_rooms(bench, p, args.idle_rooms) for p in plugins]
        text = "\n".join(lines) + "\n"
        with open(args.out, "w") as fh:
            fh.write(text)
        return text

    def measure(bench, started):
        if args.idle_rooms:
            return measure_idle(bench, started)
        rows = []
        print(f"Janus pid {bench.janus.pid}", flush=True)
        counts = args.rooms or (QUICK_ROOMS if args.quick else ROOMS)
        for i, rooms in enumerate([r for r in counts for _ in range(max(args.repeat, 1))]):
            for plugin in (plugins if i % 2 == 0 else plugins[::-1]):
                report = run(bench, plugin, rooms)
                if report is not None:
                    rows.append(report)
        searches = ([] if args.quick or args.rooms
                    else [search(bench, p, rows) for p in plugins])
        return write_results(args.out, bench.info, rows, searches, args, started, bench.timeouts)

    return run_bench(args, measure)


if __name__ == "__main__":
    sys.exit(main())
