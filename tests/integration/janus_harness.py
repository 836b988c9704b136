"""Reusable parts for integration tests against a real Janus.

Everything WebRTC happens inside a network namespace the test creates (see
DESIGN.md, "Real parts in tests"): NetNs makes one, JanusProcess runs Janus with a
throw-away config folder (the host's Janus, or with JANUS_ROOT=DIR in the environment
the Janus of that root, chrooted), JanusClient speaks the HTTP API, AudioPeer (aiortc) and
PlainRtpPeer are conference participants, tone_report analyses what they heard.
VideoPeer (aiortc, solid-colour VP8 from a ColourTrack) keeps the newest video
frame it receives; frame_planes/region_mean measure colours in it.

Run this module directly (`janus_harness.py audio-peer ...`) to get one AudioPeer in
its own process: a test can SIGKILL it to simulate a client that vanishes.
"""

import argparse
import asyncio
import ctypes
import fractions
import http.client
import itertools
import json
import os
import queue
import random
import secrets
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import av
import numpy as np
from aiortc import (MediaStreamTrack, RTCConfiguration, RTCPeerConnection,
                    RTCSessionDescription)
from aiortc.mediastreams import MediaStreamError

SAMPLE_RATE = 48000
FRAME_SAMPLES = 960  # 20 ms at 48 kHz
TONE_AMPLITUDE = 0.25  # three of them summed stay below full scale

JANUS_BIN = "/usr/bin/janus"
ADMIN_SECRET = "integration-admin"  # Janus' Admin API on 127.0.0.1, for the tests only
# Debian's Janus libraries, under the machine's multiarch folder (x86_64-linux-gnu, ...).
JANUS_LIB_DIR = f"/usr/lib/{sysconfig.get_config_var('MULTIARCH')}/janus"
NETNS_PREFIX = "mcutest"

# What talking to Janus over HTTP can raise besides its own error answers (a long
# poll cut off when the session ends raises http.client.IncompleteRead, for one).
HTTP_ERRORS = (OSError, ValueError, http.client.HTTPException)

_PR_SET_PDEATHSIG = 1


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies, even by SIGKILL.

    Survives the execve done by `ip netns exec`, so it also covers what runs inside.
    """
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _run(argv, check=True):
    return subprocess.run(argv, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=30)


# --------------------------------------------------------------------------- netns

class NetNs:
    """A private network namespace: lo up plus a veth pair whose two ends both stay
    inside it, so ICE has non-loopback addresses and no packet can leave the host.

    The name carries our pid; namespaces left by a test process that no longer exists
    (killed with SIGKILL, so no cleanup ran) are removed on entry.
    """

    def __init__(self):
        self.name = f"{NETNS_PREFIX}-{os.getpid()}-{secrets.token_hex(3)}"
        self.subnet = f"10.213.{random.randint(1, 254)}"
        self.addresses = (f"{self.subnet}.1", f"{self.subnet}.2")
        self._prev_sigterm = None

    def exec_argv(self, argv):
        return ["ip", "netns", "exec", self.name] + list(argv)

    def __enter__(self):
        self._remove_stale()
        # SIGTERM (e.g. from CTest or a CI runner) must still run __exit__.
        self._prev_sigterm = signal.signal(signal.SIGTERM, raise_system_exit)
        try:
            _run(["ip", "netns", "add", self.name])
            ns = ["ip", "-n", self.name]
            _run(ns + ["link", "set", "lo", "up"])
            _run(ns + ["link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b"])
            for dev, addr in zip(("veth-a", "veth-b"), self.addresses):
                _run(ns + ["addr", "add", f"{addr}/24", "dev", dev])
                _run(ns + ["link", "set", dev, "up"])
            self._link_ends_directly()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _link_ends_directly(self):
        """ICE between a peer bound to one end and Janus on the other: the kernel
        sends from one local address to the other through the veth pair only with
        accept_local and static neighbour entries (ARP between them fails)."""
        ns = ["ip", "-n", self.name]
        for dev in ("all", "veth-a", "veth-b"):
            _run(self.exec_argv(["sysctl", "-q", "-w", f"net.ipv4.conf.{dev}.accept_local=1"]))
        macs = {dev: json.loads(_run(ns + ["-j", "link", "show", dev]).stdout)[0]["address"]
                for dev in ("veth-a", "veth-b")}
        for dev, other, addr in (("veth-a", "veth-b", self.addresses[1]),
                                 ("veth-b", "veth-a", self.addresses[0])):
            _run(ns + ["neigh", "replace", addr, "lladdr", macs[other], "dev", dev,
                       "nud", "permanent"])

    def __exit__(self, *exc):
        try:
            _delete_netns(self.name)
        finally:
            signal.signal(signal.SIGTERM, self._prev_sigterm or signal.SIG_DFL)
        return False

    @staticmethod
    def _remove_stale():
        out = _run(["ip", "netns", "list"], check=False).stdout
        for line in out.splitlines():
            name = line.split()[0] if line.split() else ""
            parts = name.split("-")
            if len(parts) == 3 and parts[0] == NETNS_PREFIX and parts[1].isdigit():
                if not os.path.exists(f"/proc/{parts[1]}"):
                    _delete_netns(name)


def raise_system_exit(signum, frame):
    """SIGTERM handler: unwind like an exception so that cleanup code runs."""
    raise SystemExit(128 + signum)


def _delete_netns(name, grace=5.0):
    """End what still runs in the namespace (only our test's processes can be
    there: SIGTERM once so they clean up, SIGKILL after `grace` s) so that deleting
    it really frees the veth pair, then delete it."""
    def signal_all(sig):
        pids = _run(["ip", "netns", "pids", name], check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), sig)
            except (ProcessLookupError, ValueError):
                pass
        return pids

    deadline = time.monotonic() + grace
    if signal_all(signal.SIGTERM):
        while _run(["ip", "netns", "pids", name], check=False).stdout.split():
            if time.monotonic() > deadline:
                signal_all(signal.SIGKILL)
                break
            time.sleep(0.2)
    _run(["ip", "netns", "delete", name], check=False)


# --------------------------------------------------------------------------- janus

JANUS_DIR_PREFIX = "janus-test-"


def janus_root():
    """The root whose Janus the tests run, chrooted (the environment's JANUS_ROOT:
    the Debian-unstable root of scripts/prepare-synapse.sh has the newest Janus);
    None for the host's Janus."""
    return os.environ.get("JANUS_ROOT") or None


def _remove_stale_dirs(tmp):
    """Config/log folders left by a test process that was SIGKILLed (pid in the name)."""
    for entry in os.listdir(tmp):
        pid = entry[len(JANUS_DIR_PREFIX):].split("-", 1)[0]
        if entry.startswith(JANUS_DIR_PREFIX) and pid.isdigit() \
                and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(os.path.join(tmp, entry), ignore_errors=True)


