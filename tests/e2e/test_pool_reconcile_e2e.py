#!/usr/bin/python3
"""matrix-glue with a pool of two Janus instances whose plugin has an admin_key: the glue
places by the plugin's own `load` and reconciles the instances' rooms with its state.

    /usr/bin/python3 tests/e2e/test_pool_reconcile_e2e.py \\
        --glue build/matrix-glue/matrix-glue \\
        --plugin build/janus-plugin/libjanus_conference.so

Scenarios, in order:
1. leftovers: with the glue stopped (SIGKILL), a room tagged as this glue's (what a crash
   between creating a room and committing the state leaves) and an untagged one are created
   on "a" through the Janus API; the restarted glue destroys the tagged one only;
2. load: three plain-RTP participants in a room made directly on "a" show in /metrics
   (reported participants, tick load) and send the next conference to "b", although "a"
   holds none of the glue's conferences;
3. a frozen instance: "b" (holding that conference) SIGSTOPped is seen down and its callers
   are hung up; after SIGCONT it is back and the glue destroys the room it no longer tracks.
Prints PASS/FAIL/INFO lines and ends with "N passed, M failed".
"""

import asyncio
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import test_conference_e2e as e2e  # noqa: E402
import test_pool_e2e as pool_e2e  # noqa: E402
from janus_harness import JanusClient, PlainRtpPeer, netns_main, run_blocking  # noqa: E402

POOL = [("a", 1), ("b", 1)]
ADMIN_KEY = "reconcile-admin-key"
HEALTH_INTERVAL_MS = 1000
TIME_LIMIT_S = 300
TAG = f"[matrix-glue {e2e.PREFIX}:{e2e.SERVER_NAME}] "


async def wait_for(predicate, timeout, step=0.25):
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(step)


class Admin:
    """The plugin's admin view of one instance: list (with private rooms), create."""

    def __init__(self, stack, name):
        self.client = JanusClient(stack.instances[name].url, api_secret=stack.janus_api_secret)
        self.client.create()
        self.client.start_keepalive()
        self.handle = self.client.attach(e2e.PACKAGE)

    async def request(self, body):
        return await run_blocking(self.client.message, self.handle, dict(body,
                                                                         admin_key=ADMIN_KEY))

    async def rooms(self):
        """{room: description} of every room, private ones included."""
        reply = await self.request({"request": "list"})
        return {x["room"]: x.get("description", "") for x in reply.data.get("list", [])}

    async def create(self, description, **extra):
        reply = await self.request(dict({"request": "create", "description": description,
                                         "is_private": True}, **extra))
        return reply.data.get("room")

    def close(self):
        self.client.vanish()


async def leftovers(stack, r):
    print("---- scenario 1: leftover rooms destroyed on start, others' kept", flush=True)
    stack.glue.kill()
    admin = Admin(stack, "a")
    try:
        leftover = await admin.create(TAG + "!crashed:localhost")
        foreign = await admin.create("someone else's room", allow_rtp_participants=True)
        stack.restart_glue()
        rooms = await wait_for(
            lambda: _without(admin, leftover), 15)
        r.check("the restarted glue destroyed the tagged leftover room, kept the untagged one",
                rooms and leftover not in rooms and foreign in rooms, f"rooms {rooms}")
        m = pool_e2e.metrics(stack)
        r.check("/metrics: glue_rooms_reconciled_total{instance=a} 1, b 0",
                m.get(("glue_rooms_reconciled_total", "a")) == 1
                and m.get(("glue_rooms_reconciled_total", "b")) == 0, repr(m))
        r.check("the glue logged the destroyed room",
                f"destroyed leftover room {leftover}" in stack.glue.log_excerpt(lines=None))
    finally:
        admin.close()
    return foreign


async def _without(admin, room):
    rooms = await admin.rooms()
    return rooms if room not in rooms else None


