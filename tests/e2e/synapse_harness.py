"""A real Synapse for end-to-end tests, and a minimal Matrix client to drive it.

Synapse comes from the Debian-unstable root that scripts/prepare-synapse.sh makes (see
DESIGN.md, "Real parts in tests"). SynapseProcess writes a throw-away config folder
inside that root and runs Synapse in the foreground through chroot, in a private mount
namespace: the /proc and /dev mounts it needs vanish with the process however it ends,
and nothing binds outside the caller's network namespace, so a test may run the whole
thing inside `ip netns exec`.

Only the standard library is used: the host's /usr/bin/python3 has no pip packages.
Config files are written as JSON, which YAML parsers (Synapse's included) read as YAML.
"""

import base64
import ctypes
import hashlib
import hmac
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_ROOT = os.environ.get("SYNAPSE_ROOT", "/var/cache/janus-conference/synapse-root")
VERSION_MARKER = ".synapse-version"  # written by prepare-synapse.sh once the root works
CONFIG_PREFIX = "synapse-test"

# Generous so that no test is ever throttled; Synapse has no "off" switch for these.
_UNLIMITED = {"per_second": 10000, "burst_count": 100000}

# Never through a proxy from the environment: everything here is on 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

_PR_SET_PDEATHSIG = 1


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies, even by SIGKILL.

    The signal follows the thread that started the child: start Synapse from a thread
    that lives as long as the test (normally the main one).
    """
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def root_version(root=DEFAULT_ROOT):
    """The Synapse version in the prepared root; a clear error if there is none."""
    try:
        with open(os.path.join(root, VERSION_MARKER)) as f:
            return f.read().strip()
    except OSError:
        raise RuntimeError(
            f"no prepared Synapse root at {root}: run scripts/prepare-synapse.sh "
            "(as root; set SYNAPSE_ROOT for another place)") from None


class MatrixError(Exception):
    def __init__(self, status, body):
        self.status = status
        self.body = body if isinstance(body, dict) else {}
        self.errcode = self.body.get("errcode")
        super().__init__(f"HTTP {status}: {body}")


def http_json(method, url, body=None, headers=None, timeout=30):
    """One request with a JSON body and answer; MatrixError on any non-2xx status."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = raw.decode(errors="replace")
        raise MatrixError(e.code, answer) from None
    return json.loads(raw) if raw else {}


# --------------------------------------------------------------------------- Synapse