def local_ipv4_addresses():
    """Non-loopback IPv4 addresses of the current network namespace."""
    out = _run(["ip", "-4", "-o", "addr", "show"], check=False).stdout
    addrs = [line.split()[3].split("/")[0] for line in out.splitlines() if len(line.split()) > 3]
    return [a for a in addrs if not a.startswith("127.")]


def free_tcp_port():
    """A port free now; whoever binds it later may find it taken (see listening_tcp_ports)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_tcp_ports(pid):
    """The TCP ports a process listens on with sockets of its own."""
    listening = {}
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as fh:
            for line in fh.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A":  # TCP_LISTEN
                    listening[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    return {listening[inode] for inode in socket_inodes(pid) if inode in listening}


def socket_inodes(pid):
    """The inodes (as /proc/net tables print them) of the sockets a process has open."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


TSAN_SUPPRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tsan.supp")


def plugin_sanitizer(plugin):
    """"tsan" when the plugin links the ThreadSanitizer runtime, else "asan"."""
    needed = subprocess.run(["readelf", "-d", plugin], capture_output=True, text=True,
                            check=True).stdout
    return "tsan" if "[libtsan.so" in needed else "asan"


def _sanitizer_runtime(lib):
    """Path of a sanitizer runtime (libasan.so, libtsan.so) for the Janus that runs:
    with a janus_root() that root's, found by its own gcc."""
    root = janus_root()
    gcc = ["chroot", root, "gcc"] if root else ["gcc"]
    return subprocess.run(gcc + [f"-print-file-name={lib}"], capture_output=True, text=True,
                          check=True).stdout.strip()


