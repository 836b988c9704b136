#!/usr/bin/python3
"""The docker-compose trial stack (docker-compose.yml), built and run under podman.

    compose_trial.py [--duration S]

1. scripts/prepare-base-images.sh: the cached Debian roots imported as the base images
   the Dockerfiles pin (no registry here).
2. `podman-compose build`, with pulling disabled (the Debian archive is reached on a
   cache miss only; podman's layer cache makes a warm build a few seconds).
3. In a network namespace of this test's own (lo and a veth pair, nothing leaves it):
   `podman-compose up --no-start` creates the containers, network and volumes from the
   file; then the services are started in the file's `depends_on` order, each one
   waiting for the conditions the file names (podman-compose 1.0 starts everything at
   once and podman runs healthchecks from systemd timers, which this machine lacks:
   the test runs each service's own healthcheck with `podman healthcheck run`).
   Janus gets JANUS_PUBLIC_IP = the namespace's veth address.
4. Inside the namespace, two aiortc Matrix callers (tests/e2e/matrix_caller.py) register
   on the stack's Synapse, make a group room, invite its focus and call it, as
   `scripts/run-stack.sh --duration` does; after S seconds each must hear the other's
   tone through the containers, and Janus' answer must offer only JANUS_PUBLIC_IP.
5. Containers, network, volumes and the namespace are removed, also on failure.

Needs root, podman, runc, podman-compose, netavark, aardvark-dns, docker-compose (reads
the file's dependencies) and python3-aiortc. podman's settings: containers.conf here.
"""

import argparse
import asyncio
import os
import re
import secrets
import signal
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))

import synapse_harness as sh  # noqa: E402
from janus_harness import NetNs, Results, die_with_parent, run_blocking  # noqa: E402
from matrix_caller import MatrixCaller, check_two_hear_each_other  # noqa: E402

PROJECT = "janus-conference-trial"  # every container, network and volume carries it
COMPOSE = ["podman-compose", "-f", os.path.join(SRC, "docker-compose.yml"), "-p", PROJECT]
LABEL = f"label=io.podman.compose.project={PROJECT}"
HOMESERVER = "http://127.0.0.1:8008"  # the file publishes Synapse on the loopback
GLUE_CONFIG = "/etc/matrix-glue/matrix-glue.jcfg"
BOTS = (("alice", 330), ("bob", 523))
HEALTHY_TIMEOUT_S = 120
STEP_TIMEOUT_S = 15
JOIN_TIMEOUT_S = 20
CALL_SETUP_TIMEOUT_S = 30
SETUP_LIMIT_S = 90


def in_netns(ns, argv):
    """argv in the namespace's network only. Not `ip netns exec`: that mounts a sysfs
    of its own over /sys, which hides the cgroup mounts runc needs."""
    return ["nsenter", f"--net=/run/netns/{ns.name}"] + list(argv)


def run(argv, check=True, ns=None, timeout=None, quiet=False, **kw):
    argv = in_netns(ns, argv) if ns is not None else list(argv)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {p.returncode}:\n{p.stdout[-3000:]}")
    if not quiet and p.returncode != 0:
        print(p.stdout[-2000:], end="", flush=True)
    return p


class Timer:
    def __init__(self):
        self.parts = []

    def part(self, name, fn, *args):
        t0 = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            return fn(*args)
        finally:
            self.parts.append((name, time.monotonic() - t0))

    def report(self):
        for name, s in self.parts:
            print(f"{s:7.1f} s  {name}", flush=True)


# ---------------------------------------------------------------- the compose file

def compose_config():
    """The file as docker-compose reads it (variables, short forms and ranges resolved)."""
    out = run(["docker-compose", "-f", os.path.join(SRC, "docker-compose.yml"), "config"],
              quiet=True).stdout
    return yaml.safe_load(out)