def write_appservice_registration(path, as_url, as_token, hs_token, sender_localpart,
                                  user_regex, id="janus-conference", rate_limited=False):
    """The registration file Synapse reads for an Application Service.

    The user namespace is exclusive, as the focus users' must be: no one else may
    register them.
    """
    lines = [
        f"id: {json.dumps(id)}",
        f"url: {json.dumps(as_url)}",
        f"as_token: {json.dumps(as_token)}",
        f"hs_token: {json.dumps(hs_token)}",
        f"sender_localpart: {json.dumps(sender_localpart)}",
        f"rate_limited: {json.dumps(rate_limited)}",
        "namespaces:",
        "  users:",
        "    - exclusive: true",
        f"      regex: {json.dumps(user_regex)}",
        "  aliases: []",
        "  rooms: []",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


class SynapseProcess:
    """Synapse on 127.0.0.1:<port>, config and data in <root>/tmp/<unique>/.

    Use as a context manager: leaving it stops Synapse and removes the folder.
    `extra_config` entries override the generated homeserver.yaml (e.g.
    {"use_appservice_legacy_authorization": True}).
    """

    def __init__(self, root=DEFAULT_ROOT, server_name="localhost", port=None,
                 app_service_files=(), extra_config=None, start_timeout=90):
        self.version = root_version(root)
        self.root = root
        self.server_name = server_name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.registration_shared_secret = secrets.token_hex(16)
        self.proc = None
        self._remove_stale_folders()
        self.rel_dir = f"/tmp/{CONFIG_PREFIX}-{os.getpid()}-{secrets.token_hex(4)}"
        self.dir = root + self.rel_dir
        os.makedirs(self.dir)
        self.log_path = os.path.join(self.dir, "homeserver.log")
        self.output_path = os.path.join(self.dir, "output.log")
        self._write_config(app_service_files, extra_config or {})
        try:
            self.start()
        except BaseException:
            self.close()
            raise

    def _remove_stale_folders(self):
        """Folders of test processes that died without cleaning up (SIGKILL)."""
        tmp = os.path.join(self.root, "tmp")
        for name in os.listdir(tmp):
            parts = name.split("-")
            if not name.startswith(CONFIG_PREFIX + "-") or len(parts) != 4:
                continue
            try:
                os.kill(int(parts[2]), 0)
            except ProcessLookupError:
                shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)
            except (ValueError, PermissionError):
                pass

    def _write_config(self, app_service_files, extra_config):
        inside = self.rel_dir  # paths as Synapse sees them, from inside the chroot
        as_paths = []
        for i, src in enumerate(app_service_files):
            name = f"appservice-{i}.yaml"
            shutil.copyfile(src, os.path.join(self.dir, name))
            as_paths.append(f"{inside}/{name}")
        # An ed25519 signing key is just a random 32-byte seed in this format.
        seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        with open(os.path.join(self.dir, "signing.key"), "w") as f:
            f.write(f"ed25519 a_{secrets.token_hex(2)} {seed}\n")
        log_config = {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"precise": {"format": "%(asctime)s %(name)s:%(lineno)d "
                                                 "%(levelname)s %(request)s %(message)s"}},
            "filters": {"context": {"()": "synapse.logging.context.LoggingContextFilter"}},
            "handlers": {"file": {"class": "logging.FileHandler",
                                  "filename": f"{inside}/homeserver.log",
                                  "formatter": "precise", "filters": ["context"]}},
            "root": {"level": "INFO", "handlers": ["file"]},
        }
        rate_limits = {key: _UNLIMITED for key in (
            "rc_message", "rc_registration", "rc_admin_redaction", "rc_3pid_validation",
            "rc_third_party_invite", "rc_media_create", "rc_joins_per_room",
            "rc_room_creation", "rc_key_requests", "rc_delayed_event_mgmt", "rc_reports",
            "rc_user_directory", "rc_registration_token_validity")}
        rate_limits["rc_login"] = {k: _UNLIMITED for k in ("address", "account",
                                                            "failed_attempts")}
        rate_limits["rc_joins"] = {"local": _UNLIMITED, "remote": _UNLIMITED}
        rate_limits["rc_invites"] = {k: _UNLIMITED for k in ("per_room", "per_user",
                                                              "per_issuer")}
        rate_limits["rc_presence"] = {"per_user": _UNLIMITED}
        config = {
            "server_name": self.server_name,
            "public_baseurl": self.url + "/",
            "report_stats": False,
            "pid_file": f"{inside}/homeserver.pid",
            "log_config": f"{inside}/log.yaml",
            "signing_key_path": f"{inside}/signing.key",
            "media_store_path": f"{inside}/media",
            "database": {"name": "sqlite3", "args": {"database": f"{inside}/homeserver.db"}},
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"],
                           "type": "http", "tls": False, "x_forwarded": False,
                           "resources": [{"names": ["client"], "compress": False}]}],
            "registration_shared_secret": self.registration_shared_secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "enable_registration": False,
            # No outbound federation and no key server: nothing may leave the host.
            "federation_domain_whitelist": [],
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "enable_metrics": False,
            "app_service_config_files": as_paths,
            **rate_limits,
            **extra_config,
        }
        for name, content in (("log.yaml", log_config), ("homeserver.yaml", config)):
            with open(os.path.join(self.dir, name), "w") as f:
                json.dump(content, f, indent=1)

    def start(self, wait=True):
        """Starts Synapse on the existing config and data; returns once it answers, or at
        once with wait=False (then wait_ready(), which may run on another thread: the
        process belongs to the thread that called start)."""
        if self.alive():
            raise RuntimeError("Synapse is already running")
        # A private mount namespace (unshare) carries the mounts, so they go away with
        # Synapse even when the test is SIGKILLed; `exec` keeps one process, so that
        # signals sent to self.proc reach Synapse itself.
        root = self.root
        script = (f'mount -t proc proc "{root}/proc" && mount --rbind /dev "{root}/dev" && '
                  f'exec chroot "{root}" /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 '
                  f'python3 -m synapse.app.homeserver -c "{self.rel_dir}/homeserver.yaml"')
        with open(self.output_path, "ab") as out:
            self.proc = subprocess.Popen(
                ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent)
        if wait:
            self.wait_ready()

    def wait_ready(self):
        """Returns once the started Synapse answers; RuntimeError if it exits or stays
        silent for start_timeout."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            if not self.alive():
                raise RuntimeError(f"Synapse exited with {self.proc.returncode}\n"
                                   + self.tails())
            try:
                http_json("GET", self.url + "/_matrix/client/versions", timeout=2)
                return
            except (OSError, MatrixError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"Synapse did not answer within {self.start_timeout} s\n"
                                   + self.tails())
            time.sleep(0.2)

    def tails(self, lines=30):
        """The last lines of Synapse's output and log, for failure messages."""
        out = []
        for path in (self.output_path, self.log_path):
            try:
                with open(path, errors="replace") as f:
                    out.append(f"--- {path}\n" + "".join(f.readlines()[-lines:]))
            except OSError:
                pass
        return "\n".join(out)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15):
        """SIGTERM, then SIGKILL if Synapse has not exited within `timeout` seconds."""
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self):
        """SIGKILL: a crash, for tests of what happens across a restart."""
        if self.alive():
            self.proc.kill()
            self.proc.wait()

    def restart(self):
        self.stop()
        self.start()

    def close(self):
        self.stop()
        if not os.environ.get("SYNAPSE_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def register_user(self, localpart, password=None, admin=False):
        """Creates a user with the shared-secret admin API; returns (user_id, token)."""
        password = password or secrets.token_hex(8)
        api = self.url + "/_synapse/admin/v1/register"
        nonce = http_json("GET", api)["nonce"]
        mac = hmac.new(self.registration_shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode(),
                                 b"admin" if admin else b"notadmin"]))
        answer = http_json("POST", api, {"nonce": nonce, "username": localpart,
                                         "password": password, "admin": admin,
                                         "mac": mac.hexdigest()})
        return answer["user_id"], answer["access_token"]


