"""matrix-glue as a child process for tests and the trial stack: its config
file, start/stop/kill, its log, raw requests to its AS port, and its own CLI
(focus-id, generate-registration)."""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import time

from janus_harness import die_with_parent


class GlueProcess:
    def __init__(self, binary, workdir, homeserver_url, janus_url, as_token=None, hs_token=None,
                 server_name="localhost", prefix="fs_", log_level="debug", focus_settings=None,
                 janus_api_secret=None, janus_instances=None, janus_settings=None):
        """focus_settings: extra keys of the config's `focus` category (e.g.
        no_call_timeout), written as given. janus_api_secret: Janus' api_secret.
        janus_instances: a pool, [(name, url, weight, api_secret[, admin_key][, {key: value}]),
        ...] (the dict: more keys of that instance, e.g. conference_share), written as
        janus.instances instead of janus_url; janus_settings: extra keys of `janus`."""
        from synapse_harness import free_port
        self.binary = os.path.abspath(binary)
        self.port = free_port()
        self.metrics_port = free_port()  # /metrics and /health, loopback only
        self.url = f"http://127.0.0.1:{self.port}"
        self.as_token = as_token or secrets.token_hex(20)
        self.hs_token = hs_token or secrets.token_hex(20)
        self.config_path = os.path.join(workdir, "matrix-glue.jcfg")
        self.log_path = os.path.join(workdir, "matrix-glue.log")
        self.proc = None
        focus = "".join(f"\n    {k} = {v}" for k, v in (focus_settings or {}).items())
        if janus_instances:
            janus = "\n    instances = (" + ",".join(
                f'\n        {{ name = "{name}" url = "{url}" weight = {weight}'
                + (f' api_secret = "{secret}"' if secret else "")
                + "".join(f' admin_key = "{x}"' if isinstance(x, str) else
                          "".join(f" {k} = {v}" for k, v in x.items()) for x in rest) + " }"
                for name, url, weight, secret, *rest in janus_instances) + "\n    )"
        else:
            janus = f'\n    url = "{janus_url}"' + (
                f'\n    api_secret = "{janus_api_secret}"' if janus_api_secret else "")
        janus += "".join(f"\n    {k} = {v}" for k, v in (janus_settings or {}).items())
        with open(self.config_path, "w") as f:
            f.write(f"""general: {{
    server_name = "{server_name}"
    homeserver_url = "{homeserver_url}"
    as_token = "{self.as_token}"
    hs_token = "{self.hs_token}"
    bind_address = "127.0.0.1"
    port = {self.port}
    metrics_port = {self.metrics_port}
    database = "{os.path.join(workdir, 'matrix-glue.sqlite')}"
    log_level = "{log_level}"
}}
janus: {{{janus}
}}
focus: {{
    prefix = "{prefix}"
    notices = true{focus}
}}
""")

    def _cli(self, *argv):
        out = subprocess.run([self.binary, *argv], capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            raise RuntimeError(f"matrix-glue {argv[0]} exited with {out.returncode}: "
                               f"{out.stderr.strip()}")
        return out.stdout.strip()

    def focus_id(self, room_id, legacy=False):
        return self._cli("focus-id", "-c", self.config_path, *(["--legacy"] if legacy else []),
                         room_id)

    def generate_registration(self, path):
        """The registration file, written by the glue's own command as an operator would."""
        self._cli("generate-registration", "-c", self.config_path, "-o", path)
        return path

    def start(self, timeout=15.0):
        """Starts the glue; returns once its AS port accepts connections. Start it
        from a thread that lives as long as the test: the child dies with it."""
        with open(self.log_path, "ab") as log:
            log.write(f"==== starting matrix-glue at {time.strftime('%T')}\n".encode())
            log.flush()
            self.proc = subprocess.Popen([self.binary, "run", "-c", self.config_path],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"matrix-glue exited with {self.proc.returncode}; "
                                   f"log: {self.log_path}")
            if self.port_open():
                return
            time.sleep(0.1)
        raise RuntimeError(f"matrix-glue did not listen on {self.port} within {timeout} s")

    def port_open(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait(10)

    def stop(self, timeout=10.0):
        """SIGTERM; SIGKILL after `timeout`. Returns the exit code (None if killed)."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_excerpt(self, offset=0, lines=40):
        """The last `lines` lines (None: all) written since `offset`."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode(errors="replace")
        except OSError:
            return ""
        return text if lines is None else "\n".join(text.splitlines()[-lines:])

    def request(self, method, path, body=b"", headers=None, port=None):
        """A raw request to the AS port (or `port`, e.g. metrics_port): (status, JSON answer
        or text)."""
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, raw.decode(errors="replace")
