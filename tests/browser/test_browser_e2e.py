#!/usr/bin/python3
"""Matrix conference with the call engine Element Web uses: matrix-js-sdk's MatrixCall in
headless Chromium, three callers of the focus, each from its own browser.

    /usr/bin/python3 tests/browser/test_browser_e2e.py \
        --glue build/matrix-glue/matrix-glue \
        --plugin build/janus-plugin/libjanus_conference.so

Needs root (network namespace), the Synapse root of scripts/prepare-synapse.sh, Debian's
chromium and Node.js; runs `npm ci` in tests/browser when node_modules is missing or
older than package-lock.json. The stack is the one of tests/e2e/test_conference_e2e.py
(Synapse, Janus with the plugin, matrix-glue, all inside a network namespace the test
creates). bridge.mjs drives the browsers through puppeteer-core; each page
(page/caller.js, bundled with esbuild into the run's folder and served on 127.0.0.1) logs
in, opens a direct room with the focus and places a voice call with client.createCall()
and placeVoiceCall(); Chromium's fake microphone plays a tone of the caller's own.

Checks: every call connects; each caller hears the others' tones and not its own; a
caller's own hangup gets no m.call.hangup from the focus (one hangup in the 1:1 room, the
caller's) and no ICE failure in the glue's log or metrics; a caller whose browser is
SIGKILLed after media flowed (no DTLS alert, as a lost network) gets one m.call.hangup
with reason ice_timeout (the plugin closes a PeerConnection silent for media_timeout);
the last caller's hangup makes the focus leave the group room (S7). Prints PASS/FAIL/INFO
lines and ends with "N passed, M failed".
"""

import asyncio
import base64
import concurrent.futures
import functools
import http.server
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "e2e"))
sys.path.insert(0, os.path.join(TESTS, "integration"))

import synapse_harness as sh  # noqa: E402
import test_conference_e2e as e2e  # noqa: E402
from janus_harness import (SAMPLE_RATE, die_with_parent, netns_main,  # noqa: E402
                           run_blocking, tone_samples)

NODE = "node"
CALLERS = (("alice", e2e.FREQS[0]), ("bob", e2e.FREQS[1]), ("carol", e2e.FREQS[2]))
WAV_SECONDS = 10            # whole cycles of every tone: Chromium loops the file without a click
CONNECT_TIMEOUT_S = 30.0
# Janus' default keepalives need no answer, so Janus itself never notices a browser that
# died (nothing in 170 s, measured): the plugin closes a PeerConnection with no RTP or RTCP
# for media_timeout seconds (checked every quarter of it); the glue then waits
# hangup_grace_ms for a hangup of the caller's own before it sends ice_timeout.
MEDIA_TIMEOUT_S = 10
LOSS_TIMEOUT_S = 40.0
TIME_LIMIT_S = 420


# --------------------------------------------------------------------------- janus

# --------------------------------------------------------------------------- npm

def ensure_node_modules():
    """`npm ci` when node_modules is missing or older than the lockfile (npm writes its own
    copy, node_modules/.package-lock.json, on every install)."""
    lock = os.path.join(HERE, "package-lock.json")
    installed = os.path.join(HERE, "node_modules", ".package-lock.json")
    if os.path.exists(installed) and os.path.getmtime(installed) >= os.path.getmtime(lock):
        return
    print("INFO node_modules missing or stale: npm ci", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=600)


def build_page(folder):
    """The page and its bundle (matrix-js-sdk included) in `folder`."""
    os.makedirs(folder)
    shutil.copy(os.path.join(HERE, "page", "index.html"), folder)
    subprocess.run(["npm", "run", "--silent", "build", "--",
                    f"--outfile={os.path.join(folder, 'caller.js')}"],
                   cwd=HERE, check=True, timeout=120)


class PageServer:
    """Serves the page folder on 127.0.0.1 (a secure context, as getUserMedia needs)."""

    def __init__(self, folder):
        handler = functools.partial(QuietHandler, directory=folder)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/index.html"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def write_tone_wav(path, freq):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(tone_samples(freq, 0, WAV_SECONDS * SAMPLE_RATE).tobytes())


# --------------------------------------------------------------------------- browsers

