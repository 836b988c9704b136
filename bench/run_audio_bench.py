#!/usr/bin/python3
"""Audio benchmark: janus.plugin.conference against Janus' AudioBridge.

    /usr/bin/python3 bench/run_audio_bench.py [--plugin build/janus-plugin/libjanus_conference.so]
    /usr/bin/python3 bench/run_audio_bench.py --quick      # CI smoke run: small N, no search

Starts ONE Janus with both plugins (Janus pinned to CPU 0, the load generator to
CPU 1), runs build/bench/conference_loadgen for each room size against each
plugin in turn, then searches each plugin's largest sustained room, and writes
bench/RESULTS.md (also printed). Exits non-zero only when something broke (a
load generator run failed, Janus died, a participant got no audio at all), not
for missed targets.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from bench_host import cpu_model, raise_priority, restore_priority  # noqa: E402
from janus_harness import JANUS_LIB_DIR, JanusProcess  # noqa: E402

OURS = "janus.plugin.conference"
AUDIOBRIDGE = "janus.plugin.audiobridge"
AUDIOBRIDGE_LIB = f"{JANUS_LIB_DIR}/plugins/libjanus_audiobridge.so"
SHORT = {OURS: "conference (ours)", AUDIOBRIDGE: "audiobridge"}

SIZES = (10, 50, 100, 200, 400)
QUICK_SIZES = (3, 10)
TALKERS = 3
REFERENCE_N = 100           # the size the CPU and latency targets are judged at
SEARCH_CAP = 1600           # beyond this the load generator's own core is the limit
SEARCH_MAX_PROBES = 7       # per plugin
MIN_DELIVERY = 0.99
LATENCY_TARGET_MS = 40.0
DURATION_TOLERANCE_MS = 7.5  # three 2.5 ms analysis blocks
ENERGY_TOLERANCE_DB = 1.0    # a clipped 20 ms of a 200 ms burst is about -0.5 dB
STARVED_LAG_MS = 50.0        # the load generator itself fell this far behind its schedule
NICE = -10                   # ahead of unrelated work sharing the machine

# Disjoint plain-RTP port ranges; both plugins announce 127.0.0.1.
PLUGIN_CONFIGS = {
    "janus.plugin.conference.jcfg":
        # max_rooms above any room count the rooms search probes (the plugin's default is 100).
        'general: {\n    local_ip = "127.0.0.1"\n    rtp_port_range = "30000-39999"\n'
        '    max_rooms = 2000\n}\n',
    "janus.plugin.audiobridge.jcfg":
        'general: {\n    local_ip = "127.0.0.1"\n    rtp_port_range = "40000-49999"\n}\n',
}


class Broken(Exception):
    """Something failed that a benchmark run must not fail on."""


def raise_fd_limit():
    """Both Janus and the load generator hold one UDP socket per participant."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Bench:
    def __init__(self, args):
        self.args = args
        self.janus = None
        self.info = {}
        self.pinned = (os.cpu_count() or 1) >= 2
        self.crashes = []  # (plugin, N, Janus log tail) of runs during which Janus died
        self.timeouts = []  # (plugin, label) of runs that gave no result in time

    # ------------------------------------------------------------------ Janus

    def start_janus(self):
        if self.janus is not None:
            self.janus.cleanup()
        self.janus = JanusProcess([self.args.plugin, AUDIOBRIDGE_LIB],
                                  plugin_configs=PLUGIN_CONFIGS, debug_level=3,
                                  session_timeout=60)
        self.info = start_pinned(self.janus, self.pinned, (OURS, AUDIOBRIDGE))
        return self.info

    def janus_died(self, plugin, n):
        """Record a Janus crash during a run and start a fresh Janus, so the
        other runs still happen; the crash is reported in RESULTS.md."""
        tail = self.janus.log_tail(15)
        self.crashes.append((plugin, n, tail))
        print(f"  Janus died during {SHORT[plugin]} N={n}; restarting it", flush=True)
        self.start_janus()

    # ------------------------------------------------------------------ runs

    def run(self, plugin, n, rooms=1, talkers=TALKERS, extra=()):
        """One load generator run (`rooms` rooms of n participants, `talkers` of them
        talking in each, `extra` load generator options); returns its JSON report plus
        loadgen CPU and Janus' idle memory and threads before it, or None when Janus died
        during it."""
        argv = [self.args.loadgen, "--janus", self.janus.url, "--plugin", plugin,
                "--rooms", str(rooms), "--participants", str(n),
                "--talkers", str(min(talkers, n)),
                "--seconds", str(self.args.seconds), "--warmup", str(self.args.warmup),
                "--janus-pid", str(self.janus.pid), "--json", *extra]
        label = f"N={n}" if rooms == 1 else f"rooms={rooms}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        idle_rss, idle_threads = janus_status(self.janus.pid)
        started = time.monotonic()
        timeout = 60 + rooms * n * 0.05 + self.args.seconds + self.args.warmup
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                # An overloaded plugin can take minutes to answer the joins: that run is a
                # result (not sustained), and a fresh Janus drops the rooms it left behind.
                proc.kill()
                proc.wait()
                print(f"  {SHORT[plugin]:<18} {label:<10} no result within {timeout:.0f} s "
                      "(overloaded); restarting Janus", flush=True)
                self.timeouts.append((plugin, label))
                self.start_janus()
                return None
            out.seek(0)
            err.seek(0)
            proc.stdout, proc.stderr = out.read(), err.read()
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0 and self.janus.alive():
            # The load generator can see the connection drop before Janus is reaped.
            try:
                self.janus.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if not self.janus.alive():
            self.janus_died(plugin, n)
            if proc.returncode != 0:
                return None
        elif proc.returncode != 0:
            raise Broken(f"{plugin} {label}: load generator exited {proc.returncode}: "
                         f"{proc.stderr.strip()}\nJanus log tail:\n{self.janus.log_tail()}")
        report = json.loads(proc.stdout)
        report["loadgen_cpu_percent"] = 100.0 * (
            (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) / wall
        # Janus' memory and threads before the run (idle), for the per-room figures.
        report["janus_idle"] = {"rss_kb": idle_rss, "threads": idle_threads}
        # An overloaded AudioBridge may starve someone; our plugin must not.
        if plugin == OURS and report["delivery"]["participants_with_nothing"] > 0:
            raise Broken(f"{plugin} {label}: {report['delivery']['participants_with_nothing']} "
                         "participants received no packet at all")
        print(f"  {SHORT[plugin]:<18} {label:<10} {summary_line(report)}", flush=True)
        if self.janus.alive():
            settle(self.janus)
        else:
            self.janus_died(plugin, n)
        return report

    def table(self, sizes):
        rows = []
        for i, n in enumerate(sizes):
            # Alternate which plugin goes first so slow drifts of the machine
            # do not always favour the same one.
            order = (OURS, AUDIOBRIDGE) if i % 2 == 0 else (AUDIOBRIDGE, OURS)
            for plugin in order:
                report = self.run(plugin, n)
                if report is not None:
                    rows.append(report)
        return rows

    def search(self, plugin, rows):
        """Largest N with no missed ticks and >= 99 % delivery: from the table's
        results, doubling until a failure (capped), then bisection."""
        found = search_largest({r["participants"]: sustained(r) for r in rows
                                if r["plugin"] == plugin},
                               lambda n: self.run(plugin, n), SEARCH_CAP, first=10, gap=5)
        return {"plugin": plugin, **found}


def start_pinned(janus, pinned, packages):
    """Starts Janus on CPU 0 (when pinned) and checks that it loaded `packages`; returns its
    info. Children inherit the CPU affinity of the process that forks them, so Janus and
    every thread it will start get CPU 0, and everything this script runs afterwards (the
    load generator) gets CPU 1."""
    if pinned:
        os.sched_setaffinity(0, {0})
    try:
        janus.start()
    finally:
        if pinned:
            os.sched_setaffinity(0, {1})
    info = janus.info() or {}
    for package in packages:
        if package not in info.get("plugins", {}):
            raise Broken(f"{package} not loaded by Janus; log: {janus.log_path}")
    return info


def settle(janus, idle_percent=10.0, limit_s=60.0):
    """Wait until Janus is idle again (an overloaded plugin may still be working off its
    backlog, peers may still be leaving), so the next run starts from the same state."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = janus.cpu_seconds()
        time.sleep(1.0)
        if 100.0 * (janus.cpu_seconds() - before) <= idle_percent:
            return
    print(f"  (Janus still busy {limit_s:.0f} s after the run)", flush=True)


def bench_parser(doc, out, quick_help, loadgen=os.path.join("bench", "conference_loadgen")):
    """The benchmarks' command line: --plugin, --loadgen (default `loadgen` in the build
    folder), --out (default bench/`out`), --quick, --seconds, --warmup."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plugin", default=os.path.join(ROOT, "build", "janus-plugin",
                                                         "libjanus_conference.so"))
    parser.add_argument("--loadgen", default=os.path.join(ROOT, "build", loadgen))
    parser.add_argument("--out", default=os.path.join(HERE, out))
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--seconds", type=float, help="measurement window (default 10, quick 3)")
    parser.add_argument("--warmup", type=float, help="warm-up before it (default 3, quick 1.5)")
    return parser


