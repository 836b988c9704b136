#!/usr/bin/python3
"""matrix-glue with a pool of three Janus instances (each with the plugin), Synapse and aiortc
callers, in one network namespace: the Stack of test_conference_e2e.py with a pool.

    /usr/bin/python3 tests/e2e/test_pool_e2e.py \\
        --glue build/matrix-glue/matrix-glue \\
        --plugin build/janus-plugin/libjanus_conference.so

Scenarios, in order (each builds on the previous one):
1. placement: three conferences (two callers each, in three group rooms) go one to each
   instance, by headroom and weight (weights 1, 1, 2: the heavier one first); each pair
   hears each other; /metrics shows every instance up with its load and weight;
2. failover: the instance of one conference SIGKILLed mid-call; the glue sees it down
   within the health interval, hangs up its callers with a notice that it calls them back,
   recreates the room on a live instance and calls each caller back in the same 1:1 room
   (m.call.invite from the focus, answered by the aiortc caller); each then hears the other
   again and never themselves. Prints the time from the kill to every caller hearing the
   others again, split into detection, invite, answer and media. The dead instance takes no
   new conference (a fourth goes to a live one), and the conferences on the others go on;
3. the glue SIGKILLed and restarted while conferences are spread over the live instances:
   the calls go on (tones), every room the glue tracks is still there with its callers, and
   /metrics shows the same placement.
Prints PASS/FAIL/INFO lines and ends with "N passed, M failed".
"""

import asyncio
import datetime
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import test_conference_e2e as e2e  # noqa: E402
from janus_harness import HTTP_ERRORS, JanusClient, JanusError, netns_main, run_blocking  # noqa: E402
from matrix_caller import check_two_hear_each_other  # noqa: E402

# Weight 2 for "c": it takes the first conference and twice the load of the others.
POOL = [("a", 1), ("b", 1), ("c", 2)]
HEALTH_INTERVAL_MS = 1000
# Nothing here tests S8: a focus must not leave a group room (ending its conference) while a
# loaded machine is still opening the direct rooms and placing the calls.
NO_CALL_TIMEOUT_S = 300
TIME_LIMIT_S = 420
CALL_BACK_TIMEOUT_S = 30
PAIR_FREQS = ((400, 660), (1130, 400), (660, 1130), (400, 1130))


def metrics(stack):
    """{(family, instance): value} of the glue's per-instance families."""
    status, text = stack.glue.request("GET", "/metrics", port=stack.glue.metrics_port)
    if status != 200:
        return {}
    return {(m[0], m[1]): float(m[2]) for m in re.findall(
        r'^(glue_\w+)\{instance="([^"]*)"\} (\S+)$', text, re.M)}


# What the glue logs on the way from a lost instance to a call-back's invite.
GLUE_STEPS = (("lost", r"Janus at \S+ lost"), ("placed", r"placed on Janus"),
              ("invite sent", r"call-back invite sent"))


