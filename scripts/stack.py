#!/usr/bin/python3
"""Trial stack on this machine: Synapse (from the root of scripts/prepare-synapse.sh),
Janus with the conference plugin and matrix-glue, all on 127.0.0.1, plus a group room
where two bot users call the room's focus humming two tones, and a test user for a
person to join with any Matrix client.

    scripts/stack.py --plugin build/janus-plugin/libjanus_conference.so \
                     --glue build/matrix-glue/matrix-glue [--duration S]

Without --duration it runs in this host's network namespace, so that a client on this
machine reaches Janus, until Ctrl-C. With --duration it runs inside a network namespace
of its own (WebRTC never leaves it), checks itself after S seconds (both bots' calls
connected, each hears the other's tone, the focus joined the room) and exits 0 or 1.
Needs root (chroot for Synapse; ip netns with --duration).
"""

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import synapse_harness as sh  # noqa: E402
from janus_harness import (JanusProcess, NetNs, Results, die_with_parent,  # noqa: E402
                           run_blocking)
from glue_process import GlueProcess  # noqa: E402
from matrix_caller import MatrixCaller, check_two_hear_each_other  # noqa: E402

SERVER_NAME = "localhost"
PACKAGE = "janus.plugin.conference"
PREFIX = "fs_"
ROOM_NAME = "Conference trial"
BOTS = (("alice", 330), ("bob", 523))
PERSON = "tester"
CALL_SETUP_TIMEOUT_S = 30
JOIN_TIMEOUT_S = 20
STEP_TIMEOUT_S = 15       # one homeserver round trip plus a /sync
# Setup (Synapse start-up dominates) plus the bots' calls; --duration comes on top.
SETUP_LIMIT_S = 60


class Stack:
    """Every part, started in order by `start`, stopped whatever happened by `close`.

    Processes are started from the main thread (the event loop's): their
    die-with-parent signal follows the thread that started them.
    """

    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.janus = self.synapse = self.glue = None
        self.bots = []
        self.room = self.focus = None
        self.person_id = None
        self.person_password = secrets.token_urlsafe(9)

    async def start(self):
        self.janus = JanusProcess([self.args.plugin], {f"{PACKAGE}.jcfg": "general: {\n}\n"},
                                  session_timeout=60)
        self.janus.start()
        port = self.args.homeserver_port
        self.glue = GlueProcess(self.args.glue, self.workdir, f"http://127.0.0.1:{port}",
                                self.janus.url, server_name=SERVER_NAME, prefix=PREFIX,
                                log_level="info")
        registration = self.glue.generate_registration(
            os.path.join(self.workdir, "appservice.yaml"))
        # Blocking (the loop's time limit cannot cut it short): bounded on its own.
        self.synapse = sh.SynapseProcess(server_name=SERVER_NAME, port=port,
                                         app_service_files=[registration],
                                         start_timeout=45)
        self.glue.start()

        for name, freq in BOTS:
            user_id, token = await run_blocking(self.synapse.register_user, name)
            self.bots.append(MatrixCaller(self.synapse.url, user_id, token, freq, name=name))
        self.person_id, person_token = await run_blocking(
            self.synapse.register_user, PERSON, self.person_password)
        person = sh.MatrixClient(self.synapse.url, self.person_id, person_token)

        owner, other = self.bots
        self.room = await run_blocking(owner.client.create_room, name=ROOM_NAME,
                                       invite=[other.user_id, self.person_id])
        await run_blocking(other.client.wait_for, lambda: self.room in other.client.invites,
                           STEP_TIMEOUT_S)
        await run_blocking(other.client.join, self.room)
        await run_blocking(person.join, self.room)
        # The focus admits joined members only: both bots must be in before calling.
        await run_blocking(owner.client.wait_membership, self.room, other.user_id, "join",
                           STEP_TIMEOUT_S)

        self.focus = await run_blocking(self.glue.focus_id, self.room)
        await run_blocking(owner.client.invite, self.room, self.focus)
        await run_blocking(owner.client.wait_membership, self.room, self.focus, "join",
                           JOIN_TIMEOUT_S)
        await asyncio.gather(*(bot.open_dm(self.focus, JOIN_TIMEOUT_S) for bot in self.bots))
        await asyncio.gather(*(bot.call(CALL_SETUP_TIMEOUT_S) for bot in self.bots))

    def describe(self):
        bots = " and ".join(f"{b.user_id} ({b.freq} Hz)" for b in self.bots)
        return f"""
Trial stack is up.
  Homeserver URL : {self.synapse.url}   (server name "{SERVER_NAME}")
  Your user      : {self.person_id}   password: {self.person_password}
  Room           : "{ROOM_NAME}"  {self.room}   (you are already a member)
  Focus user     : {self.focus}
  In the call    : {bots}, two bots humming

Join with any Matrix client that can place 1:1 voice calls, on this machine:
  1. Log in to the homeserver URL above as {PERSON} with the password above.
  2. Open the room "{ROOM_NAME}"; the focus user is a member and posted how to join.
  3. Start a direct message with {self.focus}; it joins by itself.
  4. Place a voice call in that direct message: you hear both bots, they hear you.

Logs (removed when the stack stops):
  Synapse     : {self.synapse.log_path}
  Janus       : {self.janus.log_path}
  matrix-glue : {self.glue.log_path}
"""

    async def self_check(self, seconds):
        for bot in self.bots:
            bot.recorder.mark()
        await asyncio.sleep(seconds)
        r = Results()
        owner = self.bots[0].client
        r.check("the focus joined the group room",
                owner.memberships.get(self.room, {}).get(self.focus) == "join", self.focus)
        for bot in self.bots:
            r.check(f"{bot.name}'s call is connected", bot.connected(),
                    bot.pc.connectionState if bot.pc else "no call")
        check_two_hear_each_other(r, self.bots)
        r.check("janus and matrix-glue still run", self.janus.alive() and self.glue.alive())
        print(f"self-check: {r.passed} passed, {r.failed} failed: "
              f"{'ok' if not r.failed else 'FAILED'}", flush=True)
        return 0 if not r.failed else 1

    async def close(self):
        for bot in self.bots:
            try:
                await asyncio.wait_for(bot.close(), 10)
            except Exception:  # noqa: BLE001 - the rest must still be stopped
                pass
        if self.glue is not None:
            self.glue.stop()
        if self.janus is not None:
            self.janus.cleanup()
        if self.synapse is not None:
            self.synapse.close()