def complete_args(args):
    """Fills in the windows' defaults; None when a binary is missing."""
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.5 if args.quick else 3.0)
    for path in (args.plugin, args.loadgen):
        if not os.path.exists(path):
            print(f"missing {path}: build first (cmake --build build)", file=sys.stderr)
            return None
    return args


def bench_args(doc, out, quick_help, add_arguments=None):
    """bench_parser() (and what add_arguments adds), parsed and completed; None when a
    binary is missing."""
    parser = bench_parser(doc, out, quick_help)
    if add_arguments:
        add_arguments(parser)
    return complete_args(parser.parse_args())


def search_largest(results, run, cap, first, gap):
    """The largest size sustained, from `results` ({size: sustained?} known already) and runs
    of run(size) (a report or None): doubling from `first` until a failure or `cap`, then
    bisection until the bounds are within max(gap, 5 %). Returns largest, first_failing,
    capped and the probes' reports."""
    probes = []

    def bounds():
        ok = [n for n, good in results.items() if good]
        lo = max(ok) if ok else 0
        bad = [n for n, good in results.items() if not good and n > lo]
        return lo, (min(bad) if bad else None)

    def probe(n):
        report = run(n)
        if report is not None:
            probes.append(report)
        results[n] = report is not None and sustained(report)

    lo, hi = bounds()
    while hi is None and lo < cap and len(probes) < SEARCH_MAX_PROBES:
        probe(min(max(lo * 2, first), cap))
        lo, hi = bounds()
    while hi is not None and hi - lo > max(gap, lo // 20) and len(probes) < SEARCH_MAX_PROBES:
        probe((lo + hi) // 2)
        lo, hi = bounds()
    return {"largest": lo, "first_failing": hi, "capped": hi is None and lo >= cap,
            "probes": probes}


# ---------------------------------------------------------------------- figures

def janus_status(pid):
    """(VmRSS in kB, threads) of Janus, or (0, 0) when it is gone."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                fields[key] = value.split()
    except OSError:
        return 0, 0
    return int(fields["VmRSS"][0]), int(fields["Threads"][0])


def sustained(r):
    """>= 99 % delivered and, for ours, no missed tick (unknown counters fail)."""
    if r["delivery"]["ratio"] < MIN_DELIVERY:
        return False
    if r["plugin"] != OURS:
        return True
    mixer = r.get("mixer")
    return mixer is not None and mixer["missed_ticks"] == 0


def cpu_fields(r):
    cpu = r.get("cpu") or {}
    return cpu.get("percent_of_core", float("nan")), cpu.get("ms_per_participant_per_s",
                                                             float("nan"))


def burst_ok(r):
    b = r["bursts"]
    return (b["expected"] > 0 and b["detected"] == b["expected"]
            and abs(b["duration_ms_min"] - b["sent_duration_ms"]) <= DURATION_TOLERANCE_MS
            and abs(b["duration_ms_max"] - b["sent_duration_ms"]) <= DURATION_TOLERANCE_MS
            and abs(b["energy_db_min"]) <= ENERGY_TOLERANCE_DB)


def starved(r):
    return r["loadgen"]["max_send_lag_us"] / 1000.0 > STARVED_LAG_MS


def summary_line(r):
    pct, per = cpu_fields(r)
    b = r["bursts"]
    mixer = r.get("mixer")
    ticks = (f"late {mixer['late_ticks']} missed {mixer['missed_ticks']}" if mixer
             else "ticks " + ("unknown" if r["plugin"] == OURS else "n/a"))
    return (f"CPU {pct:5.1f} %  {per:.3f} ms/p/s  delivery {100 * r['delivery']['ratio']:.2f} %  "
            f"{ticks}  bursts {b['detected']}/{b['expected']} "
            f"latency {b['latency_ms_median']:.1f}/{b['latency_ms_p95']:.1f} ms  "
            f"loadgen CPU {r['loadgen_cpu_percent']:.0f} % "
            f"lag {r['loadgen']['max_send_lag_us'] / 1000:.1f} ms")


def table_rows(rows):
    out = ["| plugin | N | Janus CPU % of one core | CPU ms per participant per s | "
           "delivery % (min participant) | late / missed ticks | max tick µs | "
           "burst latency median / p95 ms | bursts detected | burst duration ms min–max "
           "(sent) | burst energy dB median (worst) | load gen CPU % / max send lag ms |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        pct, per = cpu_fields(r)
        d, b, m = r["delivery"], r["bursts"], r.get("mixer")
        ticks = (f"{m['late_ticks']} / {m['missed_ticks']}" if m
                 else "unknown" if r["plugin"] == OURS else "n/a")
        max_tick = str(m["max_tick_us"]) if m else "n/a"
        out.append(
            f"| {SHORT[r['plugin']]} | {r['participants']} | {pct:.1f} | {per:.3f} | "
            f"{100 * d['ratio']:.2f} ({100 * d['min_ratio']:.1f}) | {ticks} | {max_tick} | "
            f"{b['latency_ms_median']:.1f} / {b['latency_ms_p95']:.1f} | "
            f"{b['detected']}/{b['expected']} | {b['duration_ms_min']:.1f}–"
            f"{b['duration_ms_max']:.1f} ({b['sent_duration_ms']:.1f}) | "
            f"{b['energy_db_median']:+.2f} ({b['energy_db_min']:+.2f}) | "
            f"{r['loadgen_cpu_percent']:.0f} / {r['loadgen']['max_send_lag_us'] / 1000:.1f}"
            f"{' ⚠' if starved(r) else ''} |")
    return out


def row_at(rows, plugin, n):
    return next((r for r in rows if r["plugin"] == plugin and r["participants"] == n), None)


def verdicts(rows, searches):
    """One line per target of the issue: met / not met, with the numbers."""
    lines = []
    ours, ab = row_at(rows, OURS, REFERENCE_N), row_at(rows, AUDIOBRIDGE, REFERENCE_N)
    if ours and ab:
        o, a = cpu_fields(ours)[1], cpu_fields(ab)[1]
        lines.append(f"* CPU per participant at N={REFERENCE_N}, K={TALKERS}: ours {o:.3f} ms/s, "
                     f"AudioBridge {a:.3f} ms/s, ratio {o / a:.2f} (target ≤ 0.25): "
                     f"**{'met' if o <= a / 4 else 'not met'}**")
    # The wait for the mixer's next tick depends on the phase between the
    # talker's clock and the mixer's, random per run (0-20 ms): judge on the
    # median over the runs, and show their range.
    lat = {p: sorted(r["bursts"]["latency_ms_median"] for r in rows
                     if r["plugin"] == p and sustained(r) and r["bursts"]["detected"] > 0)
           for p in (OURS, AUDIOBRIDGE)}
    if lat[OURS]:
        o = lat[OURS]
        mid = o[len(o) // 2]
        ab_text = (f"AudioBridge (default settings) {lat[AUDIOBRIDGE][len(lat[AUDIOBRIDGE]) // 2]:.1f} ms"
                   f" (runs {lat[AUDIOBRIDGE][0]:.1f}–{lat[AUDIOBRIDGE][-1]:.1f})"
                   if lat[AUDIOBRIDGE] else "AudioBridge: no sustained run")
        lines.append(f"* Added latency (median over the sustained table runs of each run's median "
                     f"burst latency): ours {mid:.1f} ms (runs {o[0]:.1f}–{o[-1]:.1f}), {ab_text} "
                     f"(target ours ≤ {LATENCY_TARGET_MS:.0f} ms): "
                     f"**{'met' if mid <= LATENCY_TARGET_MS else 'not met'}**"
                     + (f"; at N={REFERENCE_N}: ours {ours['bursts']['latency_ms_median']:.1f} ms, "
                        + (f"AudioBridge {ab['bursts']['latency_ms_median']:.1f} ms" if sustained(ab)
                           else "AudioBridge not sustained there") if ours and ab else ""))
    if searches:
        s = {x["plugin"]: x for x in searches}
        o, a = s[OURS], s[AUDIOBRIDGE]

        def text(x):
            return f"≥ {x['largest']} (search cap)" if x["capped"] else str(x["largest"])
        met = a["largest"] > 0 and o["largest"] >= 4 * a["largest"]
        lines.append(f"* Largest sustained room on one core: ours {text(o)}, AudioBridge "
                     f"{text(a)} (target ours ≥ 4× AudioBridge): **{'met' if met else 'not met'}**"
                     + (" (ours stopped at the cap: the true ratio is at least this)"
                        if o["capped"] else ""))
    sustained_ours = [r for r in rows if r["plugin"] == OURS and sustained(r)]
    if sustained_ours:
        bad = [r for r in sustained_ours if not burst_ok(r)]
        lines.append(
            f"* Talker's audio arrives whole (every marker burst detected, duration within "
            f"±{DURATION_TOLERANCE_MS} ms, energy within ±{ENERGY_TOLERANCE_DB} dB, in every "
            f"sustained run of ours): **{'met' if not bad else 'not met'}**"
            + (" — failing at N = " + ", ".join(str(r["participants"]) for r in bad) if bad else ""))
    return lines


def search_tables(searches, title, column, size_key, rows_table):
    """The searches' verdicts and their probe runs, as Markdown lines."""
    lines = ["", f"{title} sustained on one core (no missed ticks, ≥ 99 % delivered):", "",
             f"| plugin | {column} | first failing | probes (size: sustained?) |",
             "|---|---|---|---|"]
    for s in searches:
        probes = ", ".join(f"{p[size_key]}: {'yes' if sustained(p) else 'no'}"
                           for p in s["probes"]) or "none (table decided)"
        largest = f"≥ {s['largest']} (cap)" if s["capped"] else str(s["largest"])
        lines.append(f"| {SHORT[s['plugin']]} | {largest} | {s['first_failing'] or '–'} | "
                     f"{probes} |")
    return lines + ["", "Search runs:", ""] + rows_table([p for s in searches for p in s["probes"]])


def write_results(path, info, rows, searches, crashes, args, started):
    lines = [
        "# Audio benchmark results",
        "",
        f"* Date: {started.strftime('%Y-%m-%d %H:%M %Z').strip()}",
        f"* Machine: {os.cpu_count()} CPUs ({cpu_model()}), kernel {platform.release()}",
        f"* Janus {info.get('version_string', '?')}; both plugins loaded in the same Janus "
        f"process, {'pinned to CPU 0 (load generator on CPU 1)' if (os.cpu_count() or 1) >= 2 else 'not pinned (one CPU)'}",
        f"* {TALKERS} talkers, the rest silent; {args.seconds:g} s measurement window after "
        f"{args.warmup:g} s of warm-up; command: `/usr/bin/python3 bench/run_audio_bench.py"
        f"{' --quick' if args.quick else ''}`",
        f"* Janus and the load generator run at nice {NICE if args.prioritised else 0}; ⚠ marks "
        f"runs where the load generator itself fell over {STARVED_LAG_MS:.0f} ms behind its "
        "sending schedule (its timing figures then say little about the plugin)",
        "",
    ]
    lines += table_rows(rows)
    if searches:
        lines += search_tables(searches, "Largest room", "largest sustained N", "participants",
                               table_rows)
    if crashes:
        lines += ["", "Janus crashed (and was restarted) during these runs:", ""]
        lines += [f"* {SHORT[plugin]} N={n}; log tail: `{' / '.join(tail.strip().splitlines()[-3:])}`"
                  for plugin, n, tail in crashes]
    lines += ["", "Targets:", ""] + verdicts(rows, searches)
    text = "\n".join(lines) + "\n"
    with open(path, "w") as fh:
        fh.write(text)
    # Every run's full report, for figures the table leaves out.
    with open(os.path.splitext(path)[0] + ".json", "w") as fh:
        json.dump({"table": rows, "searches": searches, "crashes": crashes}, fh, indent=1)
    return text


def run_bench(args, measure, make_bench=Bench):
    """Starts the one Janus with the plugins (make_bench(args).start_janus()), runs
    measure(bench, started), which returns the results' text, and prints it. Exit status 1
    when something broke or Janus died during a run of our plugin (a stock plugin taking Janus
    down is a finding, not a failure)."""
    raise_fd_limit()
    args.prioritised = raise_priority(NICE)
    started = datetime.datetime.now().astimezone()
    bench = make_bench(args)
    try:
        bench.start_janus()
        print(measure(bench, started))
        print(f"written to {args.out}")
        ours_crashed = [n for plugin, n, _ in bench.crashes if plugin == OURS]
        if ours_crashed:
            print(f"BROKEN: Janus died during runs of our plugin at {ours_crashed}",
                  file=sys.stderr)
            return 1
        return 0
    except Broken as e:
        print(f"BROKEN: {e}", file=sys.stderr)
        return 1
    finally:
        if bench.janus is not None:
            bench.janus.cleanup()
        restore_priority()


def main():
    args = bench_args(__doc__, "RESULTS.md", "CI smoke run: N in {3, 10}, short windows, no search",
                      lambda p: p.add_argument("--no-search", action="store_true"))
    if args is None:
        return 2

    def measure(bench, started):
        print("table runs:", flush=True)
        rows = bench.table(QUICK_SIZES if args.quick else SIZES)
        searches = []
        if not (args.quick or args.no_search):
            for plugin in (OURS, AUDIOBRIDGE):
                print(f"searching the largest sustained room of {SHORT[plugin]}:", flush=True)
                searches.append(bench.search(plugin, rows))
        print()
        return write_results(args.out, bench.info, rows, searches, bench.crashes, args, started)

    return run_bench(args, measure)


if __name__ == "__main__":
    sys.exit(main())