def compose_services():
    """{service: {dependency: condition}} in the file."""
    services = compose_config()["services"]
    return {name: {dep: (spec or {}).get("condition", "service_started")
                   for dep, spec in (svc.get("depends_on") or {}).items()}
            for name, svc in services.items()}


def start_order(deps):
    order, seen = [], set()

    def visit(name, path):
        if name in path:
            raise RuntimeError(f"depends_on cycle: {' -> '.join(path + (name,))}")
        if name in seen:
            return
        for dep in deps[name]:
            visit(dep, path + (name,))
        seen.add(name)
        order.append(name)

    for name in sorted(deps):
        visit(name, ())
    return order


def container_of(service):
    out = run(["podman", "ps", "-a", "--filter", LABEL, "--filter",
               f"label=com.docker.compose.service={service}", "--format", "{{.Names}}"],
              quiet=True).stdout.split()
    if len(out) != 1:
        raise RuntimeError(f"expected one container for {service}, found {out}")
    return out[0]


def wait_healthy(name):
    """Runs the container's healthcheck until it passes; fails at once if it stopped."""
    deadline = time.monotonic() + HEALTHY_TIMEOUT_S
    t0 = time.monotonic()
    while True:
        state = run(["podman", "inspect", "--format", "{{.State.Status}}", name],
                    quiet=True).stdout.strip()
        if state not in ("running", "created", "configured"):
            raise RuntimeError(f"{name} is {state}, not running")
        if run(["podman", "healthcheck", "run", name], check=False, quiet=True).returncode == 0:
            print(f"{name} healthy after {time.monotonic() - t0:.1f} s", flush=True)
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} not healthy within {HEALTHY_TIMEOUT_S} s")
        time.sleep(1)


def wait_exited_ok(name):
    deadline = time.monotonic() + HEALTHY_TIMEOUT_S
    while time.monotonic() < deadline:
        state = run(["podman", "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}",
                     name], quiet=True).stdout.split()
        if state[0] in ("exited", "stopped"):
            if state[1] != "0":
                raise RuntimeError(f"{name} exited {state[1]}")
            return
        time.sleep(1)
    raise RuntimeError(f"{name} did not complete within {HEALTHY_TIMEOUT_S} s")


def up(ns, public_ip):
    """`podman-compose up --no-start`, then each service started once what it
    depends on meets the file's condition."""
    env = dict(os.environ, JANUS_PUBLIC_IP=public_ip)
    run(COMPOSE + ["up", "--no-start", "--no-build"], ns=ns, env=env, quiet=True)
    deps = compose_services()
    names = {service: container_of(service) for service in deps}
    for service in start_order(deps):
        for dep, condition in deps[service].items():
            if condition == "service_healthy":
                wait_healthy(names[dep])
            elif condition == "service_completed_successfully":
                wait_exited_ok(names[dep])
        run(["podman", "start", names[service]], ns=ns, quiet=True)
    for service, name in names.items():
        has_check = run(["podman", "inspect", "--format", "{{.Config.Healthcheck}}", name],
                        quiet=True).stdout.strip() not in ("", "<nil>")
        if has_check:
            wait_healthy(name)
    return names


def teardown(ns=None):
    """Removes every container, volume and the network of the project (leftovers of a
    killed run too). Inside the namespace when it still exists: podman undoes the
    containers' networking there."""
    ids = run(["podman", "ps", "-a", "-q", "--filter", LABEL], quiet=True).stdout.split()
    if ids:
        run(["podman", "rm", "-f", "-t", "5"] + ids, ns=ns, check=False)
    vols = run(["podman", "volume", "ls", "-q", "--filter", LABEL], quiet=True).stdout.split()
    if vols:
        run(["podman", "volume", "rm", "-f"] + vols, check=False)
    nets = run(["podman", "network", "ls", "-q", "--filter", LABEL], quiet=True).stdout.split()
    if nets:
        run(["podman", "network", "rm", "-f"] + nets, check=False)


