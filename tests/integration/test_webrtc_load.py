"""WebRTC load generator smoke run: 10 pion peers (bench/webrtc-load) join the plugin
in the real Janus; each listener hears talker 0's marker bursts, talker 0 hears
nothing of itself. Once in each `webrtc_audio_relay` mode: with the outbox most of the
mix leaves from the listeners' own loop threads, and every listener's stream arrives
without a sequence number skipped, repeated or out of order.

    /usr/bin/python3 tests/integration/test_webrtc_load.py \
        --plugin build/janus-plugin/libjanus_conference.so \
        --loadgen build/bench/webrtc-load/webrtc_load

Needs root (network namespace). Janus gathers the namespace's first veth address,
the generator binds its one UDP socket to the other.
"""

import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from janus_harness import (Results, local_ipv4_addresses, plugin_test_main,  # noqa: E402
                           raise_system_exit, run_blocking, run_janus_scenario)

PEERS = 10
SECONDS = 6.0
MIN_DELIVERY = 0.95  # a smoke run on a shared machine; the benchmark judges 99 %
MAX_GAPS = 0.005  # numbers skipped in the listeners' streams (veth loses nearly nothing)
MIN_DRAINED = 0.5  # with the outbox: mix packets sent from the listeners' own threads


def run_generator(args, janus, bind):
    argv = [args.loadgen, "-janus", janus.url, "-plugin", "conference", "-bind", bind,
            "-peers", str(PEERS), "-talkers", "1", "-monitors", "-1",
            "-seconds", str(SECONDS), "-warmup", "2", "-janus-pid", str(janus.pid)]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def check_run(r, args, janus, bind, mode):
    code, out, err = run_generator(args, janus, bind)
    if not r.check("generator joined every peer and finished", code == 0,
                   f"exit {code}: {err.strip()[-500:]}"):
        return
    rep = json.loads(out)
    listeners = rep["peers"][1:]
    expected = 50 * SECONDS
    low = [i + 1 for i, p in enumerate(listeners) if p["received"] < MIN_DELIVERY * expected]
    r.check(f"each of the {len(listeners)} listeners received ≥ {MIN_DELIVERY:.0%} of "
            f"{expected:.0f} packets", not low, f"short: peers {low}")
    deaf = [i + 1 for i, p in enumerate(listeners) if p.get("bursts_detected", 0) == 0]
    b = rep["bursts"]
    r.check("each listener hears the talker's marker bursts",
            not deaf and b["expected"] > 0 and b["detected"] == b["expected"],
            f"{b['detected']}/{b['expected']} bursts; none at peers {deaf}")
    r.check("the talker hears nothing of itself", b["heard_by_talker_itself"] == 0,
            f"{b['heard_by_talker_itself']} of its own bursts came back")
    r.check("every packet decodes as 20 ms of Opus", rep["delivery"]["undecodable_packets"] == 0,
            f"{rep['delivery']['undecodable_packets']} did not")
    received = sum(p["received"] for p in listeners)
    gaps = sum(p["sequence_gaps"] for p in listeners)
    disorder = sum(p["repeated"] + p["reordered"] for p in listeners)
    r.check("no mix packet comes twice or out of order", disorder == 0,
            f"{disorder} repeated or reordered")
    r.check(f"at most {MAX_GAPS:.1%} of the mix's sequence numbers are skipped",
            gaps <= MAX_GAPS * received, f"{gaps} skipped of {received:.0f} received")
    relay = janus.admin_message("janus.plugin.conference", {"request": "stats"})["webrtc_relay"]
    total = relay["drained"] + relay["overdue"]
    r.info(f"mix sent by the listeners' threads {relay['drained']}, by the mixer's "
           f"{relay['overdue']}; mean wait in the outbox {relay['mean_wait_us'] / 1000:.1f} ms")
    if mode == "outbox":
        r.check(f"at least {MIN_DRAINED:.0%} of the mix left from the listeners' own threads",
                relay["mode"] == mode and relay["drained"] >= MIN_DRAINED * total,
                f"{relay}")
    else:
        r.check("the mixer thread sent all of the mix", relay["mode"] == mode and total == 0,
                f"{relay}")
    r.info(f"relay {mode}: latency median {b['latency_ms_median']:.1f} ms, p95 {b['latency_ms_p95']:.1f} ms; "
           f"joins {rep['join_seconds']:.1f} s; Janus CPU "
           f"{rep.get('cpu', {}).get('percent_of_core', float('nan')):.1f} % of a core")


def inner(args):
    signal.signal(signal.SIGTERM, raise_system_exit)
    r = Results()
    # Janus gathers the first address (JanusProcess' default interface).
    bind = local_ipv4_addresses()[1]

    for mode in ("outbox", "tick"):
        async def scenario(janus, mode=mode):
            r.info(f"webrtc_audio_relay = {mode}; generator bound to {bind}")
            await run_blocking(check_run, r, args, janus, bind, mode)
        config = {"janus.plugin.conference.jcfg": f'general: {{ webrtc_audio_relay = "{mode}" }}\n'}
        run_janus_scenario(r, args, config, scenario, 150, session_timeout=60)
    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    return 1 if r.failed else 0


def main():
    return plugin_test_main(
        __doc__, __file__, inner, 360,
        lambda p: p.add_argument("--loadgen", required=True, help="webrtc_load binary"))


if __name__ == "__main__":
    sys.exit(main())