def register_appservice_user(url, as_token, localpart):
    """Registers a user of an AS namespace the way the AS itself does; returns its ID."""
    answer = http_json("POST", url + "/_matrix/client/v3/register",
                       {"type": "m.login.application_service", "username": localpart,
                        "inhibit_login": True},
                       headers={"Authorization": f"Bearer {as_token}"})
    return answer["user_id"]


# --------------------------------------------------------------------------- client

class MatrixClient:
    """The client-server API calls tests need, plus a background /sync loop.

    With act_as=True, access_token is an AS token and every request carries
    `?user_id=<user_id>`: the Application Service acting as one of its users.
    Call start_sync() to record events; stop() ends the loop.
    """

    def __init__(self, url, user_id, access_token, act_as=False, poll_ms=2000,
                 timeline_limit=None):
        self.url = url.rstrip("/")
        # Synapse's default of 10 timeline events per room and sync can leave gaps when a
        # room gets bursts (call signalling); a larger limit keeps every event.
        self.timeline_limit = timeline_limit
        self.user_id = user_id
        self.access_token = access_token
        self.act_as = act_as
        self.poll_ms = poll_ms
        self._txn = itertools.count()
        self._txn_prefix = secrets.token_hex(4)
        self._cond = threading.Condition()
        self.timelines = {}     # room_id -> [event, ...] in sync order
        self.memberships = {}   # room_id -> {user_id: membership}
        self.invites = {}       # room_id -> invite_state events
        self.sync_errors = []
        self._since = None
        self._stop = threading.Event()
        self._thread = None

    # ---- requests

    def request(self, method, path, body=None, query=None, timeout=30):
        query = dict(query or {})
        if self.act_as:
            query["user_id"] = self.user_id
        url = self.url + "/_matrix/client/v3" + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return http_json(method, url, body, timeout=timeout,
                         headers={"Authorization": f"Bearer {self.access_token}"})

    @staticmethod
    def _q(part):
        return urllib.parse.quote(part, safe="")

    def create_room(self, invite=(), is_direct=False, preset="private_chat", name=None,
                    encrypted=False):
        body = {"invite": list(invite), "is_direct": is_direct, "preset": preset}
        if name is not None:
            body["name"] = name
        if encrypted:
            body["initial_state"] = [{"type": "m.room.encryption", "state_key": "",
                                      "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]
        return self.request("POST", "/createRoom", body)["room_id"]

    def invite(self, room, user):
        self.request("POST", f"/rooms/{self._q(room)}/invite", {"user_id": user})

    def join(self, room_or_alias):
        return self.request("POST", f"/join/{self._q(room_or_alias)}", {})["room_id"]

    def leave(self, room):
        self.request("POST", f"/rooms/{self._q(room)}/leave", {})

    def send(self, room, event_type, content, txn_id=None):
        txn_id = txn_id or f"{self._txn_prefix}.{next(self._txn)}"
        path = f"/rooms/{self._q(room)}/send/{self._q(event_type)}/{self._q(txn_id)}"
        return self.request("PUT", path, content)["event_id"]

    def set_displayname(self, name):
        """The user's display name; Synapse updates it in every room the user joined."""
        self.request("PUT", f"/profile/{self._q(self.user_id)}/displayname",
                     {"displayname": name})

    def state(self, room):
        return self.request("GET", f"/rooms/{self._q(room)}/state")

    def members(self, room):
        """{user_id: membership} from the room's current member events."""
        chunk = self.request("GET", f"/rooms/{self._q(room)}/members")["chunk"]
        return {e["state_key"]: e["content"]["membership"] for e in chunk}

    def messages(self, room, direction="b", limit=50, from_token=None):
        query = {"dir": direction, "limit": limit}
        if from_token:
            query["from"] = from_token
        return self.request("GET", f"/rooms/{self._q(room)}/messages", query=query)

    # ---- sync

    def start_sync(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._sync_loop, daemon=True,
                                            name=f"sync {self.user_id}")
            self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.poll_ms / 1000 + 10)
            self._thread = None

    def __enter__(self):
        return self.start_sync()

    def __exit__(self, *exc):
        self.stop()

    def _sync_loop(self):
        while not self._stop.is_set():
            query = {"timeout": self.poll_ms if self._since else 0, "set_presence": "offline"}
            if self._since:
                query["since"] = self._since
            if self.timeline_limit:
                query["filter"] = json.dumps({"room": {"timeline": {
                    "limit": self.timeline_limit}}})
            try:
                answer = self.request("GET", "/sync", query=query,
                                      timeout=self.poll_ms / 1000 + 30)
            except (OSError, ValueError, MatrixError) as e:
                # Synapse may be restarting under a test: keep trying until stopped.
                with self._cond:
                    self.sync_errors.append(e)
                self._stop.wait(0.5)
                continue
            self._absorb(answer)

    def _absorb(self, answer):
        rooms = answer.get("rooms", {})
        with self._cond:
            for section in ("join", "leave"):
                for room_id, room in rooms.get(section, {}).items():
                    self.invites.pop(room_id, None)
                    for event in room.get("state", {}).get("events", []):
                        self._track_member(room_id, event)
                    timeline = self.timelines.setdefault(room_id, [])
                    for event in room.get("timeline", {}).get("events", []):
                        event.setdefault("room_id", room_id)
                        timeline.append(event)
                        self._track_member(room_id, event)
            for room_id, room in rooms.get("invite", {}).items():
                self.invites[room_id] = room.get("invite_state", {}).get("events", [])
                self.memberships.setdefault(room_id, {})[self.user_id] = "invite"
            self._since = answer["next_batch"]
            self._cond.notify_all()

    def _track_member(self, room_id, event):
        if event.get("type") == "m.room.member" and "state_key" in event:
            membership = event.get("content", {}).get("membership")
            self.memberships.setdefault(room_id, {})[event["state_key"]] = membership

    def timeline(self, room):
        """A copy of the room's timeline as synced so far."""
        with self._cond:
            return list(self.timelines.get(room, []))

    def wait_for(self, predicate, timeout=10):
        """Waits until predicate() (called with the sync state locked) is truthy."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.user_id}: condition not met in {timeout} s")
                self._cond.wait(left)

    def wait_event(self, room, event_type, pred=None, timeout=10):
        """The first event of `event_type` in the room's timeline that pred accepts."""
        def find():
            for event in self.timelines.get(room, []):
                if event.get("type") == event_type and (pred is None or pred(event)):
                    return event
            return None
        return self.wait_for(find, timeout)

    def wait_membership(self, room, user, membership, timeout=10):
        return self.wait_for(
            lambda: self.memberships.get(room, {}).get(user) == membership, timeout)
