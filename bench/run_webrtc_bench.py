#!/usr/bin/python3
"""WebRTC benchmark: janus.plugin.conference, Janus' AudioBridge and Janus' EchoTest (the
floor: what terminating N WebRTC peers costs Janus with no mixing at all), side by side.

    /usr/bin/python3 bench/run_webrtc_bench.py              # N in {20, 50, 100, 200}
    /usr/bin/python3 bench/run_webrtc_bench.py --quick      # N in {10, 20}, short windows
    /usr/bin/python3 bench/run_webrtc_bench.py --sizes 100 --seconds 20

ONE Janus with all three plugins, pinned to CPU 0; the load generator
(build/bench/webrtc-load/webrtc_load: pion peers on one UDP socket, NACK and RTCP reports,
3 talkers sending pre-encoded speech, the rest silence) on CPU 1. For each N each plugin in
turn, with RFC 6464 audio levels and without; then our plugin and EchoTest again in a fresh
Janus for each further `webrtc_audio_relay` mode (--relay, default outbox,tick: the mix relayed
from the listener's own loop thread, or from the mixer's); then a second Janus with
`event_loops` (--event-loops, a fixed pool of loops instead of a thread per handle) with levels.
--rounds R repeats the relay modes R times, alternating, to compare them on a noisy machine. Needs root:
it runs inside a network namespace it creates. Writes bench/RESULTS-webrtc.md and .json (also
printed), with the machine's load average at each run. Exits non-zero only when something
broke (a generator run failed, Janus died during a run of ours).
"""

import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from bench_host import cpu_model  # noqa: E402
from janus_harness import (JANUS_LIB_DIR, JanusProcess, local_ipv4_addresses,  # noqa: E402
                           netns_main)
from run_audio_bench import (MIN_DELIVERY, Broken, bench_parser, complete_args,  # noqa: E402
                             janus_status, run_bench, settle, start_pinned)

OURS, AUDIOBRIDGE, ECHOTEST = "conference", "audiobridge", "echotest"
PLUGINS = (OURS, AUDIOBRIDGE, ECHOTEST)
SHORT = {OURS: "conference (ours)", AUDIOBRIDGE: "audiobridge", ECHOTEST: "echotest (floor)"}
PACKAGE = {p: f"janus.plugin.{p}" for p in PLUGINS}
STOCK = [f"{JANUS_LIB_DIR}/plugins/libjanus_audiobridge.so",
         f"{JANUS_LIB_DIR}/plugins/libjanus_echotest.so"]
SIZES = (20, 50, 100, 200)
QUICK_SIZES = (10, 20)
TALKERS = 3
REFERENCE_N = 100
SHARE_TARGET = 0.25       # our share ≤ ¼ of AudioBridge's
FLOOR_TARGET = 1.5        # our total ≤ 1.5× the EchoTest floor
FLOOR_MOONSHOT = 1.25