def sanitizer_env(plugin=None):
    """Environment for the stock Janus running a plugin built with a sanitizer: its
    runtime must be loaded first. Which one the plugin's own libraries tell;
    without a plugin, ASan+UBSan.

    ASan+UBSan: Janus' own leaks at exit are not the plugin's, so leak detection is off.

    ThreadSanitizer: Janus and its libraries are not instrumented and synchronise in
    ways TSan cannot see; tsan.supp (a host path: not with a janus_root()) drops what
    their calls of intercepted functions record, and names none of our frames.
    Reports do not stop Janus, so one run shows all of them; each fails the test
    (sanitizer_reports, and TSan's exit code 66). Options in the environment's
    TSAN_OPTIONS come last, so they win."""
    if plugin and plugin_sanitizer(plugin) == "tsan":
        if janus_root():
            raise RuntimeError("a ThreadSanitizer plugin runs only in the host's Janus")
        options = [f"suppressions={TSAN_SUPPRESSIONS}", "halt_on_error=0", "exitcode=66",
                   "second_deadlock_stack=1"]
        # The runtime's own symbolizer gives no frames of the plugin inside Janus.
        symbolizer = shutil.which("llvm-symbolizer") or shutil.which("llvm-symbolizer-14")
        if symbolizer:
            options.append(f"external_symbolizer_path={symbolizer}")
        options.append(os.environ.get("TSAN_OPTIONS", ""))
        return {"LD_PRELOAD": _sanitizer_runtime("libtsan.so"),
                "TSAN_OPTIONS": " ".join(options).strip()}
    return {"LD_PRELOAD": _sanitizer_runtime("libasan.so"),
            "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}


def netns_main(parser, script, inner, time_limit_s, before=None):
    """Parses the command line (`parser` and --inner). Outside, runs before(), then the
    script again inside a network namespace it creates; inside (--inner), inner(args)
    within time_limit_s. Returns the exit code."""
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        def on_time_limit(signum, frame):
            raise TimeoutError(f"the run exceeded {time_limit_s} s")
        signal.signal(signal.SIGALRM, on_time_limit)
        signal.alarm(time_limit_s)
        exit_after(inner, args)
    if before:
        before()
    return run_inside_netns(script, [a for a in sys.argv[1:] if a != "--inner"],
                            time_limit_s + 30)


def command_line(doc):
    return argparse.ArgumentParser(description=doc,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def plugin_test_main(doc, script, inner, inner_timeout_s, add_arguments=None):
    """The command line of a test of the plugin inside the real Janus: --plugin,
    --debug-level, --sanitized (and whatever add_arguments(parser) adds). The
    script re-executes itself inside a network namespace it creates, where
    inner(args) runs; returns the exit code."""
    parser = command_line(doc)
    parser.add_argument("--plugin", required=True, help="plugin .so to load")
    parser.add_argument("--debug-level", type=int, default=4, help="Janus debug_level")
    parser.add_argument("--sanitized", action="store_true",
                        help="the plugin is built with ASan+UBSan or TSan: preload that "
                             "runtime into Janus")
    if add_arguments:
        add_arguments(parser)
    return netns_main(parser, script, inner, inner_timeout_s)


async def close_scenario(peers, admin):
    """End of a scenario: every peer leaves, then the admin session goes; errors
    of a Janus that is already gone are ignored."""
    for p in peers:
        await p.close()
    try:
        await run_blocking(admin.destroy)
    except HTTP_ERRORS + (JanusError,):
        pass


def run_janus_scenario(r, args, plugin_configs, scenario, timeout_s,
                       package="janus.plugin.conference", session_timeout=None,
                       event_backend=None):
    """Starts Janus with args.plugin (its sanitizer runtime preloaded with args.sanitized),
    runs the coroutine scenario(janus) within timeout_s, stops Janus and checks
    that it exited cleanly, the plugin's destroy() included, and that no
    sanitizer report was written. Every failure is one check; with any failed
    check the tail of Janus' log is printed."""
    env = sanitizer_env(args.plugin) if args.sanitized else None
    janus = JanusProcess([args.plugin], plugin_configs, debug_level=args.debug_level,
                         session_timeout=session_timeout, env=env, event_backend=event_backend)
    try:
        janus.start()
        r.info(f"janus started with the plugin {args.plugin} in Janus {janus.version} "
               f"on {janus.url}")
        asyncio.run(asyncio.wait_for(scenario(janus), timeout_s))
        janus.stop()
        with open(janus.log_path, errors="replace") as fh:
            log = fh.read()
        # Janus calls the plugin's destroy() on SIGTERM: it must join every thread.
        destroyed = package != "janus.plugin.conference" or f"{package} destroyed" in log
        r.check("janus exits cleanly on SIGTERM", janus.proc.returncode == 0 and destroyed,
                f"exit code {janus.proc.returncode}, plugin destroy logged: {destroyed}")
        if args.sanitized:
            reports = sanitizer_reports(janus.log_path)
            r.check("no sanitizer report", not reports,
                    f"{len(reports)}: " + "; ".join(reports[:3]))
    except asyncio.TimeoutError:
        r.check("scenario finished in time", False, f"{timeout_s} s")
    except Exception as e:  # noqa: BLE001 - any crash is one failed check, then the summary
        r.check("scenario ran without error", False, f"{type(e).__name__}: {e}")
    finally:
        if r.failed:
            print(f"--- janus log tail ({janus.log_path}) ---\n{janus.log_tail()}---", flush=True)
        janus.cleanup()


def sanitizer_reports(log_path):
    """Lines of a Janus log where ASan, UBSan or TSan reported something (TSan: the
    summary line closing each report, or its fatal error)."""
    with open(log_path, errors="replace") as fh:
        return [line.strip() for line in fh
                if "AddressSanitizer" in line or "runtime error:" in line
                or "SUMMARY: ThreadSanitizer" in line or "FATAL: ThreadSanitizer" in line]


class JanusProcess:
    """Janus in the foreground with a config folder of its own.

    Only the requested plugins and the HTTP transport are visible to it (symlinks in
    private folders); event handlers and loggers get empty folders. Construct and
    start it from the main thread: the die-with-parent signal is tied to the thread
    that spawns it. Run inside the namespace (the test re-executes itself there).

    With a janus_root() the folder lies in that root's /tmp, holds copies of the
    plugins (a symlink to a host path does not resolve in the chroot) and that root's
    own HTTP transport, and Janus runs chrooted there in a private mount namespace
    that carries its /proc and /dev. `version` is Janus' version_string once started.
    """

    def __init__(self, plugins, plugin_configs=None, debug_level=4,
                 session_timeout=15, rtp_port_range="20000-29999", interface=None, env=None,
                 event_backend=None, event_loops=0, api_secret=None):
        self.plugins = list(plugins)
        # Janus' event_loops: a fixed pool of loops for every PeerConnection
        # instead of a thread per handle (0 = Janus' default).
        self.event_loops = event_loops
        # Janus' api_secret: every request of its API must then carry it as `apisecret`.
        self.api_secret = api_secret
        self.env = env
        # An HTTP URL: Janus' sample event handler posts the plugins' events there.
        self.event_backend = event_backend
        # Janus finds its own address by routing towards a public IP; a namespace
        # without a default route leaves it with 127.0.0.1 for the SDP c= line.
        self.interface = interface or next(iter(local_ipv4_addresses()), None)
        self.plugin_configs = dict(plugin_configs or {})
        self.debug_level = debug_level
        self.session_timeout = session_timeout
        self.rtp_port_range = rtp_port_range
        self.root = janus_root()
        tmp = os.path.join(self.root, "tmp") if self.root else tempfile.gettempdir()
        _remove_stale_dirs(tmp)
        self.dir = tempfile.mkdtemp(prefix=f"{JANUS_DIR_PREFIX}{os.getpid()}-", dir=tmp)
        self.log_path = os.path.join(self.dir, "janus.log")
        self.port = None
        self.proc = None
        self.version = None
        self._log_file = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/janus"

    @property
    def pid(self):
        return self.proc.pid

    def _folder(self, name, files):
        """A folder of self.dir holding `files` (host paths); returned as Janus sees it."""
        path = os.path.join(self.dir, name)
        os.mkdir(path)
        for f in files:
            dest = os.path.join(path, os.path.basename(f))
            if self.root:
                shutil.copyfile(f, dest)
            else:
                os.symlink(os.path.realpath(f), dest)
        return self._inside(path)

    def _inside(self, path):
        """A host path as Janus sees it."""
        return "/" + os.path.relpath(path, self.root) if self.root else path

    def _write_config(self):
        conf = self._folder("conf", [])
        plugins = self._folder("plugins", self.plugins)
        transports = self._folder(
            "transports", [f"{self.root or ''}{JANUS_LIB_DIR}/transports/libjanus_http.so"])
        empty = self._folder("empty", [])
        events = (self._folder("events", [f"{self.root or ''}{JANUS_LIB_DIR}/events/"
                                          "libjanus_sampleevh.so"])
                  if self.event_backend else empty)
        # ICE: nothing to force. Janus skips loopback and gathers the veth addresses;
        # no STUN/TURN (nothing reachable from the namespace), no IPv6 candidates.
        janus_jcfg = f"""
general: {{
    configs_folder = "{conf}"
    plugins_folder = "{plugins}"
    transports_folder = "{transports}"
    events_folder = "{events}"
    loggers_folder = "{empty}"
    debug_level = {self.debug_level}
{f'    interface = "{self.interface}"' if self.interface else ""}
    debug_timestamps = true
    debug_colors = false
    session_timeout = {self.session_timeout}
    server_name = "integration-test"
{f'    event_loops = {self.event_loops}' if self.event_loops else ""}
    admin_secret = "{ADMIN_SECRET}"
{f'    api_secret = "{self.api_secret}"' if self.api_secret else ""}
}}
certificates: {{
}}
media: {{
    ipv6 = false
    rtp_port_range = "{self.rtp_port_range}"
}}
nat: {{
    nice_debug = false
    full_trickle = false
    ice_lite = false
}}
plugins: {{
}}
transports: {{
}}
loggers: {{
}}
events: {{
    broadcast = {"true" if self.event_backend else "false"}
}}
"""
        files = {"janus.jcfg": janus_jcfg}
        if self.event_backend:
            files["janus.eventhandler.sampleevh.jcfg"] = f"""
general: {{
    enabled = true
    events = "plugins"
    grouping = false
    json = "plain"
    backend = "{self.event_backend}"
}}
"""
        files.update(self.plugin_configs)
        for name, text in files.items():
            with open(os.path.join(self.dir, "conf", name), "w") as fh:
                fh.write(text)
        self._write_http_config()
        return conf

    def _write_http_config(self):
        """The HTTP transport's config on two ports free at this moment."""
        self.port = free_tcp_port()
        self.admin_port = free_tcp_port()
        http_jcfg = f"""
general: {{
    json = "plain"
    base_path = "/janus"
    http = true
    ip = "127.0.0.1"
    port = {self.port}
    https = false
}}
admin: {{
    admin_base_path = "/admin"
    admin_http = true
    admin_ip = "127.0.0.1"
    admin_port = {self.admin_port}
    admin_https = false
}}
cors: {{
}}
"""
        with open(os.path.join(self.dir, "conf", "janus.transport.http.jcfg"), "w") as fh:
            fh.write(http_jcfg)

    def _command(self):
        """argv and environment that start Janus."""
        conf = self._write_config()
        janus = [JANUS_BIN, "-F", conf, "-C", os.path.join(conf, "janus.jcfg")]
        if not self.root:
            return janus, dict(os.environ, **(self.env or {}))
        # The mounts vanish with the namespace however Janus ends; each `exec` keeps
        # one process, so self.proc is Janus itself (signals, PDEATHSIG, /proc stat).
        root = shlex.quote(self.root)
        inner = ["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "LANG=C.UTF-8"] \
            + [f"{k}={v}" for k, v in (self.env or {}).items()] + janus
        script = (f"mount -t proc proc {root}/proc && mount --rbind /dev {root}/dev && "
                  f"exec chroot {root} {shlex.join(inner)}")
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script], None

    def start(self, timeout=20.0, attempts=3):
        """Starts Janus; its HTTP ports were free when picked, but anything on the machine may
        have bound one since: then Janus gives up (the API's port) or runs without it (the
        Admin API's), or another server answers. So Janus must be seen listening on both
        itself, else it starts again on other ports."""
        argv, env = self._command()
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                self._write_http_config()
            self._log_file = open(self.log_path, "w")
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT,
                env=env, preexec_fn=die_with_parent)
            if self._answers(timeout) and {self.port, self.admin_port} <= listening_tcp_ports(
                    self.pid):
                return self
            taken = "Couldn't start webserver on port" in self.log_tail(lines=200) or self.alive()
            self.stop()
            if not taken:
                raise RuntimeError(
                    f"janus exited with {self.proc.returncode}; log: {self.log_path}")
            print(f"INFO janus could not listen on ports {self.port} and {self.admin_port} "
                  f"(taken meanwhile): starting it again (attempt {attempt} of {attempts})",
                  flush=True)
        raise RuntimeError(f"janus found its HTTP ports taken {attempts} times; "
                           f"log: {self.log_path}")

    def _answers(self, timeout):
        """Whether Janus came up and something answers its /info; False if it exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return False
            info = self.info(timeout=1.0)
            if info is not None:
                self.version = info.get("version_string")
                return True
            time.sleep(0.2)
        raise RuntimeError(f"janus did not answer /info within {timeout} s; log: {self.log_path}")

    def admin_message(self, package, request, timeout=10.0):
        """A plugin's answer to `request` through Janus' Admin API (message_plugin)."""
        body = json.dumps({"janus": "message_plugin", "plugin": package, "request": request,
                           "admin_secret": ADMIN_SECRET,
                           "transaction": secrets.token_hex(6)}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.admin_port}/admin", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            reply = json.load(r)
        if reply.get("janus") != "success":
            raise RuntimeError(f"Admin API: {reply}")
        return reply.get("response")

    def info(self, timeout=3.0):
        """The /info object, or None when Janus does not answer."""
        try:
            with urllib.request.urlopen(self.url + "/info", timeout=timeout) as r:
                return json.load(r)
        except HTTP_ERRORS:
            return None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self):
        """utime + stime of the Janus process (all its threads)."""
        with open(f"/proc/{self.pid}/stat") as fh:
            stat = fh.read()
        # Fields after the parenthesised command name; utime/stime are fields 14/15.
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def cleanup(self):
        """Stops Janus and removes its folder; with JANUS_KEEP_LOGS=DIR set, the log is
        kept there first (sanitizer reports are read from it after a run)."""
        self.stop()
        keep = os.environ.get("JANUS_KEEP_LOGS")
        if keep and os.path.exists(self.log_path):
            os.makedirs(keep, exist_ok=True)
            shutil.copy(self.log_path, os.path.join(keep, os.path.basename(self.dir) + ".log"))
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
        return False


class JanusError(Exception):
    """An error answered by the Janus core (not by a plugin)."""

    def __init__(self, code, reason):
        super().__init__(f"janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class PluginReply:
    """plugindata.data of a plugin answer, plus the jsep if one came with it."""

    def __init__(self, data, jsep=None):
        self.data = data
        self.jsep = jsep

    @property
    def event(self):
        """The event name: our plugin sends both keys, AudioBridge only its own."""
        return self.data.get("conference", self.data.get("audiobridge"))

    @property
    def error_code(self):
        return self.data.get("error_code")


class JanusClient:
    """One Janus session over the HTTP API; any number of handles on it.

    A long-poll thread routes events: those carrying a transaction we wait for go to
    that waiter, everything else to the queue of the handle that sent it.
    """

    _tx = itertools.count(1)

    def __init__(self, url, timeout=10.0, api_secret=None):
        self.url = url
        self.timeout = timeout
        self.api_secret = api_secret  # sent as `apisecret` in every request
        self.session_id = None
        self._waiters = {}
        self._handle_events = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._keepalive_stop = threading.Event()

    def _transaction(self):
        return f"t{os.getpid()}-{next(self._tx)}-{secrets.token_hex(3)}"

    def _post(self, path, body, timeout=None):
        if self.api_secret:
            body = dict(body, apisecret=self.api_secret)
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout or self.timeout) as r:
            reply = json.load(r)
        if reply.get("janus") == "error":
            err = reply.get("error", {})
            raise JanusError(err.get("code"), err.get("reason"))
        return reply

    def _session_path(self, handle=None):
        return f"/{self.session_id}" + (f"/{handle}" if handle else "")

    def create(self):
        reply = self._post("", {"janus": "create", "transaction": self._transaction()})
        self.session_id = reply["data"]["id"]
        self._spawn(self._poll_loop)
        return self.session_id

    def _spawn(self, target):
        threading.Thread(target=target, daemon=True).start()

    def _poll_loop(self):
        # Janus holds a long poll for 30 s; each poll also counts as a keepalive.
        while not self._stop.is_set():
            url = f"{self.url}{self._session_path()}?maxev=10&rid={int(time.time() * 1000)}"
            if self.api_secret:
                url += "&apisecret=" + urllib.parse.quote(self.api_secret, safe="")
            try:
                with urllib.request.urlopen(url, timeout=40) as r:
                    events = json.load(r)
            except HTTP_ERRORS:
                if self._stop.wait(0.5):
                    return
                continue
            if self._stop.is_set():
                return
            for ev in events if isinstance(events, list) else [events]:
                self._route(ev)

    def _route(self, ev):
        kind = ev.get("janus")
        if kind == "keepalive":
            return
        with self._lock:
            waiter = self._waiters.get(ev.get("transaction"))
            if waiter is not None and kind != "ack":
                waiter.put(ev)
                return
            q = self._handle_events.get(ev.get("sender"))
        if q is not None:
            q.put(ev)

    def attach(self, package):
        reply = self._post(self._session_path(), {
            "janus": "attach", "plugin": package, "transaction": self._transaction()})
        handle = reply["data"]["id"]
        with self._lock:
            self._handle_events[handle] = queue.Queue()
        return handle

    def message(self, handle, body, jsep=None, timeout=None):
        """Send a plugin request; returns its PluginReply, waiting for the
        asynchronous event (matched by transaction) when Janus only acks it."""
        tx = self._transaction()
        msg = {"janus": "message", "body": body, "transaction": tx}
        if jsep is not None:
            msg["jsep"] = jsep
        waiter = queue.Queue()
        with self._lock:
            self._waiters[tx] = waiter
        try:
            reply = self._post(self._session_path(handle), msg)
            if reply.get("janus") != "ack":
                pd = reply.get("plugindata", {})
                return PluginReply(pd.get("data", {}), reply.get("jsep"))
            try:
                ev = waiter.get(timeout=timeout or self.timeout)
            except queue.Empty:
                raise TimeoutError(f"no event for {body!r} within {timeout or self.timeout} s")
            if ev.get("janus") == "error":
                err = ev.get("error", {})
                raise JanusError(err.get("code"), err.get("reason"))
            return PluginReply(ev.get("plugindata", {}).get("data", {}), ev.get("jsep"))
        finally:
            with self._lock:
                self._waiters.pop(tx, None)

    def next_event(self, handle, timeout=10.0):
        """Next event for the handle that answered no request of ours (notifications,
        webrtcup, hangup, ...), or None after timeout."""
        try:
            return self._handle_events[handle].get(timeout=timeout)
        except queue.Empty:
            return None

    def trickle(self, handle, candidates=None, completed=False):
        body = {"janus": "trickle", "transaction": self._transaction()}
        if completed:
            body["candidate"] = {"completed": True}
        else:
            body["candidates"] = candidates
        self._post(self._session_path(handle), body)

    def hangup(self, handle):
        """Janus' own `hangup`: closes the handle's PeerConnection, keeps the handle."""
        self._post(self._session_path(handle),
                   {"janus": "hangup", "transaction": self._transaction()})

    def detach(self, handle):
        self._post(self._session_path(handle),
                   {"janus": "detach", "transaction": self._transaction()})
        with self._lock:
            self._handle_events.pop(handle, None)

    def start_keepalive(self, interval=5.0):
        """Explicit keepalives as well, so a stalled long poll never ends a session."""
        def loop():
            while not self._keepalive_stop.wait(interval) and not self._stop.is_set():
                try:
                    self._post(self._session_path(), {
                        "janus": "keepalive", "transaction": self._transaction()})
                except HTTP_ERRORS + (JanusError,):
                    pass
        self._spawn(loop)

    def vanish(self):
        """Stop everything that keeps the session alive (keepalives and long polls),
        without telling Janus: the session now dies by session_timeout."""
        self._keepalive_stop.set()
        self._stop.set()

    def destroy(self):
        try:
            self._post(self._session_path(),
                       {"janus": "destroy", "transaction": self._transaction()})
        finally:
            self.vanish()


# --------------------------------------------------------------------------- media

def frame_to_mono(frame):
    """First channel of a decoded audio frame as float in [-1, 1)."""
    a = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if frame.format.is_planar:
        a = a[0]
    else:
        a = a.reshape(-1, channels)[:, 0]
    if a.dtype == np.int16:
        return a.astype(np.float32) / 32768.0
    return a.astype(np.float32)


def tone_samples(freq, start, count, amplitude=TONE_AMPLITUDE):
    """int16 sine samples [start, start+count) of a continuous tone; freq None = silence."""
    if not freq:
        return np.zeros(count, dtype=np.int16)
    t = (np.arange(count) + start) / SAMPLE_RATE
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


async def record_track(track, recorder):
    """Records a received audio track until it ends."""
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        recorder.add(frame_to_mono(frame))


def exit_after(run, args):
    """The end of a test's --inner run: flush and leave with run(args)'s code.
    aiortc's codec threads are not daemons: a peer left open after a failure or
    SIGTERM must not keep the process from exiting."""
    rc = 1
    try:
        rc = run(args)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)


class Recorder:
    """Collects received mono audio; mark() restarts the recording so that analysis
    covers one common wall-clock window for all peers. Audio that arrived before the mark
    but is read after it (a stalled event loop) stays out when add() is told its arrival;
    `drain` (if any) takes in what has arrived but is still undecoded before samples()."""

    def __init__(self, drain=None):
        self._drain = drain
        self._chunks = []
        self._since = 0.0
        self._lock = threading.Lock()

    def add(self, samples, arrived=None):
        with self._lock:
            if arrived is None or arrived >= self._since:
                self._chunks.append(samples)

    def mark(self):
        with self._lock:
            self._since = time.time()
            self._chunks = []

    @property
    def since(self):
        """The last mark (wall clock)."""
        return self._since

    def samples(self):
        if self._drain:
            self._drain()
        with self._lock:
            return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)


class ToneTrack(MediaStreamTrack):
    """Mono 48 kHz s16 tone in 20 ms frames at real-time pace."""

    kind = "audio"

    def __init__(self, freq):
        super().__init__()
        self.freq = freq
        self._sent = 0
        self._t0 = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self._t0 is None:
            self._t0 = time.monotonic()
        wait = self._t0 + self._sent / SAMPLE_RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        frame = av.AudioFrame.from_ndarray(
            tone_samples(self.freq, self._sent, FRAME_SAMPLES).reshape(1, -1),
            format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._sent
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self._sent += FRAME_SAMPLES
        return frame


async def run_blocking(fn, *args, **kwargs):
    """Blocking JanusClient call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, lambda: fn(*args, **kwargs))


