#!/usr/bin/python3
"""Smoke test of the Synapse harness: a real Synapse with an Application Service
registration whose URL is a recorder in this process.

Checks what the glue will rely on: users, rooms, invites, messages and /sync; AS
transactions carrying the invite of an AS user and the room's events once it has
joined; an AS user acting through `?user_id=` with the AS token. Prints which path
and token forms this Synapse uses for transactions (DESIGN.md, "Transactions from the
homeserver").

Needs scripts/prepare-synapse.sh to have run (as root). Works in the host network
namespace and inside one made by the caller (`ip netns exec NS /usr/bin/python3 ...`).
"""

import http.server
import json
import os
import secrets
import signal
import sys
import threading
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synapse_harness as sh  # noqa: E402

TIME_LIMIT = 110  # seconds: the whole run, Synapse start and cleanup included
AS_USER_LOCALPART = "fs_test"


class Recorder:
    """Stands in for the Application Service: records every request and answers
    200 {} to all, which also says "this user exists" to user queries."""

    def __init__(self):
        self.requests = []
        self.cond = threading.Condition()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urllib.parse.urlsplit(self.path)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                with recorder.cond:
                    recorder.requests.append({
                        "method": self.command, "path": url.path,
                        "query": urllib.parse.parse_qs(url.query),
                        "headers": dict(self.headers.items()), "body": body})
                    recorder.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_PUT = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def transactions(self):
        return [r for r in self.requests
                if r["method"] == "PUT" and "/transactions/" in r["path"]]

    def events(self):
        return [e for r in self.transactions() for e in (r["body"] or {}).get("events", [])]

    def wait_event(self, pred, timeout=15):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [e for e in self.events() if pred(e)]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no such event in the AS transactions")
                self.cond.wait(left)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Run:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, fn):
        try:
            result = fn()
        except Exception:
            self.failed += 1
            print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
            return None
        self.passed += 1
        print(f"ok   {name}", flush=True)
        return result


def on_timeout(signum, frame):
    raise TimeoutError(f"smoke test exceeded {TIME_LIMIT} s")


def main():
    try:
        version = sh.root_version()
    except RuntimeError as e:
        print(f"FAIL prepared Synapse root: {e}\n0 passed, 1 failed")
        return 1
    signal.signal(signal.SIGALRM, on_timeout)
    signal.alarm(TIME_LIMIT)

    run = Run()
    recorder = Recorder()
    clients = []
    synapse = None
    as_token, hs_token = secrets.token_hex(16), secrets.token_hex(16)
    reg_path = f"/tmp/smoke-appservice-{os.getpid()}.yaml"
    try:
        sh.write_appservice_registration(reg_path, recorder.url, as_token, hs_token,
                                         "conference", r"@fs_.*:localhost", id="smoke")
        started = time.monotonic()
        synapse = sh.SynapseProcess(app_service_files=[reg_path])
        run.passed += 1
        print(f"ok   synapse {version} answers at {synapse.url} after "
              f"{time.monotonic() - started:.1f} s (log {synapse.log_path})", flush=True)

        def users():
            alice = synapse.register_user("alice", "alice-pw")
            bob = synapse.register_user("bob", "bob-pw")
            fs = sh.register_appservice_user(synapse.url, as_token, AS_USER_LOCALPART)
            assert fs == f"@{AS_USER_LOCALPART}:localhost", fs
            return alice, bob, fs
        (alice_id, alice_token), (bob_id, bob_token), fs_id = run.check(
            "register alice, bob (shared secret) and the AS user", users)
        alice = sh.MatrixClient(synapse.url, alice_id, alice_token).start_sync()
        bob = sh.MatrixClient(synapse.url, bob_id, bob_token).start_sync()
        focus = sh.MatrixClient(synapse.url, fs_id, as_token, act_as=True)
        clients += [alice, bob]

        room = run.check("alice creates a room inviting bob and the AS user",
                         lambda: alice.create_room(invite=[bob_id, fs_id], name="smoke"))

        def bob_joins():
            bob.wait_for(lambda: room in bob.invites)
            assert bob.join(room) == room
            alice.wait_membership(room, bob_id, "join")
        run.check("bob sees the invite, joins; alice's sync sees the join", bob_joins)

        def early_message():
            event_id = alice.send(room, "m.room.message", {"msgtype": "m.text",
                                                           "body": "before focus joined"})
            bob.wait_event(room, "m.room.message", lambda e: e["event_id"] == event_id)
            return event_id
        early_id = run.check("alice sends a message; bob's sync sees it", early_message)

        run.check("the AS gets a transaction with the invite of its user",
                  lambda: recorder.wait_event(
                      lambda e: e["type"] == "m.room.member" and e["state_key"] == fs_id
                      and e["content"]["membership"] == "invite" and e["room_id"] == room))

        def focus_acts():
            assert focus.join(room) == room
            event_id = focus.send(room, "m.room.message",
                                  {"msgtype": "m.notice", "body": "focus here"})
            alice.wait_membership(room, fs_id, "join")
            event = alice.wait_event(room, "m.room.message",
                                     lambda e: e["event_id"] == event_id)
            assert event["sender"] == fs_id, event
        run.check("the AS user joins and sends acting via ?user_id= and the AS token",
                  focus_acts)

        def message_reaches_as():
            event_id = alice.send(room, "m.room.message", {"msgtype": "m.text",
                                                           "body": "hello focus"})
            recorder.wait_event(lambda e: e.get("event_id") == event_id)
        run.check("the AS gets alice's message once its user has joined",
                  message_reaches_as)

        def transaction_forms():
            txns = recorder.transactions()
            assert txns, "no transactions"
            paths = {"/_matrix/app/v1/transactions/" if r["path"].startswith(
                "/_matrix/app/v1/transactions/") else "/transactions/ (legacy)" for r in txns}
            auths = set()
            for r in txns:
                if r["headers"].get("Authorization") == f"Bearer {hs_token}":
                    auths.add("Authorization: Bearer")
                if r["query"].get("access_token") == [hs_token]:
                    auths.add("?access_token= (legacy)")
            assert auths, "no transaction carried the hs_token"
            user_queries = [r["path"] for r in recorder.requests if "/users/" in r["path"]]
            early = any(e.get("event_id") == early_id for e in recorder.events())
            print(f"     synapse {version}: {len(txns)} transactions; path form "
                  f"{sorted(paths)}; token form {sorted(auths)}; user queries: "
                  f"{user_queries or 'none'}; message sent before the AS user joined: "
                  f"{'delivered' if early else 'not delivered'} to the AS", flush=True)
        run.check("transactions carry the hs_token; forms recorded", transaction_forms)
    except Exception:
        run.failed += 1
        print(f"FAIL setup or time limit\n{traceback.format_exc()}", flush=True)
        if synapse is not None:
            print(synapse.tails(), flush=True)
    finally:
        for client in clients:
            client.stop()
        if synapse is not None:
            synapse.close()
        recorder.close()
        if os.path.exists(reg_path):
            os.unlink(reg_path)
        signal.alarm(0)
    print(f"{run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