async def run(args):
    task = asyncio.current_task()
    # SIGTERM (CTest, the namespace's cleanup) unwinds like Ctrl-C does.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    workdir = tempfile.mkdtemp(prefix="trial-stack-")
    stack = Stack(args, workdir)
    try:
        try:
            await asyncio.wait_for(stack.start(), SETUP_LIMIT_S)
        except Exception as e:  # noqa: BLE001 - report which part failed, then clean up
            print(f"the stack did not come up: {type(e).__name__}: {e}", file=sys.stderr)
            if stack.glue is not None and os.path.exists(stack.glue.log_path):
                with open(stack.glue.log_path, errors="replace") as f:
                    print("--- matrix-glue log tail\n" + "".join(f.readlines()[-20:]),
                          file=sys.stderr)
            return 1
        print(stack.describe(), flush=True)
        if args.duration is None:
            print("Stop with Ctrl-C.", flush=True)
            await asyncio.Event().wait()
        return await stack.self_check(args.duration)
    finally:
        await stack.close()
        shutil.rmtree(workdir, ignore_errors=True)


def run_here(args):
    rc = 1
    try:
        rc = asyncio.run(run(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        rc = 0 if args.duration is None else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # aiortc's codec threads are not daemons: they must not keep the process alive.
        os._exit(rc)


def run_in_netns(args):
    """Re-runs this script (--inner) inside a namespace of its own, removed afterwards."""
    if os.geteuid() != 0:
        print("the self-check needs root (ip netns)", file=sys.stderr)
        return 1
    limit = SETUP_LIMIT_S + args.duration + 30
    with NetNs() as ns:
        proc = subprocess.Popen(ns.exec_argv([sys.executable, os.path.abspath(__file__),
                                              "--inner"] + sys.argv[1:]),
                                preexec_fn=die_with_parent)
        try:
            return proc.wait(limit)
        except subprocess.TimeoutExpired:
            print(f"self-check: did not finish within {limit:.0f} s: FAILED", flush=True)
        except KeyboardInterrupt:
            pass  # the inner run got the SIGINT too; let it clean up first
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugin", required=True, help="libjanus_conference.so")
    parser.add_argument("--glue", required=True, help="matrix-glue executable")
    parser.add_argument("--homeserver-port", type=int, default=8008,
                        help="Synapse's port on 127.0.0.1 (default 8008)")
    parser.add_argument("--duration", type=float,
                        help="check after this many seconds and exit (in a namespace)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.duration is not None and not args.inner:
        sys.exit(run_in_netns(args))
    run_here(args)


if __name__ == "__main__":
    main()