async def error_code_of(client, handle, body, jsep=None, timeout=10.0):
    """Numeric error code of a request expected to fail (plugin or core error), or
    None, and a description of what came back."""
    try:
        reply = await run_blocking(client.message, handle, body, jsep=jsep, timeout=timeout)
    except JanusError as e:
        return e.code, f"core error {e.code} ({e.reason})"
    except HTTP_ERRORS + (TimeoutError,) as e:
        return None, f"{type(e).__name__}: {e}"
    code = reply.error_code
    return code, (f"error_code {code} ({reply.data.get('error')})" if code is not None
                  else f"no error: {reply.data} jsep={reply.jsep}")


async def leave_and_destroy(client, handle):
    """A participant's orderly goodbye; on any error just stop talking to Janus."""
    try:
        if handle is not None:
            await run_blocking(client.message, handle, {"request": "leave"}, timeout=5)
            await run_blocking(client.detach, handle)
        await run_blocking(client.destroy)
    except HTTP_ERRORS + (JanusError, TimeoutError):
        client.vanish()


class AudioPeer:
    """A WebRTC participant (aiortc) sending a tone and recording the mix it gets.

    setup_delay: seconds between the join answer and applying it (ICE and DTLS
    start only then), for a participant whose media comes up well after its join."""

    def __init__(self, url, package, room, display, freq, setup_delay=0.0):
        self.package = package
        self.room = room
        self.display = display
        self.freq = freq
        self.setup_delay = setup_delay
        self.client = JanusClient(url)
        self.handle = None
        self.participant_id = None
        self.answer_sdp = None
        self.offer_sdp = None  # the plugin's offer, after join_called_back
        self.connected_time = None  # time.monotonic() the PeerConnection came up
        self.recorder = Recorder()
        self.audio_track = ToneTrack(freq)
        # No ICE servers: only host candidates, nothing tries to leave the namespace.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._rx_tasks = []
        self._connected = asyncio.Event()

    def _add_tracks(self):
        self.pc.addTrack(self.audio_track)

    def _on_track(self, track):
        self._rx_tasks.append(asyncio.ensure_future(record_track(track, self.recorder)))

    async def _attach(self):
        await run_blocking(self.client.create)
        self.client.start_keepalive()
        self.handle = await run_blocking(self.client.attach, self.package)
        self.pc.on("track", self._on_track)

        @self.pc.on("connectionstatechange")
        def on_state():
            if self.pc.connectionState == "connected":
                if self.connected_time is None:
                    self.connected_time = time.monotonic()
                self._connected.set()

    async def join(self, timeout=15.0):
        await self._attach()
        self._add_tracks()
        # aiortc gathers all candidates inside setLocalDescription, so the offer is
        # complete and needs no trickling.
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = {"type": self.pc.localDescription.type, "sdp": self.pc.localDescription.sdp}
        reply = await run_blocking(self.client.message, self.handle,
                                   {"request": "join", "room": self.room,
                                    "display": self.display},
                                   jsep=offer, timeout=timeout)
        if reply.event != "joined" or not reply.jsep:
            raise RuntimeError(f"{self.display}: join failed: {reply.data} jsep={reply.jsep}")
        self.participant_id = reply.data.get("id")
        self.answer_sdp = reply.jsep["sdp"]
        if self.setup_delay:
            await asyncio.sleep(self.setup_delay)
        await self.pc.setRemoteDescription(
            RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))
        return reply

    async def join_called_back(self, extra=None, timeout=15.0):
        """The other way round: join with generate_offer (plus `extra` fields), take
        the plugin's offer from `joined` and answer it in a `configure`. Returns
        (joined, configured) replies."""
        await self._attach()
        body = {"request": "join", "room": self.room, "display": self.display,
                "generate_offer": True, **(extra or {})}
        joined = await run_blocking(self.client.message, self.handle, body, timeout=timeout)
        if joined.event != "joined" or not joined.jsep or joined.jsep.get("type") != "offer":
            raise RuntimeError(f"{self.display}: no offer: {joined.data} jsep={joined.jsep}")
        self.participant_id = joined.data.get("id")
        self.offer_sdp = joined.jsep["sdp"]
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=self.offer_sdp, type="offer"))
        # Tracks after the offer: aiortc puts them on the offer's transceivers.
        self._add_tracks()
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        self.answer_sdp = self.pc.localDescription.sdp
        configured = await run_blocking(self.client.message, self.handle, {"request": "configure"},
                                        jsep={"type": "answer", "sdp": self.answer_sdp},
                                        timeout=timeout)
        return joined, configured

    async def wait_connected(self, timeout=15.0):
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def close(self):
        """Orderly exit: leave, detach, destroy the session, close the PeerConnection."""
        try:
            await leave_and_destroy(self.client, self.handle)
        finally:
            for task in self._rx_tasks:
                task.cancel()
            await self.pc.close()


