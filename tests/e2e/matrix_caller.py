"""A Matrix user who calls a conference focus the way a Matrix client does.

MatrixCaller = a registered user (synapse_harness.MatrixClient with its /sync loop) plus
an aiortc RTCPeerConnection that sends a sine tone (janus_harness.ToneTrack) and records
the audio it receives (janus_harness.Recorder); with `video_yuv` it also sends a camera of
one solid colour (janus_harness.ColourTrack), as a video call, and keeps the newest
picture it receives. It speaks version "1" of the call
protocol in a direct room with the focus, following what matrix-js-sdk sends (DESIGN.md,
"matrix-js-sdk facts"): invite with lifetime 60000 and a random party_id, then
select_answer naming the party that answered, then the callee's candidates.

It also answers a call the focus places (a call-back after a failover: answer_call), as a
client that auto-answers does: a new PeerConnection, m.call.answer with its own party_id.

Every wait is bounded. Blocking MatrixClient calls run off the event loop.
"""

import asyncio
import os
import re
import secrets
import sys
import time

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import synapse_harness as sh  # noqa: E402
from aiortc.mediastreams import MediaStreamError  # noqa: E402
from janus_harness import (ColourTrack, Recorder, ToneTrack, record_track,  # noqa: E402
                           run_blocking, tone_report)

INVITE_LIFETIME_MS = 60000  # what matrix-js-sdk sends
HEARD_MIN_DB = 25.0  # a tone heard through the mix, as the end-to-end test asks
RECORDING_SKIP_S = 1.0  # start of a recording that the tone check ignores


def check_two_hear_each_other(r, callers):
    """Each of two callers hears the other's tone in what it recorded."""
    for caller, other in (callers, callers[::-1]):
        levels = tone_report(caller.recorder.samples(), [other.freq, caller.freq],
                             skip_seconds=RECORDING_SKIP_S)
        r.check(f"{caller.name} hears {other.name}'s {other.freq} Hz",
                levels is not None and levels[other.freq] >= HEARD_MIN_DB,
                "less than 1 s of audio" if levels is None else
                ", ".join(f"{f} Hz {db:+.1f} dB" for f, db in levels.items())
                + f" (needs >= {HEARD_MIN_DB:+.0f} dB)")


class OnsetRecorder(Recorder):
    """A Recorder that notes when audio above `threshold` (RMS, full scale 1.0) first
    arrives: with one's own voice left out of the mix, the moment one hears the others."""

    def __init__(self, threshold=0.01):
        super().__init__()
        self.threshold = threshold
        self.onset = None

    def add(self, samples):
        if (self.onset is None and len(samples)
                and float(np.sqrt(np.mean(np.square(samples)))) > self.threshold):
            self.onset = time.monotonic()
        super().add(samples)


class CallRefused(Exception):
    """The focus answered the invite with m.call.reject or m.call.hangup."""

    def __init__(self, event):
        self.event = event
        content = event.get("content", {})
        super().__init__(f"{event['type']} reason={content.get('reason')!r}")