class Runner:
    """One Janus with the three plugins (run_bench() starts it; measure() restarts it with
    event_loops) and the generator's runs against it."""

    def __init__(self, args):
        self.args = args
        self.janus = None
        self.info = {}
        self.event_loops = 0
        self.relay = args.relay[0]
        self.janus_count = 0  # which Janus a row ran in: floors pair with rows of the same one
        self.pinned = (os.cpu_count() or 1) >= 2
        self.addresses = local_ipv4_addresses()
        self.crashes = []  # (package, N, Janus log tail), as run_bench() expects

    def start_janus(self):
        if self.janus is not None:
            self.janus.cleanup()
        config = {f"{PACKAGE[OURS]}.jcfg": f'general: {{ webrtc_audio_relay = "{self.relay}" }}\n'}
        self.janus = JanusProcess([self.args.plugin] + STOCK, config, debug_level=3,
                                  session_timeout=60, interface=self.addresses[0],
                                  event_loops=self.event_loops)
        self.janus_count += 1
        self.info = start_pinned(self.janus, self.pinned, PACKAGE.values())

    def run(self, plugin, n, levels):
        event_loops = self.event_loops
        argv = [self.args.loadgen, "-janus", self.janus.url, "-plugin", plugin,
                "-bind", self.addresses[1], "-peers", str(n), "-talkers", str(min(TALKERS, n)),
                "-seconds", str(self.args.seconds), "-warmup", str(self.args.warmup),
                "-janus-pid", str(self.janus.pid), f"-audio-levels={str(levels).lower()}"]
        idle_rss, idle_threads = janus_status(self.janus.pid)
        relay0 = self.relay_counters() if plugin == OURS else None
        load = os.getloadavg()
        before = os.times()
        started = time.monotonic()
        try:
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, timeout=120 + n + self.args.seconds + self.args.warmup)
        except subprocess.TimeoutExpired as e:
            raise Broken(f"{SHORT[plugin]} N={n}: no result within {e.timeout:.0f} s") from e
        wall = time.monotonic() - started
        after = os.times()
        label = (f"{SHORT[plugin]} N={n} levels={'on' if levels else 'off'} loops={event_loops}"
                 f" relay={self.relay}")
        if not self.janus.alive():
            self.crashes.append((PACKAGE[plugin], n, self.janus.log_tail(15)))
            print(f"  Janus died during {label}; restarting it", flush=True)
            self.start_janus()
            return None
        if proc.returncode != 0:
            raise Broken(f"{label}: generator exited {proc.returncode}: {proc.stderr.strip()}\n"
                         f"Janus log tail:\n{self.janus.log_tail()}")
        r = json.loads(proc.stdout)
        del r["peers"]
        if relay0 is not None:
            relay1 = self.relay_counters()
            sent = relay1[0] - relay0[0]
            # How long the mix waited in the outboxes: the latency the outbox adds.
            r["outbox_wait_ms"] = (relay1[1] - relay0[1]) / sent / 1000 if sent else None
        r.update(plugin=plugin, event_loops=event_loops, relay=self.relay, janus=self.janus_count,
                 load_average=load,
                 janus_idle={"rss_kb": idle_rss, "threads": idle_threads},
                 loadgen_cpu_percent=100.0 * ((after.children_user - before.children_user)
                                              + (after.children_system - before.children_system))
                 / wall)
        print(f"  {label:<50} {summary(r)}", flush=True)
        settle(self.janus, limit_s=30.0)
        return r

    def relay_counters(self):
        """(mix packets sent through outboxes, microseconds they waited there) so far."""
        s = self.janus.admin_message(PACKAGE[OURS], {"request": "stats"})["webrtc_relay"]
        n = s["drained"] + s["overdue"]
        return n, s["mean_wait_us"] * n

    def table(self, level_modes, plugins=PLUGINS):
        rows = []
        print(f"Janus with event_loops = {self.event_loops or 'default'}, webrtc_audio_relay = "
              f"{self.relay}:", flush=True)
        for i, n in enumerate(self.args.sizes):
            for levels in level_modes:
                # Rotate the order so slow drifts of the machine favour no plugin.
                k = i % len(plugins)
                order = plugins[k:] + plugins[:k]
                for plugin in order:
                    r = self.run(plugin, n, levels)
                    if r is not None:
                        rows.append(r)
        return rows


def per_ps(r):
    return r.get("cpu", {}).get("ms_per_participant_per_s", float("nan"))


def summary(r):
    b, d = r["bursts"], r["delivery"]
    return (f"CPU {r['cpu']['percent_of_core']:5.1f} % {per_ps(r):.3f} ms/p/s  sleeps "
            f"{r.get('janus_sleeps_per_s', float('nan')):.0f}/s  delivery "
            f"{100 * d['ratio']:.2f} % (min {100 * d['min_ratio']:.1f}, "
            f"{r['not_connected']} not connected)  bursts "
            f"{b['detected']}/{b['expected']} {b['latency_ms_median']:.1f} ms"
            + (f" (outbox {r['outbox_wait_ms']:.1f} ms)" if r.get("outbox_wait_ms") else "")
            + f"  threads "
            f"{r['janus_at_window_end']['threads']}  loadgen {r['loadgen_cpu_percent']:.0f} % "
            f"lag {r['loadgen']['max_send_lag_us'] / 1000:.1f} ms  load {r['load_average'][0]:.1f}")


def find(rows, plugin, n, levels, loops, relay=None, janus=None):
    """The first row that matches; relay and janus (the Janus it ran in) where given, else
    the first of any (AudioBridge runs only in the first relay mode's Janus)."""
    match = [r for r in rows if r["plugin"] == plugin and r["participants"] == n
             and r["audio_levels"] == levels and r["event_loops"] == loops]
    for key, value in (("janus", janus), ("relay", relay)):
        same = [r for r in match if r.get(key) == value]
        if same:
            return same[0]
    return match[0] if match else None


def floor_of(rows, r):
    """The EchoTest floor of the same N and settings, from the same Janus where it ran."""
    return find(rows, ECHOTEST, r["participants"], r["audio_levels"], r["event_loops"],
                r.get("relay"), r.get("janus"))