class Bridge:
    """bridge.mjs as a child process: one JSON request per line, answers matched by id."""

    def __init__(self):
        self.proc = None
        self._ids = itertools.count(1)
        self._waiting = {}
        self._reader = None

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            NODE, os.path.join(HERE, "bridge.mjs"), cwd=HERE, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, preexec_fn=die_with_parent,
            limit=64 * 1024 * 1024)  # a recording is one line of a few MB
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                break
            answer = json.loads(line)
            future = self._waiting.pop(answer.get("id"), None)
            if future is not None and not future.done():
                future.set_result(answer)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(RuntimeError(
                    f"bridge.mjs exited with {await self.proc.wait()}"))

    async def request(self, op, timeout=60.0, **params):
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        self.proc.stdin.write((json.dumps({"id": request_id, "op": op, **params}) + "\n").encode())
        await self.proc.stdin.drain()
        answer = await asyncio.wait_for(future, timeout)
        if not answer["ok"]:
            raise RuntimeError(f"{op} {params.get('name', '')}: {answer['error'][:600]}")
        return answer["value"]

    async def close(self):
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()


class Received:
    """What a page recorded, in the shape e2e.check_hears reads (recorder.samples())."""

    def __init__(self):
        self._samples = np.zeros(0, np.float32)
        self.rate = 0

    def set(self, taken):
        self.rate = taken["rate"]
        self._samples = np.frombuffer(base64.b64decode(taken["samples"]), dtype="<f4")

    def samples(self):
        return self._samples


class BrowserCaller:
    """A registered user with a Chromium page running matrix-js-sdk, plus the test's own
    client of the same account for the group room and for reading what the server stored."""

    def __init__(self, bridge, synapse_url, user_id, token, name, freq, workdir):
        self.bridge = bridge
        self.synapse_url = synapse_url
        self.user_id = user_id
        self.token = token
        self.name = name
        self.display = name  # Synapse's display name for a new user: its localpart
        self.freq = freq
        self.wav = os.path.join(workdir, f"{name}-{freq}hz.wav")
        self.log = os.path.join(workdir, f"{name}-console.log")
        self.client = sh.MatrixClient(synapse_url, user_id, token, timeline_limit=200).start_sync()
        self.recorder = Received()
        self.dm = None
        self.call_id = None
        self.alive = False

    async def launch(self, page_url):
        write_tone_wav(self.wav, self.freq)
        launched = await self.bridge.request("launch", name=self.name, wav=self.wav,
                                             url=page_url, log=self.log)
        self.alive = True
        device = (await run_blocking(self.client.request, "GET", "/account/whoami"))["device_id"]
        await self.js("start", self.synapse_url, self.user_id, self.token, device)
        return launched

    async def js(self, fn, *args, timeout=60.0):
        return await self.bridge.request("evaluate", timeout=timeout, name=self.name, fn=fn,
                                         args=list(args))

    async def status(self):
        return await self.js("status")

    async def take(self):
        self.recorder.set(await self.js("take"))

    async def kill(self):
        self.alive = False
        return await self.bridge.request("kill", name=self.name)

    async def close(self):
        if self.alive:
            self.alive = False
            try:
                await self.bridge.request("close", name=self.name, timeout=20)
            except (RuntimeError, asyncio.TimeoutError):
                pass
        await run_blocking(self.client.stop)

    async def dm_call_events(self, event_type):
        """(sender, reason) of the call's events of a type as the server stores them."""
        page = await run_blocking(self.client.messages, self.dm, "b", 200)
        return [(e.get("sender"), e["content"].get("reason")) for e in page.get("chunk", [])
                if e.get("type") == event_type
                and e.get("content", {}).get("call_id") == self.call_id]

    def focus_hangups(self, focus):
        return [e["content"].get("reason") for e in self.client.timeline(self.dm)
                if e.get("type") == "m.call.hangup" and e.get("sender") == focus
                and e.get("content", {}).get("call_id") == self.call_id]


# --------------------------------------------------------------------------- checks

async def record(callers, seconds):
    await asyncio.sleep(e2e.SETTLE_S)
    for c in callers:
        await c.js("mark")
    await asyncio.sleep(seconds)
    for c in callers:
        await c.take()


def check_rate(r, callers):
    rates = {c.name: c.recorder.rate for c in callers}
    return r.check("the pages record the received audio at 48 kHz",
                   all(rate == SAMPLE_RATE for rate in rates.values()), repr(rates))


async def metric(stack, name):
    status, text = await run_blocking(stack.glue.request, "GET", "/metrics", b"", None,
                                      stack.glue.metrics_port)
    for line in str(text).splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    raise RuntimeError(f"/metrics ({status}) has no {name}")


def ice_lines(stack, offset, call_id):
    return [line for _, line in e2e.glue_log_lines(stack, offset, call_id)
            if "ice_failed" in line or "ice_timeout" in line]