RECEIVE_BUFFER_BYTES = 4 << 20
SO_TIMESTAMPNS = 35  # Linux' socket options; Python does not name them
SO_RXQ_OVFL = 40


def timestamped_udp_socket():
    """A non-blocking UDP socket on 127.0.0.1 that learns when the kernel queued each datagram
    (wall clock): what had arrived by an instant then does not depend on when a loaded
    machine let the event loop read it. Its receive buffer holds a minute of 50 packets a
    second: the default one (about 150 small datagrams) overflows within a few seconds of
    a stalled loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


def read_timestamped(sock):
    """Every datagram the socket holds: [(arrival, data)], and how many the kernel has
    dropped on a full buffer so far (None: not told)."""
    got, overflowed = [], None
    while True:
        try:
            data, ancdata, _, _ = sock.recvmsg(2048, socket.CMSG_SPACE(16) + socket.CMSG_SPACE(4))
        except BlockingIOError:
            return got, overflowed
        arrived = time.time()
        for level, kind, value in ancdata:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", value[:16])
                arrived = sec + nsec / 1e9
            elif level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL:
                overflowed = struct.unpack("I", value[:4])[0]
        got.append((arrived, data))


class PlainRtpPeer:
    """A plain RTP/UDP participant on 127.0.0.1 (as AudioBridge allows): Opus in
    RTP payload type 111, 20 ms frames at real-time pace; decodes what it gets."""

    PAYLOAD_TYPE = 111

    def __init__(self, url, package, room, display, freq=None):
        self.package = package
        self.room = room
        self.display = display
        self.freq = freq
        self.client = JanusClient(url)
        self.handle = None
        self.participant_id = None
        self.remote = None
        self.recorder = Recorder(drain=self._decode_pending)
        self.arrivals = []
        self._undecoded = []  # (arrival, Opus payload), decoded by the recorder's drain  # when each mix packet arrived (wall clock, the kernel's)
        self.sock = None
        self._send_task = None
        self._encoder = av.CodecContext.create("libopus", "w")
        self._encoder.sample_rate = SAMPLE_RATE
        self._encoder.layout = "mono"
        self._encoder.format = "s16"
        self._encoder.bit_rate = 32000
        self._decoder = av.CodecContext.create("libopus", "r")
        self._decoder.sample_rate = SAMPLE_RATE
        self._decoder.layout = "mono"
        self._ssrc = random.getrandbits(32)

    async def join(self, timeout=15.0):
        self.sock = timestamped_udp_socket()
        asyncio.get_running_loop().add_reader(self.sock.fileno(), self.read_queued)
        port = self.sock.getsockname()[1]
        await run_blocking(self.client.create)
        self.client.start_keepalive()
        self.handle = await run_blocking(self.client.attach, self.package)
        reply = await run_blocking(self.client.message, self.handle, {
            "request": "join", "room": self.room, "display": self.display,
            "rtp": {"ip": "127.0.0.1", "port": port, "payload_type": self.PAYLOAD_TYPE}},
            timeout=timeout)
        rtp = reply.data.get("rtp") or {}
        if reply.event != "joined" or not rtp.get("port"):
            raise RuntimeError(f"{self.display}: plain RTP join failed: {reply.data}")
        self.participant_id = reply.data.get("id")
        self.remote = (rtp.get("ip") or "127.0.0.1", int(rtp["port"]))
        self._send_task = asyncio.ensure_future(self._send_loop())
        return reply

    @property
    def packets_received(self):
        return len(self.arrivals)

    def read_queued(self):
        """Takes in every datagram the socket holds."""
        if self.sock is None:
            return
        for arrived, data in read_timestamped(self.sock)[0]:
            self._on_packet(data, arrived)

    def received_between(self, start, end):
        """Mix packets that arrived in (start, end], wall clock."""
        self.read_queued()
        return sum(1 for t in self.arrivals if start < t <= end)

    def _on_packet(self, data, arrived):
        # Fixed header, CSRCs and header extension skipped (RFC 3550 5.1, 5.3.1).
        if len(data) < 12 or data[0] >> 6 != 2:
            return
        offset = 12 + 4 * (data[0] & 0x0F)
        if data[0] & 0x10:
            if len(data) < offset + 4:
                return
            offset += 4 + 4 * struct.unpack("!H", data[offset + 2:offset + 4])[0]
        end = len(data) - (data[-1] if data[0] & 0x20 else 0)
        if data[1] & 0x7F != self.PAYLOAD_TYPE or offset >= end:
            return
        self.arrivals.append(arrived)
        self._undecoded.append((arrived, data[offset:end]))

    def _decode_pending(self):
        """Decodes what arrived since the recorder's mark, when its samples are asked for: a
        loaded machine's test process could not decode every peer's every packet as it
        comes, and would fall ever further behind."""
        self.read_queued()
        pending, self._undecoded = self._undecoded, []
        for arrived, payload in pending:
            if arrived < self.recorder.since:
                continue
            try:
                for frame in self._decoder.decode(av.Packet(payload)):
                    self.recorder.add(frame_to_mono(frame), arrived)
            except av.AVError:
                pass

    def next_samples(self, start):
        """The 20 ms frame starting at sample `start` (its tone, or silence)."""
        return tone_samples(self.freq, start, FRAME_SAMPLES)

    async def _send_loop(self):
        seq = random.getrandbits(16)
        ts = random.getrandbits(32)
        sent = 0
        t0 = time.monotonic()
        while True:
            frame = av.AudioFrame.from_ndarray(self.next_samples(sent).reshape(1, -1),
                                               format="s16", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = sent
            for packet in self._encoder.encode(frame):
                header = struct.pack("!BBHII", 0x80, self.PAYLOAD_TYPE, seq & 0xFFFF,
                                     ts & 0xFFFFFFFF, self._ssrc)
                self.send_datagram(header + bytes(packet))
                seq += 1
                ts += FRAME_SAMPLES
            sent += FRAME_SAMPLES
            wait = t0 + sent / SAMPLE_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    def send_datagram(self, data):
        """To the plugin's port, from the participant's own (full send buffer: dropped)."""
        try:
            self.sock.sendto(data, self.remote)
        except BlockingIOError:
            pass

    async def close(self):
        if self._send_task:
            self._send_task.cancel()
            # Drain the encoder's look-ahead so that libopus does not warn when freed.
            self._encoder.encode(None)
        try:
            await leave_and_destroy(self.client, self.handle)
        finally:
            if self.sock:
                asyncio.get_running_loop().remove_reader(self.sock.fileno())
                self.sock.close()
                self.sock = None


# --------------------------------------------------------------------------- analysis

def tone_report(samples, freqs, rate=SAMPLE_RATE, skip_seconds=2.0, band=(100.0, 4000.0),
                tolerance_hz=3.0):
    """Level of each frequency in dB over the noise floor of what was received.

    Hann-windowed FFT over everything after skip_seconds (the start-up transient);
    the floor is the median power in `band`, leaving out bins near the tones asked
    about; a tone's level is the strongest bin within tolerance_hz of it.
    Returns {freq: dB}, or None when less than one second is left to analyse.
    """
    x = np.asarray(samples, dtype=np.float64)[int(skip_seconds * rate):]
    if len(x) < rate:
        return None
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    f = np.fft.rfftfreq(len(x), 1.0 / rate)
    in_band = (f >= band[0]) & (f <= band[1])
    for fr in freqs:
        in_band &= np.abs(f - fr) > 20.0
    floor = max(np.median(power[in_band]), 1e-30)
    return {fr: 10.0 * np.log10(max(power[np.abs(f - fr) <= tolerance_hz].max(), 1e-30) / floor)
            for fr in freqs}


# --------------------------------------------------------------------------- video

VIDEO_CLOCK_RATE = 90000

# BT.601 limited range (what VP8 carries) as (Y, U, V).
YUV_BLACK = (16, 128, 128)


def rgb_to_yuv601(r, g, b):
    """8-bit RGB to BT.601 limited-range (Y, U, V), rounded."""
    y = 16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256
    u = 128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256
    v = 128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256
    return tuple(int(round(min(255, max(0, c)))) for c in (y, u, v))


def solid_yuv420p(yuv, width, height):
    """A yuv420p picture of one colour, as the (height*3/2, width) array that
    av.VideoFrame.from_ndarray(format="yuv420p") takes (width, height even)."""
    y, u, v = yuv
    # The U and V planes, (w/2)*(h/2) bytes each, packed into rows of w bytes
    # (with h/2 odd their boundary falls in the middle of a row).
    chroma = np.concatenate([np.full(width * height // 4, u, np.uint8),
                             np.full(width * height // 4, v, np.uint8)]).reshape(height // 2, width)
    return np.concatenate([np.full((height, width), y, np.uint8), chroma])


class ColourTrack(MediaStreamTrack):
    """Video of one solid colour (yuv420p) at real-time pace; pause() stops the
    frames (recv blocks, so the RTP sender sends nothing) until resume()."""

    kind = "video"

    def __init__(self, yuv, width=320, height=180, fps=15):
        super().__init__()
        self.width = width
        self.height = height
        self.fps = fps
        self.frames_sent = 0
        self._picture = solid_yuv420p(yuv, width, height)
        self._t0 = None
        self._n = 0
        self._running = asyncio.Event()
        self._running.set()

    def set_colour(self, yuv):
        self._picture = solid_yuv420p(yuv, self.width, self.height)

    def pause(self):
        self._running.clear()

    def resume(self):
        self._t0 = None  # no burst of the frames "missed" while paused
        self._running.set()

    def stop(self):
        super().stop()
        self._running.set()  # wake a recv() blocked by pause()

    async def recv(self):
        await self._running.wait()
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now - self._n / self.fps
        wait = self._t0 + self._n / self.fps - now
        if wait > 0:
            await asyncio.sleep(wait)
        await self._running.wait()
        if self.readyState != "live":
            raise MediaStreamError
        frame = av.VideoFrame.from_ndarray(self._picture, format="yuv420p")
        frame.pts = self._n * VIDEO_CLOCK_RATE // self.fps
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)
        self._n += 1
        self.frames_sent += 1
        return frame


class VideoPeer(AudioPeer):
    """An AudioPeer (a tone, or silence for freq=None) that also sends solid-colour
    VP8 and keeps the newest composite it receives. yuv=None: no camera, the
    video m-line is recvonly."""

    def __init__(self, url, package, room, display, yuv, freq=None, width=320, height=180,
                 fps=15, setup_delay=0.0):
        super().__init__(url, package, room, display, freq, setup_delay)
        self.yuv = yuv
        self.video_track = ColourTrack(yuv, width, height, fps) if yuv is not None else None
        self.first_frame_time = None  # time.monotonic() the first composite was decoded
        self.frame = None             # newest received composite (av.VideoFrame)
        self.frame_time = None        # time.monotonic() it arrived
        self.frames_received = 0
        self.video_tracks_received = 0
        self._new_frame = asyncio.Event()

    def _add_tracks(self):
        super()._add_tracks()
        if self.video_track is not None:
            self.pc.addTrack(self.video_track)
        else:
            self.pc.addTransceiver("video", direction="recvonly")

    def _on_track(self, track):
        if track.kind != "video":
            super()._on_track(track)
            return
        self.video_tracks_received += 1
        self._rx_tasks.append(asyncio.ensure_future(self._receive_video(track)))

    async def _receive_video(self, track):
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self.frame = frame
            self.frame_time = time.monotonic()
            if self.first_frame_time is None:
                self.first_frame_time = self.frame_time
            self.frames_received += 1
            self._new_frame.set()

    async def next_frame(self, timeout=5.0):
        """The next composite that arrives from now on, or None after timeout."""
        self._new_frame.clear()
        try:
            await asyncio.wait_for(self._new_frame.wait(), timeout)
        except asyncio.TimeoutError:
            return None
        return self.frame

    async def send_pli(self):
        """Asks for a key frame of the composite (RTCP PLI), as a decoder would."""
        for transceiver in self.pc.getTransceivers():
            if transceiver.kind != "video":
                continue
            for source in transceiver.receiver.getSynchronizationSources():
                await transceiver.receiver._send_rtcp_pli(source.source)
                return True
        return False

def frame_planes(frame):
    """(Y, U, V) planes of a video frame as 2-D uint8 arrays (U, V at half size)."""
    if frame.format.name != "yuv420p":
        frame = frame.reformat(format="yuv420p")
    return tuple(
        np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:plane.height, :plane.width]
        for plane in frame.planes)


def region_mean(planes, rect):
    """Mean (Y, U, V) over rect = (x, y, w, h) in luma pixels (chroma: the same
    area at half resolution)."""
    x, y, w, h = (int(v) for v in rect)
    luma, u, v = planes
    cx0, cy0 = x // 2, y // 2
    cx1, cy1 = max(cx0 + 1, (x + w) // 2), max(cy0 + 1, (y + h) // 2)
    return (float(luma[y:y + h, x:x + w].mean()), float(u[cy0:cy1, cx0:cx1].mean()),
            float(v[cy0:cy1, cx0:cx1].mean()))


def inset_rect(rect, fraction):
    """The middle of rect, `fraction` of its width/height left off on each side."""
    x, y, w, h = rect
    dx, dy = int(w * fraction), int(h * fraction)
    return (x + dx, y + dy, w - 2 * dx, h - 2 * dy)


def yuv_close(measured, expected, tolerance):
    return all(abs(m - e) <= tolerance for m, e in zip(measured, expected))


def fmt_yuv(yuv):
    return "YUV(" + ",".join(f"{c:.0f}" for c in yuv) + ")"


def save_frame_png(frame, path):
    """Writes a decoded video frame as an RGB PNG (with libav's PNG encoder)."""
    rgb = frame.reformat(format="rgb24")
    codec = av.CodecContext.create("png", "w")
    codec.width = rgb.width
    codec.height = rgb.height
    codec.pix_fmt = "rgb24"
    data = b"".join(bytes(p) for p in codec.encode(rgb))
    data += b"".join(bytes(p) for p in codec.encode(None))
    with open(path, "wb") as fh:
        fh.write(data)
    return path


# --------------------------------------------------------------------------- child peer

class AudioPeerProcess:
    """An AudioPeer in a child process (this module's `audio-peer` command), for
    tests that need a client to disappear at once: SIGKILL sends no DTLS alert, no
    hangup, no detach and no more keepalives."""

    def __init__(self, url, package, room, display, freq):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "audio-peer", "--url", url,
             "--package", package, "--room", str(room), "--display", display,
             "--freq", str(freq)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
            preexec_fn=die_with_parent)
        self.info = None

    def wait_joined(self, timeout=30.0):
        """Wait for the child's JOINED line: {"session", "handle", "id"}."""
        result = queue.Queue()

        def reader():
            for line in self.proc.stdout:
                if line.startswith("JOINED "):
                    result.put(json.loads(line[len("JOINED "):]))
                    return
            result.put(None)

        threading.Thread(target=reader, daemon=True).start()
        try:
            self.info = result.get(timeout=timeout)
        except queue.Empty:
            self.info = None
        return self.info

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)