def share(rows, r):
    """CPU per participant-second above the EchoTest floor of the same N and settings."""
    floor = floor_of(rows, r)
    return per_ps(r) - per_ps(floor) if floor else float("nan")


def table_lines(rows):
    out = ["| plugin | N | levels | event_loops | relay | Janus CPU % of one core | CPU ms per "
           "participant-second | share above the floor | × floor | Janus thread sleeps/s | "
           "delivery % (min) | "
           "bursts | added latency median / p95 ms | Janus threads (idle) | Janus RSS MB "
           "(idle) | generator CPU % / max lag ms | load avg (1 min) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        floor = floor_of(rows, r)
        ratio = per_ps(r) / per_ps(floor) if floor and per_ps(floor) > 0 else float("nan")
        d, b, end, idle = r["delivery"], r["bursts"], r["janus_at_window_end"], r["janus_idle"]
        out.append(
            f"| {SHORT[r['plugin']]} | {r['participants']} | {'on' if r['audio_levels'] else 'off'}"
            f" | {r['event_loops'] or 'default'} | {r['relay'] if r['plugin'] == OURS else ''}"
            f" | {r['cpu']['percent_of_core']:.1f} | "
            f"{per_ps(r):.2f} | {share(rows, r):.2f} | {ratio:.2f} | "
            f"{r.get('janus_sleeps_per_s', float('nan')):.0f} | "
            f"{100 * d['ratio']:.2f} ({100 * d['min_ratio']:.1f})"
            + (f", {r['not_connected']} not connected" if r["not_connected"] else "")
            + f" | {b['detected']}/{b['expected']} | {b['latency_ms_median']:.1f} / "
            f"{b['latency_ms_p95']:.1f}"
            + (f" (outbox {r['outbox_wait_ms']:.1f})" if r.get("outbox_wait_ms") else "")
            + f" | {end['threads']} ({idle['threads']}) | "
            f"{end['rss_kb'] / 1024:.0f} ({idle['rss_kb'] / 1024:.0f}) | "
            f"{r['loadgen_cpu_percent']:.0f} / {r['loadgen']['max_send_lag_us'] / 1000:.1f} | "
            f"{r['load_average'][0]:.1f} |")
    return out


def verdicts(rows, n):
    lines = []
    for loops, relay in sorted({(r["event_loops"], r["relay"]) for r in rows}):
        ours = find(rows, OURS, n, True, loops, relay)
        if not ours or ours["relay"] != relay:
            continue
        ab, floor = find(rows, AUDIOBRIDGE, n, True, loops, relay), floor_of(rows, ours)
        if not (ab and floor):
            continue
        setting = (f"event_loops = {loops}" if loops else "Janus' defaults") + f", relay {relay}"
        o, a = share(rows, ours), share(rows, ab)
        saturated = ab["delivery"]["ratio"] < MIN_DELIVERY
        lines.append(f"* N={n}, levels on, {setting}: our share {o:.2f} ms/p/s, AudioBridge's "
                     f"{a:.2f} ms/p/s, ratio {o / a:.2f} (target ≤ {SHARE_TARGET}): "
                     f"**{'met' if o <= SHARE_TARGET * a else 'not met'}**"
                     + (f" (AudioBridge saturated its core and delivered "
                        f"{100 * ab['delivery']['ratio']:.0f} %: its share is a lower bound, "
                        "the ratio an upper bound)" if saturated else ""))
        x = per_ps(ours) / per_ps(floor)
        lines.append(f"* N={n}, levels on, {setting}: our total {per_ps(ours):.2f} ms/p/s, the "
                     f"EchoTest floor {per_ps(floor):.2f} ms/p/s: {x:.2f}× (target ≤ "
                     f"{FLOOR_TARGET}×: **{'met' if x <= FLOOR_TARGET else 'not met'}**; "
                     f"moonshot ≤ {FLOOR_MOONSHOT}×: "
                     f"**{'met' if x <= FLOOR_MOONSHOT else 'not met'}**)")
    return lines


def write_results(args, info, rows, crashes, started, event_loops):
    relays = " and ".join(f"`{m}`" for m in args.relay)
    loads = [r["load_average"][0] for r in rows]
    lines = [
        "# WebRTC benchmark results",
        "",
        f"* Date: {started.strftime('%Y-%m-%d %H:%M %Z').strip()}",
        f"* Machine: {os.cpu_count()} CPUs ({cpu_model()}), kernel {platform.release()}; "
        f"load average (1 min) at the runs' start {min(loads, default=0):.1f}–"
        f"{max(loads, default=0):.1f} (other work shared the machine: CPU time is Janus' own, "
        "but a busy machine slows everything)",
        f"* Janus {info.get('version_string', '?')}; our plugin, AudioBridge and EchoTest in the "
        "same Janus process, "
        + ("pinned to CPU 0 (load generator on CPU 1)" if (os.cpu_count() or 1) >= 2
           else "not pinned")
        + (f"; our plugin and EchoTest again in a fresh Janus for each `webrtc_audio_relay` "
           f"mode after the first ({relays}; AudioBridge's share is from the first)"
           if len(args.relay) > 1 else f"; `webrtc_audio_relay = {args.relay[0]}`")
        + (f"; then a fresh Janus with `event_loops = {event_loops}` (relay "
           f"`{args.relay[0]}`)" if event_loops else ""),
        f"* WebRTC peers from one pion process on one UDP socket (DTLS-SRTP, NACK, RTCP "
        f"reports), {TALKERS} talkers sending pre-encoded speech (talker 0 a 3 kHz marker burst "
        f"every 2 s), the rest Opus silence; {args.seconds:g} s window after {args.warmup:g} s "
        f"warm-up; command: `/usr/bin/python3 bench/run_webrtc_bench.py"
        f"{' --quick' if args.quick else ''}`; relay: which thread sends a WebRTC listener "
        "its mix (`outbox`: the listener's own Janus loop thread, `tick`: the mixer's)",
        "* Share above the floor: our or AudioBridge's CPU per participant-second minus "
        "EchoTest's at the same N and settings; × floor: total over EchoTest's. Added latency: "
        "marker onset in a listener's decoded audio (EchoTest: in talker 0's own echo) minus "
        "its send time; (outbox): the mean time the mix waited in the outboxes, part of it. "
        "Threads and RSS: Janus at the window's end (idle before the run). "
        "Sleeps: voluntary context switches of Janus' threads per second in the window, each "
        "a wake-up (robust to other load, unlike CPU time)",
        "",
    ] + table_lines(rows)
    if crashes:
        lines += ["", "Janus crashed (and was restarted) during: "
                  + ", ".join(f"{p} N={n}" for p, n, _ in crashes)]
    v = verdicts(rows, REFERENCE_N if REFERENCE_N in args.sizes else max(args.sizes))
    if v:
        lines += ["", "Targets:", ""] + v
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as fh:
        fh.write(text)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as fh:
        json.dump({"table": rows, "crashes": crashes}, fh, indent=1)
    return text


def main():
    parser = bench_parser(__doc__, "RESULTS-webrtc.md", "N in {10, 20}, short windows",
                          loadgen=os.path.join("bench", "webrtc-load", "webrtc_load"))
    parser.add_argument("--sizes", type=lambda s: tuple(int(x) for x in s.split(",")),
                        help="comma-separated N (default 20,50,100,200)")
    parser.add_argument("--event-loops", type=int, default=1,
                        help="the second Janus' event_loops (default 1: one per core it has); "
                             "0 skips it")
    parser.add_argument("--relay", type=lambda s: s.split(","), default=["outbox", "tick"],
                        help="webrtc_audio_relay modes of our plugin, each in its own Janus "
                             "(default outbox,tick; the first also for AudioBridge and "
                             "event_loops)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the relay modes this many times, alternating (default 1)")
    parser.add_argument("--levels-only", action="store_true",
                        help="only the runs with audio levels (for comparing relay modes quickly)")
    parser.add_argument("--no-audiobridge", action="store_true",
                        help="skip AudioBridge (for comparing relay modes quickly)")

    def measure(runner, started):
        args = runner.args
        rows = []
        first = PLUGINS if not args.no_audiobridge else (OURS, ECHOTEST)
        for i in range(args.rounds * len(args.relay)):
            relay = args.relay[i % len(args.relay)]
            if i > 0:
                runner.relay = relay
                runner.start_janus()
            level_modes = (True,) if args.levels_only else (True, False)
            rows += runner.table(level_modes, first if i == 0 else (OURS, ECHOTEST))
        if args.event_loops:
            runner.event_loops = args.event_loops
            runner.relay = args.relay[0]
            runner.start_janus()
            rows += runner.table((True,))
        return write_results(args, runner.info, rows, runner.crashes, started, args.event_loops)

    def inner(args):
        if complete_args(args) is None:
            return 2
        args.sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
        return run_bench(args, measure, Runner)
    return netns_main(parser, __file__, inner, 3600)


if __name__ == "__main__":
    sys.exit(main())
