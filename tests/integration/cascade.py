"""Cascaded rooms for tests and benchmarks: two Janus processes with the plugin, a
room on each, joined by a link (a plain-RTP `join` with `link: true` on each side).

The order is the one the glue follows: join the link on A without a far port
(A answers with its own port), join on B with A's port (B answers with its own and
starts sending), then `configure` A's link with B's port.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from janus_harness import JanusClient, JanusProcess, run_blocking  # noqa: E402

PACKAGE = "janus.plugin.conference"
ROOM = 77
SECRET = "cascade-secret"


def start_instance(plugin, port_range, env=None, debug_level=4):
    """A Janus with the plugin, its plain-RTP ports in port_range ("lo-hi")."""
    config = ('general: {\n    local_ip = "127.0.0.1"\n'
              f'    rtp_port_range = "{port_range}"\n}}\n')
    janus = JanusProcess([plugin], {f"{PACKAGE}.jcfg": config}, debug_level=debug_level, env=env)
    janus.start()
    return janus


class Admin:
    """A session with one handle on the plugin, for synchronous requests."""

    def __init__(self, url):
        self.client = JanusClient(url)
        self.handle = None

    async def open(self):
        await run_blocking(self.client.create)
        self.client.start_keepalive()
        self.handle = await run_blocking(self.client.attach, PACKAGE)
        return self

    async def req(self, body, timeout=10.0):
        return await run_blocking(self.client.message, self.handle, body, timeout=timeout)


async def create_room(admin, max_speakers=3):
    reply = await admin.req({"request": "create", "room": ROOM, "secret": SECRET,
                             "allow_rtp_participants": True, "max_speakers": max_speakers})
    if reply.event != "created":
        raise RuntimeError(f"create failed: {reply.data}")


class Link:
    """Both ends of a link: a handle on each instance, its participant ID there, and
    each side's own plain-RTP port."""

    def __init__(self):
        self.a = None  # Admin whose handle is A's end
        self.b = None
        self.a_id = self.b_id = None
        self.a_port = self.b_port = None


async def link_rooms(url_a, url_b, timeout_s=2, audiolevel_ext=1):
    link = Link()
    link.a = await Admin(url_a).open()
    link.b = await Admin(url_b).open()
    ja = await link.a.req({"request": "join", "room": ROOM, "link": True, "secret": SECRET,
                           "display": "link to B", "link_timeout": timeout_s,
                           "rtp": {"ip": "127.0.0.1", "audiolevel_ext": audiolevel_ext}})
    if ja.event != "joined":
        raise RuntimeError(f"link join on A failed: {ja.data}")
    link.a_id, link.a_port = ja.data["id"], ja.data["rtp"]["port"]
    jb = await link.b.req({"request": "join", "room": ROOM, "link": True, "secret": SECRET,
                           "display": "link to A", "link_timeout": timeout_s,
                           "rtp": {"ip": "127.0.0.1", "port": link.a_port,
                                   "audiolevel_ext": audiolevel_ext}})
    if jb.event != "joined":
        raise RuntimeError(f"link join on B failed: {jb.data}")
    link.b_id, link.b_port = jb.data["id"], jb.data["rtp"]["port"]
    ca = await link.a.req({"request": "configure",
                           "rtp": {"ip": "127.0.0.1", "port": link.b_port}})
    if ca.data.get("result") != "ok":
        raise RuntimeError(f"link configure on A failed: {ca.data}")
    return link