async def placement_by_load(stack, r, callers, foreign):
    print("---- scenario 2: the plugin's load steers placement", flush=True)
    peers = []
    for n in range(3):
        peer = PlainRtpPeer(stack.instances["a"].url, e2e.PACKAGE, foreign, f"rtp{n}", 500 + n)
        peer.client = JanusClient(stack.instances["a"].url, api_secret=stack.janus_api_secret)
        peers.append(peer)
    for peer in peers:
        await peer.join()

    async def reported():
        m = pool_e2e.metrics(stack)
        return m if m.get(("glue_janus_instance_reported_participants", "a")) == 3 else None
    m = await wait_for(reported, 5 + 2 * HEALTH_INTERVAL_MS / 1000)
    r.check("/metrics: a's plugin reports its 3 plain-RTP participants and a tick load",
            m and ("glue_janus_instance_tick_load", "a") in m
            and 0 <= m[("glue_janus_instance_tick_load", "a")] < 1
            and m.get(("glue_janus_instance_reported_participants", "b")) == 0, repr(m))
    pair = await pool_e2e.conference(stack, r, callers, 0)
    b_rooms = {}
    if pair is not None:
        b_admin = Admin(stack, "b")
        b_rooms = await b_admin.rooms()
        b_admin.close()
    r.check("the next conference goes to b: a has the participants, though none of ours",
            any(d.startswith(TAG) for d in b_rooms.values()), f"b's rooms {b_rooms}")
    return peers, pair


async def frozen_instance(stack, r, pair):
    print("---- scenario 3: an instance frozen (SIGSTOP), then back (SIGCONT)", flush=True)
    admin = Admin(stack, "b")
    ours = [room for room, d in (await admin.rooms()).items() if d.startswith(TAG)]
    admin.close()
    janus = stack.instances["b"]
    os.kill(janus.pid, signal.SIGSTOP)
    stopped = time.monotonic()
    try:
        async def down():
            return pool_e2e.metrics(stack).get(("glue_janus_instance_up", "b")) == 0
        seen = await wait_for(down, 30)
        r.check("the glue sees the frozen instance b down", seen,
                f"after {time.monotonic() - stopped:.1f} s")
        hung_up = await wait_for(
            lambda: _async(all(c.hangups(c.call_id) or c.rejects(c.call_id) for c in pair)), 15)
        r.check("b's callers were hung up", hung_up,
                f"{[(c.name, c.hangups(), c.rejects()) for c in pair]}")
    finally:
        os.kill(janus.pid, signal.SIGCONT)

    async def reconciled():
        m = pool_e2e.metrics(stack)
        return m if (m.get(("glue_janus_instance_up", "b")) == 1
                     and m.get(("glue_rooms_reconciled_total", "b")) == len(ours)) else None
    m = await wait_for(reconciled, 15)
    admin = Admin(stack, "b")  # the frozen Janus may have timed the old session out
    rooms = await admin.rooms()
    admin.close()
    r.check("b is back and the glue destroyed the room it no longer tracks",
            m is not None and ours and not set(ours) & set(rooms), f"ours {ours}, now {rooms}")


async def _async(value):
    return value


async def scenarios(stack, r, _workdir):
    callers = []
    peers = []
    try:
        foreign = await leftovers(stack, r)
        peers, pair = await placement_by_load(stack, r, callers, foreign)
        if pair is not None:
            await frozen_instance(stack, r, pair)
    finally:
        for peer in peers:
            await peer.close()
        await e2e.close_all(callers)


def inner(args):
    return e2e.run_with_stack(args, "e2e-reconcile", scenarios, pool=POOL, admin_key=ADMIN_KEY,
                              janus_settings={"health_interval_ms": HEALTH_INTERVAL_MS})


def main():
    return netns_main(e2e.stack_parser(__doc__), __file__, inner, TIME_LIMIT_S)


if __name__ == "__main__":
    sys.exit(main())
