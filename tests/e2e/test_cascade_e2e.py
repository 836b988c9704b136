#!/usr/bin/python3
"""matrix-glue spreading one conference over two Janus instances (a cascade), with Synapse and
aiortc callers in one network namespace: the Stack of test_conference_e2e.py with a pool.

    /usr/bin/python3 tests/e2e/test_cascade_e2e.py \\
        --glue build/matrix-glue/matrix-glue \\
        --plugin build/janus-plugin/libjanus_conference.so

Instance "a" takes at most 2 callers of one conference (conference_share = 2), "b" has no
limit. Four callers, each sending its own tone, call the focus one group room's focus in turn:
the first two land on "a", the next two on a room the glue creates on "b" and links to the
room on "a" (checked with the plugins' `list`: callers and links per instance, and /metrics).
Every caller hears the tones of the three others, on both sides of the link, and its own at
least 40 dB below the weakest of them (as tests/integration/test_cascade.py judges it). Then
the callers on "b" hang up: the room on "b" and the links on both sides are gone.
Prints PASS/FAIL/INFO lines and ends with "N passed, M failed".
"""

import asyncio
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import test_conference_e2e as e2e  # noqa: E402
from janus_harness import HTTP_ERRORS, JanusClient, JanusError, netns_main, run_blocking  # noqa: E402

ADMIN_KEY = "cascade-e2e-admin-key"
POOL = [("a", 1, {"conference_share": 2}), ("b", 1)]
HEALTH_INTERVAL_MS = 1000
# The plugin's own plain-RTP address, which each side's link sends to.
PLUGIN_GENERAL = '    local_ip = "127.0.0.1"\n'
FREQS = (400, 660, 1130, 1570)
OWN_TONE_BELOW_DB = 40.0
TIME_LIMIT_S = 240


class Rooms:
    """An admin session on each instance: its rooms' callers and links (`list`)."""

    def __init__(self, stack):
        self.clients = {}
        for name, janus in stack.instances.items():
            client = JanusClient(janus.url, api_secret=stack.janus_api_secret)
            client.create()
            client.start_keepalive()
            self.clients[name] = (client, client.attach(e2e.PACKAGE))

    def close(self):
        for client, _ in self.clients.values():
            try:
                client.destroy()
            except HTTP_ERRORS + (JanusError,):
                pass

    async def counts(self):
        """{instance: (rooms, participants, links)} of every room there."""
        out = {}
        for name, (client, handle) in self.clients.items():
            listed = await run_blocking(client.message, handle,
                                        {"request": "list", "admin_key": ADMIN_KEY})
            rooms = listed.data.get("list") or []
            out[name] = (len(rooms), sum(x.get("num_participants", 0) for x in rooms),
                         sum(x.get("num_links", 0) for x in rooms))
        return out

    async def wait(self, want, timeout):
        deadline = time.monotonic() + timeout
        while True:
            found = await self.counts()
            if found == want or time.monotonic() > deadline:
                return found == want, found
            await asyncio.sleep(0.3)


def metric(stack, name):
    status, text = stack.glue.request("GET", "/metrics", port=stack.glue.metrics_port)
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M) if status == 200 else None
    return float(m.group(1)) if m else None


def check_hears_all(r, caller, others):
    levels = e2e.tone_report(caller.recorder.samples(), sorted(FREQS), skip_seconds=e2e.SKIP_S)
    name = (f"{caller.name} hears {sorted(o.freq for o in others)} Hz (both sides of the link), "
            f"its own {caller.freq} Hz at least {OWN_TONE_BELOW_DB:.0f} dB below them")
    if levels is None:
        return r.check(name, False, "received less than 1 s of audio to analyse")
    weakest = min(levels[o.freq] for o in others)
    return r.check(name, weakest >= e2e.OTHER_TONE_MIN_DB
                   and levels[caller.freq] <= weakest - OWN_TONE_BELOW_DB, e2e.fmt_levels(levels))


async def scenarios(stack, r, _workdir):
    rooms = await run_blocking(Rooms, stack)
    callers = []
    try:
        await cascade(stack, r, rooms, callers)
    finally:
        await e2e.close_all(callers)
        rooms.close()


async def cascade(stack, r, rooms, callers):
    t0 = time.monotonic()
    for i, f in enumerate(FREQS):
        callers.append(await stack.caller(f"c{i}", f))
    room = await e2e.group_room(callers[0], callers[1:], "cascade conference")
    focus = await stack.focus_id(room)
    if not await e2e.invite_focus(r, callers[0], room, focus):
        return
    if not await e2e.open_dms(r, [(c, focus) for c in callers], "direct rooms"):
        return
    # One at a time: the share is counted per answered caller.
    for c in callers:
        if not await e2e.place_calls(r, [c]):
            return
    ok, found = await rooms.wait({"a": (1, 2, 1), "b": (1, 2, 1)}, 10)
    r.check("2 callers on a, 2 on b in a room linked to a's (rooms, callers, links per "
            "instance)", ok, repr(found))
    m = {name: metric(stack, f'glue_janus_instance_participants{{instance="{name}"}}')
         for name in ("a", "b")}
    r.check("/metrics: 2 calls on each instance, glue_cascade_rooms 1, one link set up",
            m == {"a": 2, "b": 2} and metric(stack, "glue_cascade_rooms") == 1
            and metric(stack, 'glue_cascade_links_total{outcome="linked"}') == 1,
            f"participants {m}, cascade rooms {metric(stack, 'glue_cascade_rooms')}")
    await e2e.record(callers)
    for c in callers:
        check_hears_all(r, c, [o for o in callers if o is not c])

    for c in callers[2:]:
        await c.hangup()
    ok, found = await rooms.wait({"a": (1, 2, 0), "b": (0, 0, 0)}, 10)
    r.check("the b callers hung up: the room on b and the links on both sides are gone", ok,
            repr(found))
    r.check("/metrics: glue_cascade_rooms 0", metric(stack, "glue_cascade_rooms") == 0,
            f"{metric(stack, 'glue_cascade_rooms')}")
    await e2e.record(callers[:2])
    for c, other in (callers[:2], callers[1::-1]):
        e2e.check_hears(r, c, [other.freq], [c.freq], " after the linked room went")
    r.info(f"cascade scenario took {time.monotonic() - t0:.1f} s")


def inner(args):
    return e2e.run_with_stack(args, "e2e-cascade", scenarios, plugin_general=PLUGIN_GENERAL,
                              pool=POOL, admin_key=ADMIN_KEY,
                              janus_settings={"health_interval_ms": HEALTH_INTERVAL_MS},
                              no_call_timeout=300)


def main():
    return netns_main(e2e.stack_parser(__doc__), __file__, inner, TIME_LIMIT_S)


if __name__ == "__main__":
    sys.exit(main())