class MatrixCaller:
    def __init__(self, synapse_url, user_id, access_token, freq, name=None, video_yuv=None):
        self.user_id = user_id
        self.name = name or user_id
        # The name Janus shows: Synapse gives a new user its localpart as display name.
        self.display = name or user_id
        self.freq = freq
        self.video_yuv = video_yuv
        self.frame = None             # the newest received video frame
        self.frames_received = 0
        self.client = sh.MatrixClient(synapse_url, user_id, access_token,
                                      timeline_limit=200).start_sync()
        self.recorder = Recorder()
        self.dm = None
        self.focus = None
        self.pc = None
        self.call_id = None
        self.party_id = None
        self.answer = None            # the m.call.answer event applied
        self.setup_seconds = None     # m.call.invite sent -> m.call.answer received
        self._connected = asyncio.Event()
        self.offer_sent = asyncio.Event()  # set once call() has sent its invite and candidates
        self._tasks = []
        self._applied_candidates = set()
        self._answered_invites = set()
        self.timings = {}             # answer_call: time.monotonic() of invite, answer, connected

    # ---- rooms

    async def open_dm(self, focus_user_id, timeout=20.0, wait_join=True):
        """Creates a direct room inviting the focus; waits for its join unless told not to
        (a caller who calls at once races the focus' join, which the focus must handle)."""
        self.focus = focus_user_id
        self.dm = await run_blocking(self.client.create_room, invite=[focus_user_id],
                                     is_direct=True, preset="trusted_private_chat")
        if wait_join:
            await self.wait_focus_membership("join", timeout)
        return self.dm

    async def wait_focus_membership(self, membership, timeout):
        await run_blocking(self.client.wait_membership, self.dm, self.focus, membership,
                           timeout)

    def focus_membership(self, room=None):
        return self.client.memberships.get(room or self.dm, {}).get(self.focus)

    def focus_leave_reason(self, room=None):
        """The reason of the focus' latest leave (or rejected invite) in a room."""
        for event in reversed(self.client.timeline(room or self.dm)):
            if event.get("type") == "m.room.member" and event.get("state_key") == self.focus:
                content = event.get("content", {})
                return content.get("reason") if content.get("membership") == "leave" else None
        return None

    async def leave_dm(self):
        await run_blocking(self.client.leave, self.dm)

    # ---- the call

    async def call(self, timeout=30.0):
        """Places the call and returns once media is connected. Raises CallRefused when
        the focus rejects or hangs up instead of answering, TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        self.offer_sent.clear()
        self._new_peer_connection()
        self.pc.addTrack(ToneTrack(self.freq))
        if self.video_yuv is not None:
            self.pc.addTrack(ColourTrack(self.video_yuv))
        # aiortc gathers every candidate inside setLocalDescription: the offer is
        # complete, as matrix-js-sdk's is once gathering has finished.
        await self.pc.setLocalDescription(await self.pc.createOffer())
        if self.pc.iceGatheringState != "complete":
            raise RuntimeError(f"{self.name}: ICE gathering not complete after the offer")
        sdp = self.pc.localDescription.sdp
        self.call_id = f"e2e{int(time.time() * 1000)}{secrets.token_hex(4)}"
        self.party_id = secrets.token_hex(8)
        t0 = time.monotonic()
        await self.send_call_event("m.call.invite", {
            "lifetime": INVITE_LIFETIME_MS,
            "offer": {"type": "offer", "sdp": sdp},
            "sdp_stream_metadata": stream_metadata(sdp)})
        # All candidates are in the offer; this only says so (empty candidate).
        await self.send_call_event("m.call.candidates", {"candidates": [
            {"candidate": "", "sdpMid": first_mid(sdp), "sdpMLineIndex": 0}]})
        self.offer_sent.set()
        event = await run_blocking(self.client.wait_for, self._answer_or_refusal,
                                   max(1.0, deadline - time.monotonic()))
        if event["type"] != "m.call.answer":
            raise CallRefused(event)
        self.setup_seconds = time.monotonic() - t0
        self.answer = event
        answer = event["content"].get("answer") or {}
        await self.pc.setRemoteDescription(RTCSessionDescription(
            sdp=answer.get("sdp", ""), type=answer.get("type", "answer")))
        await self.send_call_event("m.call.select_answer", {
            "selected_party_id": event["content"].get("party_id")})
        self._tasks.append(asyncio.ensure_future(self._candidate_loop()))
        await asyncio.wait_for(self._connected.wait(), max(1.0, deadline - time.monotonic()))

    async def answer_call(self, timeout=60.0):
        """Waits for the focus' next m.call.invite to this user in the direct room and answers
        it: the old PeerConnection closes, a new one sends the tone (and the camera of a video
        caller) and records into a new OnsetRecorder; m.call.answer, then the end of
        candidates. Returns once media is connected; `timings` notes when each step was."""
        deadline = time.monotonic() + timeout
        invite = await run_blocking(self.client.wait_for, self._incoming_invite, timeout)
        self.timings = {"invite": time.monotonic()}
        content = invite["content"]
        self._answered_invites.add(content.get("call_id"))
        await self._close_peer_connection()
        self.call_id = content.get("call_id")
        self.party_id = secrets.token_hex(8)
        self.recorder = OnsetRecorder()
        self._new_peer_connection()
        self.pc.addTrack(ToneTrack(self.freq))
        if self.video_yuv is not None:
            self.pc.addTrack(ColourTrack(self.video_yuv))
        offer = content.get("offer") or {}
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer.get("sdp", ""),
                                                                 type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        sdp = self.pc.localDescription.sdp
        await self.send_call_event("m.call.answer", {
            "answer": {"type": "answer", "sdp": sdp},
            "sdp_stream_metadata": stream_metadata(sdp)})
        self.timings["answer"] = time.monotonic()
        await self.send_call_event("m.call.candidates", {"candidates": [
            {"candidate": "", "sdpMid": first_mid(sdp), "sdpMLineIndex": 0}]})
        self._tasks.append(asyncio.ensure_future(self._candidate_loop()))
        await asyncio.wait_for(self._connected.wait(), max(1.0, deadline - time.monotonic()))
        self.timings["connected"] = time.monotonic()

    def _incoming_invite(self):
        for event in self.client.timelines.get(self.dm, []):
            content = event.get("content", {})
            if (event.get("sender") == self.focus and event.get("type") == "m.call.invite"
                    and content.get("invitee") == self.user_id
                    and content.get("call_id") not in self._answered_invites):
                return event
        return None

    async def send_invite_sdp(self, sdp):
        """An m.call.invite carrying the given SDP text (for malformed-offer tests)."""
        self.call_id = f"e2e{int(time.time() * 1000)}{secrets.token_hex(4)}"
        self.party_id = secrets.token_hex(8)
        await self.send_call_event("m.call.invite", {
            "lifetime": INVITE_LIFETIME_MS, "offer": {"type": "offer", "sdp": sdp}})
        return self.call_id

    async def send_call_event(self, event_type, fields):
        content = {"call_id": self.call_id, "party_id": self.party_id, "version": "1"}
        content.update(fields)
        return await run_blocking(self.client.send, self.dm, event_type, content)

    async def hangup(self, reason="user_hangup"):
        await self.send_call_event("m.call.hangup", {"reason": reason})
        await self._close_peer_connection()

    async def drop_call(self):
        """The focus ended the call: the PeerConnection closes, as a client's does on the
        focus' m.call.hangup."""
        await self._close_peer_connection()

    def connected(self):
        return self.pc is not None and self.pc.connectionState == "connected"

    def _answer_or_refusal(self):
        for event in self.client.timelines.get(self.dm, []):
            if (event.get("sender") == self.focus
                    and event.get("type") in ("m.call.answer", "m.call.reject", "m.call.hangup")
                    and event.get("content", {}).get("call_id") == self.call_id):
                return event
        return None

    def _new_peer_connection(self):
        # No ICE servers: host candidates only, nothing tries to leave the namespace.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._connected = asyncio.Event()
        self._applied_candidates = set()
        pc = self.pc

        @pc.on("track")
        def on_track(track):
            self._tasks.append(asyncio.ensure_future(self._receive(track)))

        @pc.on("connectionstatechange")
        def on_state():
            if pc.connectionState == "connected":
                self._connected.set()

    async def _receive(self, track):
        if track.kind != "video":
            await record_track(track, self.recorder)
            return
        while True:
            try:
                self.frame = await track.recv()
            except MediaStreamError:
                return
            self.frames_received += 1

    async def _candidate_loop(self):
        """Applies the focus' m.call.candidates for this call as they arrive."""
        pc, call_id = self.pc, self.call_id
        while pc.connectionState not in ("closed", "failed"):
            for event in self.client.timeline(self.dm):
                content = event.get("content", {})
                if (event.get("type") != "m.call.candidates" or event.get("sender") != self.focus
                        or content.get("call_id") != call_id
                        or event.get("event_id") in self._applied_candidates):
                    continue
                self._applied_candidates.add(event.get("event_id"))
                for c in content.get("candidates") or []:
                    text = (c.get("candidate") or "").strip()
                    if not text:
                        continue  # end of candidates
                    candidate = candidate_from_sdp(text.split(":", 1)[-1])
                    candidate.sdpMid = c.get("sdpMid")
                    candidate.sdpMLineIndex = c.get("sdpMLineIndex")
                    await pc.addIceCandidate(candidate)
            await asyncio.sleep(0.1)

    async def _close_peer_connection(self):
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        if self.pc is not None:
            await self.pc.close()

    async def close(self):
        try:
            await self._close_peer_connection()
        finally:
            await run_blocking(self.client.stop)

    # ---- what the focus sent in the direct room

    def focus_events(self, event_type, call_id=None):
        return [e for e in self.client.timeline(self.dm)
                if e.get("sender") == self.focus and e.get("type") == event_type
                and (call_id is None or e.get("content", {}).get("call_id") == call_id)]

    def answers(self, call_id=None):
        return self.focus_events("m.call.answer", call_id)

    def hangups(self, call_id=None):
        """[(call_id, reason), ...] of the focus' m.call.hangup events."""
        return [(e["content"].get("call_id"), e["content"].get("reason"))
                for e in self.focus_events("m.call.hangup", call_id)]

    def rejects(self, call_id=None):
        return [(e["content"].get("call_id"), e["content"].get("reason"))
                for e in self.focus_events("m.call.reject", call_id)]

    def notices(self, room=None):
        """Bodies of the focus' m.notice messages (in the direct room by default)."""
        return [e["content"].get("body") for e in self.client.timeline(room or self.dm)
                if e.get("sender") == self.focus and e.get("type") == "m.room.message"
                and e.get("content", {}).get("msgtype") == "m.notice"]

    async def dm_history(self, event_type, limit=200):
        """The focus' events of a type in the direct room as the server stores them (one
        /messages page), independent of what /sync delivered."""
        page = await run_blocking(self.client.messages, self.dm, limit=limit)
        return [e for e in page.get("chunk", [])
                if e.get("type") == event_type and e.get("sender") == self.focus]


def first_mid(sdp):
    match = re.search(r"^a=mid:(\S+)", sdp, re.M)
    return match.group(1) if match else "0"


def stream_metadata(sdp):
    """sdp_stream_metadata as matrix-js-sdk sends it: each local stream's msid -> purpose."""
    streams = set(re.findall(r"^a=msid:(\S+)", sdp, re.M))
    return {s: {"purpose": "m.usermedia", "audio_muted": False, "video_muted": False}
            for s in streams}