async def _audio_peer_main(args):
    peer = AudioPeer(args.url, args.package, args.room, args.display, args.freq)
    await peer.join()
    await peer.wait_connected()
    print("JOINED " + json.dumps({"session": peer.client.session_id, "handle": peer.handle,
                                  "id": peer.participant_id}), flush=True)
    await asyncio.sleep(3600)



# --------------------------------------------------------------------------- test runs

class Results:
    """PASS/FAIL/INFO lines, counted for the closing "N passed, M failed" line."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    @staticmethod
    def info(text):
        print(f"INFO {text}", flush=True)


def run_inside_netns(script, argv, time_limit_s):
    """Runs `script --inner argv...` inside a fresh network namespace and returns
    its exit code; the namespace is removed whatever happens."""
    if os.geteuid() != 0:
        print("FAIL needs root for ip netns\n0 passed, 1 failed", flush=True)
        return 1
    with NetNs() as ns:
        Results.info(f"network namespace {ns.name} ({ns.addresses[0]}, {ns.addresses[1]})")
        proc = subprocess.Popen(ns.exec_argv([sys.executable, os.path.abspath(script), "--inner"]
                                             + argv),
                                preexec_fn=die_with_parent)
        try:
            return proc.wait(time_limit_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            print(f"FAIL the run did not finish within {time_limit_s} s\n0 passed, 1 failed",
                  flush=True)
            return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("audio-peer", help="join one AudioPeer and stay until killed")
    p.add_argument("--url", required=True)
    p.add_argument("--package", required=True)
    p.add_argument("--room", type=int, required=True)
    p.add_argument("--display", required=True)
    p.add_argument("--freq", type=float, required=True)
    args = parser.parse_args()
    asyncio.run(_audio_peer_main(args))


if __name__ == "__main__":
    main()