def glue_steps(stack, since):
    """{step: seconds after `since` (wall clock)} of the first glue log line of each step."""
    found = {}
    for line in stack.glue.log_excerpt(lines=None).splitlines():
        stamp = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z ", line)
        if not stamp:
            continue
        at = datetime.datetime.strptime(stamp.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(
            tzinfo=datetime.timezone.utc).timestamp() - since
        for step, pattern in GLUE_STEPS:
            if at >= -0.5 and step not in found and re.search(pattern, line):
                found[step] = at
    return found


class Instances:
    """An admin session on each Janus of the pool: which instance holds whom."""

    def __init__(self, stack):
        self.stack = stack
        self.clients = {}

    def open(self):
        for name, janus in self.stack.instances.items():
            client = JanusClient(janus.url, api_secret=self.stack.janus_api_secret)
            client.create()
            client.start_keepalive()
            self.clients[name] = (client, client.attach(e2e.PACKAGE))

    def drop(self, name):
        client, _ = self.clients.pop(name)
        client.vanish()

    def close(self):
        for client, _ in self.clients.values():
            try:
                client.destroy()
            except HTTP_ERRORS + (JanusError,):
                pass

    async def displays(self):
        """{instance: sorted displays} over every room the glue's log names."""
        rooms = {int(n) for n in re.findall(r"\broom=(\d+)\b",
                                            self.stack.glue.log_excerpt(lines=None))}
        out = {}
        for name, (client, handle) in self.clients.items():
            found = []
            for room in sorted(rooms):
                listed = await run_blocking(client.message, handle,
                                            {"request": "listparticipants", "room": room})
                found += [p.get("display") for p in listed.data.get("participants") or []]
            out[name] = sorted(found)
        return out

    async def wait(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while True:
            found = await self.displays()
            if predicate(found) or time.monotonic() > deadline:
                return predicate(found), found
            await asyncio.sleep(0.5)


async def conference(stack, r, callers, n):
    """Two new members of a new group room call its focus; returns the connected pair."""
    f1, f2 = PAIR_FREQS[n % len(PAIR_FREQS)]
    a, b = [await stack.caller(name, f) for name, f in ((f"p{n}a", f1), (f"p{n}b", f2))]
    callers += [a, b]
    room = await e2e.group_room(a, [b], f"pool conference {n}")
    focus = await stack.focus_id(room)
    if not await e2e.invite_focus(r, a, room, focus):
        return None
    if not await e2e.open_dms(r, [(a, focus), (b, focus)], f"conference {n}: direct rooms"):
        return None
    connected = await e2e.place_calls(r, [a, b])
    return (a, b) if len(connected) == 2 else None


def on(found, pair):
    """The instance whose rooms hold both callers of `pair` (None: not exactly one)."""
    ids = {c.display for c in pair}
    where = [name for name, displays in found.items() if ids <= set(displays)]
    return where[0] if len(where) == 1 else None


async def hear(r, pairs, label):
    await e2e.record([c for pair in pairs for c in pair])
    for pair in pairs:
        before = r.failed
        check_two_hear_each_other(r, list(pair))
        if r.failed > before:
            r.info(f"{label}: {pair[0].name}/{pair[1].name} did not hear each other")


async def scenarios(stack, r, _workdir):
    instances = Instances(stack)
    await run_blocking(instances.open)
    callers = []
    try:
        await pool_scenarios(stack, r, instances, callers)
    finally:
        await e2e.close_all(callers)
        instances.close()


async def pool_scenarios(stack, r, instances, callers):
    print("---- scenario 1: placement across three instances", flush=True)
    t0 = time.monotonic()
    pairs = []
    for n in range(3):
        pair = await conference(stack, r, callers, n)
        if pair is None:
            return
        pairs.append(pair)
        # The next placement sees this conference's participants.
        await instances.wait(lambda found, pair=pair: on(found, pair) is not None, 10)
    ok, found = await instances.wait(lambda found: all(on(found, p) for p in pairs), 10)
    placed = [on(found, p) for p in pairs]
    r.check("three conferences: one on each instance, the weight-2 instance first",
            placed == ["c", "a", "b"], f"placed {placed}; {found}")
    await hear(r, pairs, "placement")
    m = metrics(stack)
    r.check("/metrics: every instance up, with its weight and load",
            all(m.get(("glue_janus_instance_up", name)) == 1 for name, _ in POOL)
            and [m.get(("glue_janus_instance_weight", name)) for name, _ in POOL] == [1, 1, 2]
            and all(m.get(("glue_janus_instance_participants", name)) == 2 and
                    m.get(("glue_janus_instance_conferences", name)) == 1
                    for name, _ in POOL), repr(m))
    r.info(f"scenario 1 took {time.monotonic() - t0:.1f} s")

    print("---- scenario 2: failover: an instance killed, its callers called back", flush=True)
    t0 = time.monotonic()
    victim = placed[1]  # "a"
    lost_pair = pairs[1]
    old_calls = {c.name: c.call_id for c in lost_pair}
    # The callers' clients answer the focus' next call, as an auto-answering client does.
    answering = [asyncio.ensure_future(c.answer_call(CALL_BACK_TIMEOUT_S)) for c in lost_pair]
    instances.drop(victim)
    killed = time.monotonic()
    killed_wall = time.time()
    stack.instances[victim].kill()
    seen_down = None
    while time.monotonic() - killed < 10:
        if metrics(stack).get(("glue_janus_instance_up", victim)) == 0:
            seen_down = time.monotonic() - killed
            break
        await asyncio.sleep(0.05)
    r.check(f"the glue sees instance {victim} down", seen_down is not None,
            f"after {seen_down:.2f} s (health interval {HEALTH_INTERVAL_MS} ms)"
            if seen_down is not None else "not within 10 s")
    results = await asyncio.gather(*answering, return_exceptions=True)
    for c, res in zip(lost_pair, results):
        r.check(f"{c.name} is called back by the focus in the same 1:1 room and answers",
                not isinstance(res, BaseException),
                e2e.describe(res) if isinstance(res, BaseException) else
                f"call {c.call_id}, connected")
    if any(isinstance(res, BaseException) for res in results):
        return
    heard_deadline = time.monotonic() + 10
    while (any(c.recorder.onset is None for c in lost_pair)
           and time.monotonic() < heard_deadline):
        await asyncio.sleep(0.05)
    for c in lost_pair:
        r.check(f"{c.name}'s old call was hung up, with a notice that the focus calls back",
                bool(c.hangups(old_calls[c.name]) or c.rejects(old_calls[c.name]))
                and any("calling you back" in n for n in c.notices()),
                f"hangups {c.hangups(old_calls[c.name])}; notices {c.notices()}")
    heard = [c.recorder.onset for c in lost_pair]
    if all(heard):
        def split(c):
            t = c.timings
            return (f"{c.name}: invite {t['invite'] - killed:.2f} s, answer sent "
                    f"{t['answer'] - killed:.2f} s, connected {t['connected'] - killed:.2f} s, "
                    f"hears {c.recorder.onset - killed:.2f} s")
        glue = glue_steps(stack, killed_wall)
        r.info(f"failover: kill -> every caller hears the others again: "
               f"{max(heard) - killed:.2f} s (glue: "
               + ", ".join(f"{step} {at:.2f} s" for step, at in glue.items())
               + "; " + "; ".join(split(c) for c in lost_pair) + ")")
    r.check("every called-back caller hears audio again", all(heard),
            f"onsets {heard}")
    ok, found = await instances.wait(lambda found: on(found, lost_pair) is not None, 10)
    r.check(f"the conference is recreated on a live instance, not {victim}",
            on(found, lost_pair) in ("b", "c"), f"on {on(found, lost_pair)}; {found}")
    await e2e.record(list(lost_pair))
    for c, other in (lost_pair, lost_pair[::-1]):
        e2e.check_hears(r, c, [other.freq], [c.freq], " after the call-back")
    status, text = stack.glue.request("GET", "/metrics", port=stack.glue.metrics_port)
    answered = re.search(r'^glue_call_backs_total\{outcome="answered"\} (\d+)$', text, re.M)
    r.check("/metrics counts the call-backs answered",
            answered is not None and int(answered.group(1)) == len(lost_pair),
            answered.group(0) if answered else "no glue_call_backs_total")
    pair = await conference(stack, r, callers, 3)
    if pair is None:
        return
    ok, found = await instances.wait(lambda found: on(found, pair) is not None, 10)
    r.check(f"a new conference goes to a live instance, not {victim}",
            on(found, pair) in ("b", "c"), f"on {on(found, pair)}; {found}")
    live = [pairs[0], pairs[2], lost_pair, pair]
    await hear(r, live, "after an instance stopped")
    r.info(f"scenario 2 took {time.monotonic() - t0:.1f} s")

    print("---- scenario 3: the glue restarted with conferences spread", flush=True)
    t0 = time.monotonic()
    before = await instances.displays()
    metrics_before = metrics(stack)
    stack.glue.kill()
    r.info(f"matrix-glue SIGKILLed (exit {stack.glue.proc.returncode})")
    await asyncio.sleep(1.0)
    stack.restart_glue()
    await asyncio.sleep(2.0 + HEALTH_INTERVAL_MS / 1000)
    r.check("the calls' PeerConnections stay connected",
            all(c.connected() for p in live for c in p),
            ", ".join(f"{c.name} {c.pc.connectionState}" for p in live for c in p))
    await hear(r, live, "after the glue restarted")
    after = await instances.displays()
    r.check("every tracked room is still there with the same callers (nothing destroyed)",
            after == before, f"before {before}; after {after}")
    m = metrics(stack)
    same = all(m.get((family, name)) == metrics_before.get((family, name))
               for name in ("b", "c") for family in ("glue_janus_instance_participants",
                                                     "glue_janus_instance_conferences"))
    r.check("/metrics after the restart: the same participants and rooms on each live instance, "
            f"{victim} down", same and m.get(("glue_janus_instance_up", victim)) == 0,
            f"before {metrics_before}; after {m}")
    r.info(f"scenario 3 took {time.monotonic() - t0:.1f} s")



def inner(args):
    return e2e.run_with_stack(args, "e2e-pool", scenarios, pool=POOL,
                              janus_settings={"health_interval_ms": HEALTH_INTERVAL_MS},
                              no_call_timeout=NO_CALL_TIMEOUT_S)


def main():
    return netns_main(e2e.stack_parser(__doc__), __file__, inner, TIME_LIMIT_S)


if __name__ == "__main__":
    sys.exit(main())