def show_logs(names):
    for name in names.values():
        out = run(["podman", "logs", "--tail", "25", name], check=False, quiet=True).stdout
        print(f"--- {name} (last lines)\n{out}", flush=True)


# ---------------------------------------------------------------- the callers (--inner)

def register(url, localpart):
    """Open registration, as a Matrix client signs up on the trial homeserver."""
    body = {"username": localpart, "password": secrets.token_urlsafe(12),
            "auth": {"type": "m.login.dummy"}}
    api = url + "/_matrix/client/v3/register"
    try:
        answer = sh.http_json("POST", api, body)
    except sh.MatrixError as e:
        session = e.body.get("session") if e.status == 401 and isinstance(e.body, dict) else None
        if not session:
            raise
        body["auth"]["session"] = session
        answer = sh.http_json("POST", api, body)
    return answer["user_id"], answer["access_token"]


def host_candidates(sdp):
    return {m.group(1) for m in re.finditer(r"^a=candidate:\S+ \d+ udp \d+ (\S+) \d+ typ host",
                                            sdp, re.M | re.I)}


async def call_and_check(args):
    bots = []
    try:
        async def setup():
            for name, freq in BOTS:
                user_id, token = await run_blocking(register, HOMESERVER, name)
                bots.append(MatrixCaller(HOMESERVER, user_id, token, freq, name=name))
            owner, other = bots
            room = await run_blocking(owner.client.create_room, name="Compose trial",
                                      invite=[other.user_id])
            await run_blocking(other.client.wait_for, lambda: room in other.client.invites,
                               STEP_TIMEOUT_S)
            await run_blocking(other.client.join, room)
            await run_blocking(owner.client.wait_membership, room, other.user_id, "join",
                               STEP_TIMEOUT_S)
            focus = (await run_blocking(run, ["podman", "exec", args.glue_container,
                                              "matrix-glue", "focus-id", "-c", GLUE_CONFIG,
                                              room], quiet=True)).stdout.strip()
            await run_blocking(owner.client.invite, room, focus)
            await run_blocking(owner.client.wait_membership, room, focus, "join",
                               JOIN_TIMEOUT_S)
            await asyncio.gather(*(bot.open_dm(focus, JOIN_TIMEOUT_S) for bot in bots))
            await asyncio.gather(*(bot.call(CALL_SETUP_TIMEOUT_S) for bot in bots))
            return room, focus

        try:
            room, focus = await asyncio.wait_for(setup(), SETUP_LIMIT_S)
        except Exception as e:  # noqa: BLE001 - say which part failed; the caller cleans up
            print(f"FAIL the callers' calls did not come up: {type(e).__name__}: {e}",
                  flush=True)
            return 1
        for bot in bots:
            Results.info(f"{bot.name}'s call set up in {bot.setup_seconds:.2f} s")
            bot.recorder.mark()
        await asyncio.sleep(args.duration)

        r = Results()
        r.check("the focus joined the group room",
                bots[0].client.memberships.get(room, {}).get(focus) == "join", focus)
        for bot in bots:
            r.check(f"{bot.name}'s call is connected", bot.connected(),
                    bot.pc.connectionState if bot.pc else "no call")
            offered = host_candidates(bot.answer["content"]["answer"]["sdp"])
            r.check(f"Janus offers {bot.name} only JANUS_PUBLIC_IP {args.public_ip}",
                    offered == {args.public_ip}, f"host candidates {sorted(offered)}")
        check_two_hear_each_other(r, bots)
        print(f"{r.passed} passed, {r.failed} failed", flush=True)
        return 0 if not r.failed else 1
    finally:
        for bot in bots:
            try:
                await asyncio.wait_for(bot.close(), 10)
            except Exception:  # noqa: BLE001 - the other caller must still be closed
                pass


def inner(args):
    rc = 1
    try:
        rc = asyncio.run(call_and_check(args))
    finally:
        sys.stdout.flush()
        # aiortc's codec threads are not daemons: they must not keep the process alive.
        os._exit(rc)


