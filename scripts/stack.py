#!/usr/bin/python3
"""Trial stack on this machine: Janus (Debian's) with the conference plugin, a
demo room with two bot talkers on plain RTP, and a web page to join it with a
microphone. Janus' HTTP API and the page listen on 127.0.0.1 only.

    scripts/stack.py --plugin build/janus-plugin/libjanus_conference.so [--duration S]

With --duration it checks itself after S seconds (both bots joined and hear
each other) and exits 0 or 1; without it, it runs until Ctrl-C.
"""

import argparse
import asyncio
import functools
import http.server
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from janus_harness import JanusClient, JanusProcess, PlainRtpPeer, run_blocking  # noqa: E402

ROOM = 1234
PACKAGE = "janus.plugin.conference"
PLUGIN_CONFIG = f"""
general: {{
    events = false
    rtp_port_range = "40000-40999"
}}
room-{ROOM}: {{
    description = "Demo room"
    allow_rtp_participants = true
}}
"""


def serve_demo(port):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=os.path.join(HERE, "..", "demo"))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


async def run(args):
    janus = JanusProcess([args.plugin], {f"{PACKAGE}.jcfg": PLUGIN_CONFIG}, session_timeout=60,
                         rtp_port_range="41000-41999")
    janus.start()
    bots = [PlainRtpPeer(janus.url, PACKAGE, ROOM, "bot-low", 330),
            PlainRtpPeer(janus.url, PACKAGE, ROOM, "bot-high", 523)]
    web = None
    try:
        for bot in bots:
            await bot.join()
        web = serve_demo(args.web_port)
        print(f"""
Trial stack is up.
  Janus HTTP API : {janus.url}   (log: {janus.log_path})
  Demo room      : {ROOM}, with two bots humming 330 Hz and 523 Hz
  Join it        : open http://127.0.0.1:{args.web_port}/?janus={janus.url}&room={ROOM}
                   in a browser on this machine, allow the microphone, press Join.
Stop with Ctrl-C.""", flush=True)
        if args.duration is None:
            await asyncio.Event().wait()
        await asyncio.sleep(args.duration)
        client = JanusClient(janus.url)
        await run_blocking(client.create)
        handle = await run_blocking(client.attach, PACKAGE)
        reply = await run_blocking(client.message, handle, {"request": "listparticipants", "room": ROOM})
        names = sorted(p.get("display", "") for p in reply.data.get("participants", []))
        await run_blocking(client.destroy)
        heard = [bot.packets_received for bot in bots]
        ok = names == ["bot-high", "bot-low"] and all(n > 0 for n in heard) and janus.alive()
        print(f"self-check: participants {names}, packets each bot received {heard}: "
              f"{'ok' if ok else 'FAILED'}", flush=True)
        return 0 if ok else 1
    finally:
        for bot in bots:
            await bot.close()
        if web:
            web.shutdown()
        janus.stop()
        janus.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--web-port", type=int, default=8080)
    parser.add_argument("--duration", type=float)
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(run(args)))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