def janus_said(stack, offset, call_id):
    """What the glue logged Janus reporting about a call's PeerConnection, each once."""
    return list(dict.fromkeys(
        line.split("Janus: ", 1)[1].strip() for _, line in
        e2e.glue_log_lines(stack, offset, call_id, "Janus: PeerConnection gone")))


async def wait_states(callers, done, timeout):
    """Polls every page until done(status) holds for all; {name: last status}."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = {c.name: await c.status() for c in callers}
        if all(done(s) for s in statuses.values()) or time.monotonic() > deadline:
            return statuses
        await asyncio.sleep(0.2)


async def check_own_hangup(r, stack, caller, focus, label):
    """caller hangs up itself: its call ends with one m.call.hangup (its own) in the 1:1
    room, and the focus logs and counts no ICE failure."""
    log_offset = stack.glue.log_size()
    hung_up_before = await metric(stack, "glue_calls_hung_up_total")
    await caller.js("hangup")
    ok, rooms = await stack.wait_janus(
        lambda rooms: caller.display not in sum(rooms.values(), []), e2e.EJECT_TIMEOUT_S)
    r.check(f"{caller.name} is no longer a janus participant after hanging up{label}", ok,
            repr(rooms))
    # Past the glue's grace for a caller's own hangup, and then some.
    await asyncio.sleep(e2e.HANGUP_GRACE_MS / 1000 + 2)
    status = await caller.status()
    r.check(f"{caller.name}'s MatrixCall ended by its own hangup{label}",
            status["state"] == "ended" and status["hangupParty"] == "local"
            and status["hangupReason"] == "user_hangup",
            f"state {status['state']}, party {status['hangupParty']}, reason "
            f"{status['hangupReason']}")
    hangups = await caller.dm_call_events("m.call.hangup")
    r.check(f"{caller.name}'s 1:1 room holds one m.call.hangup, the caller's{label}",
            hangups == [(caller.user_id, "user_hangup")], repr(hangups))
    failures = ice_lines(stack, log_offset, caller.call_id)
    hung_up_after = await metric(stack, "glue_calls_hung_up_total")
    r.check(f"the glue logs no ICE failure for {caller.name}'s call and sends no hangup{label}",
            not failures and hung_up_after == hung_up_before,
            f"glue_calls_hung_up_total {hung_up_before} -> {hung_up_after}; "
            f"ice lines {[line[-160:] for line in failures]}")
    gone = janus_said(stack, log_offset, caller.call_id)
    r.info(f"glue log for {caller.name}'s call: Janus said {gone or 'nothing'}")


# --------------------------------------------------------------------------- scenario

async def conference(stack, r, bridge, page_url, workdir, callers):
    for name, freq in CALLERS:
        user_id, token = await run_blocking(stack.synapse.register_user, name)
        callers.append(BrowserCaller(bridge, stack.synapse.url, user_id, token, name, freq,
                                     workdir))
    t0 = time.monotonic()
    launched = await asyncio.gather(*(c.launch(page_url) for c in callers))
    r.info(f"{len(callers)} Chromium callers ({launched[0]['version']}) logged in with "
           f"matrix-js-sdk in {time.monotonic() - t0:.1f} s")
    alice, bob, carol = callers
    room = await e2e.group_room(alice, [bob, carol], "browser conference")
    focus = await stack.focus_id(room)
    if not await e2e.invite_focus(r, alice, room, focus):
        return
    dms = await asyncio.gather(*(c.js("openDm", focus) for c in callers))
    for c, dm in zip(callers, dms):
        c.dm = dm
    joined = await asyncio.gather(*(c.js("waitJoined", c.dm, focus, e2e.JOIN_TIMEOUT_S * 1000)
                                    for c in callers), return_exceptions=True)
    if not r.check("the focus joins the direct rooms the three pages opened",
                   all(j is True for j in joined), repr(joined)):
        return

    call_ids = await asyncio.gather(*(c.js("placeVoiceCall", c.dm) for c in callers))
    for c, call_id in zip(callers, call_ids):
        c.call_id = call_id
    statuses = await wait_states(callers, lambda s: s["state"] in ("connected", "ended"),
                                 CONNECT_TIMEOUT_S)
    connect_ms = []
    for c in callers:
        s = statuses[c.name]
        r.check(f"{c.name}'s MatrixCall reaches connected", s["state"] == "connected",
                f"placeVoiceCall -> connected {s['connectedMs']} ms; ICE {s['iceConnectionState']}"
                f"; states {s['states']}; errors {s['errors']}; hangup {s['hangupReason']}")
        if s["connectedMs"] is not None:
            connect_ms.append(s["connectedMs"])
    if len(connect_ms) != len(callers):
        return
    r.info(f"placeVoiceCall -> connected: {sorted(connect_ms)} ms")
    ok, rooms = await stack.wait_janus(lambda rooms: any(
        sorted(d) == sorted(c.display for c in callers) for d in rooms.values()), 5)
    r.check("janus has one room with exactly the three callers", ok, repr(rooms))

    await record(callers, e2e.RECORD_S)
    if check_rate(r, callers):
        e2e.check_conference_audio(r, callers)

    await check_own_hangup(r, stack, alice, focus, "")
    await record([bob, carol], 4.0)
    e2e.check_hears(r, bob, [carol.freq], [bob.freq, alice.freq], " (alice hung up)")
    e2e.check_hears(r, carol, [bob.freq], [carol.freq, alice.freq], " (alice hung up)")

    # Carol's browser dies: no DTLS alert, no m.call.hangup, her media just stops, as when
    # her network goes away.
    log_offset = stack.glue.log_size()
    killed = await carol.kill()
    killed_at = time.monotonic()
    r.info(f"carol's Chromium (process group {killed['pid']}) SIGKILLed after media flowed")
    try:
        await run_blocking(carol.client.wait_for, lambda: carol.focus_hangups(focus),
                           LOSS_TIMEOUT_S)
    except TimeoutError:
        pass
    seen_s = time.monotonic() - killed_at
    await asyncio.sleep(2.0)
    hangups = await carol.dm_call_events("m.call.hangup")
    gone = janus_said(stack, log_offset, carol.call_id)
    r.check("carol, whose connected media was lost, gets one m.call.hangup with reason "
            "ice_timeout", hangups == [(focus, "ice_timeout")],
            f"{hangups}, seen {seen_s:.1f} s after the kill; Janus said {gone or 'nothing'}")
    ok, rooms = await stack.wait_janus(
        lambda rooms: carol.display not in sum(rooms.values(), []), 5)
    r.check("carol is no longer a janus participant", ok, repr(rooms))
    status = await bob.status()
    r.check("bob's call goes on", status["state"] == "connected" and not bob.focus_hangups(focus),
            f"state {status['state']}, ICE {status['iceConnectionState']}, focus hangups "
            f"{bob.focus_hangups(focus)}")

    await check_own_hangup(r, stack, bob, focus, " (the last caller)")
    try:
        await run_blocking(bob.client.wait_membership, room, focus, "leave", e2e.EJECT_TIMEOUT_S)
        left = True
    except TimeoutError:
        left = False
    r.check("S7: the last caller hung up, the focus leaves the group room", left,
            repr(bob.client.memberships.get(room, {}).get(focus)))


async def run(stack, r, workdir):
    asyncio.get_running_loop().set_default_executor(
        concurrent.futures.ThreadPoolExecutor(max_workers=32))
    page_folder = os.path.join(workdir, "page")
    await run_blocking(build_page, page_folder)
    server = PageServer(page_folder)
    bridge = Bridge()
    callers = []
    log_offset = stack.glue.log_size()
    started = time.monotonic()
    failed_before = r.failed
    try:
        await bridge.start()
        await asyncio.wait_for(conference(stack, r, bridge, server.url, workdir, callers), 240)
    except Exception as e:  # noqa: BLE001 - one failed check, then the summary
        r.check("the browser scenario ran without error", False,
                f"{e2e.describe(e)}\n{traceback.format_exc(limit=5)}")
    finally:
        r.info(f"the browser scenario took {time.monotonic() - started:.1f} s")
        for c in callers:
            await c.close()
        await bridge.close()
        server.close()
    if r.failed > failed_before:
        print(f"--- matrix-glue log (last 40 lines) ---\n{stack.glue.log_excerpt(log_offset)}"
              "\n---", flush=True)
        for c in callers:
            with open(c.log, errors="replace") as f:
                tail = f.read().splitlines()[-25:]
            print(f"--- {c.name}'s browser console (last 25 lines) ---\n" + "\n".join(tail)
                  + "\n---", flush=True)


def inner(args):
    return e2e.run_with_stack(args, "browser-e2e", run,
                              plugin_general=f"    media_timeout = {MEDIA_TIMEOUT_S}\n")


def main():
    return netns_main(e2e.stack_parser(__doc__), __file__, inner, TIME_LIMIT_S,
                      before=ensure_node_modules)


if __name__ == "__main__":
    sys.exit(main())