# ---------------------------------------------------------------- the whole trial

def published_udp_ports(service):
    return {p["published"] for p in compose_config()["services"][service].get("ports", [])
            if isinstance(p, dict) and p.get("protocol") == "udp"}


def dnat_flows(ns, ports):
    """Connections that the namespace's NAT rules (podman's port publishing) sent on to a
    container, summed over the UDP rules for these host ports."""
    out = run(["iptables-save", "-c", "-t", "nat"], ns=ns, quiet=True).stdout
    flows = 0
    for line in out.splitlines():
        m = re.match(r"\[(\d+):\d+\] .*-p udp .*--dport (\d+)(?::(\d+))? .*-j DNAT", line)
        if m:
            low, high = int(m.group(2)), int(m.group(3) or m.group(2))
            if any(low <= port <= high for port in ports):
                flows += int(m.group(1))
    return flows


def all_running(names):
    states = {name: run(["podman", "inspect", "--format", "{{.State.Status}}", name],
                        quiet=True).stdout.strip() for name in names.values()}
    return all(s == "running" for s in states.values()), states


def trial(args):
    timer = Timer()
    timer.part("base images (scripts/prepare-base-images.sh)", run,
               ["bash", os.path.join(SRC, "scripts", "prepare-base-images.sh")])
    # Host networking for the build: the Debian archive, on a layer cache miss only.
    timer.part("images (podman-compose build)", run,
               COMPOSE + ["--podman-build-args", "--pull=never --network=host", "build"])
    teardown()
    rc = 1
    with NetNs() as ns:
        Results.info(f"network namespace {ns.name} ({ns.addresses[0]}, {ns.addresses[1]})")
        names = {}
        try:
            names = timer.part("stack up, healthy (depends_on order)", up, ns, ns.addresses[0])
            proc = subprocess.Popen(
                in_netns(ns, [sys.executable, os.path.abspath(__file__), "--inner",
                              "--duration", str(args.duration),
                              "--public-ip", ns.addresses[0],
                              "--glue-container", names["matrix-glue"]]),
                preexec_fn=die_with_parent)
            try:
                rc = timer.part("callers", proc.wait, SETUP_LIMIT_S + args.duration + 30)
            except subprocess.TimeoutExpired:
                print("FAIL the callers did not finish in time", flush=True)
                proc.kill()
                proc.wait(10)
            flows = dnat_flows(ns, published_udp_ports("janus"))
            print(f"{'PASS' if flows else 'FAIL'} the callers reached Janus at JANUS_PUBLIC_IP "
                  f"through its published UDP ports: {flows} connections forwarded", flush=True)
            rc = rc or (0 if flows else 1)
            ok, states = all_running(names)
            print(f"{'PASS' if ok else 'FAIL'} every container still runs: {states}",
                  flush=True)
            rc = rc or (0 if ok else 1)
        except Exception as e:  # noqa: BLE001 - reported, then everything is removed
            print(f"FAIL {type(e).__name__}: {e}", flush=True)
            rc = 1
        finally:
            if rc and names:
                show_logs(names)
            timer.part("teardown", teardown, ns)
    timer.report()
    print(f"compose trial: {'ok' if rc == 0 else 'FAILED'}", flush=True)
    return rc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0,
                        help="seconds of conference audio checked (default 8)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--public-ip", help=argparse.SUPPRESS)
    parser.add_argument("--glue-container", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("CONTAINERS_CONF", os.path.join(HERE, "containers.conf"))
    if args.inner:
        inner(args)
    if os.geteuid() != 0:
        print("compose trial: needs root (podman, ip netns)", file=sys.stderr)
        sys.exit(1)
    # SIGTERM (CTest's timeout) unwinds, so that the stack and namespace are removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sys.exit(trial(args))


if __name__ == "__main__":
    main()
