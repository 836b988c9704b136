// One Matrix user in Chromium placing a legacy 1:1 voice call as Element Web does
// (client.createCall(room) then placeVoiceCall()), and recording the audio it receives.
// The driver calls window.mcu.<fn>(...) through puppeteer.
import { ClientEvent, createClient, Preset } from "matrix-js-sdk";
import { CallErrorCode, CallEvent, CallState } from "matrix-js-sdk/lib/webrtc/call.js";

const KEEP_SECONDS = 20; // received audio kept between mark() and take()

let client = null;
let call = null;
let placedAt = 0;
const states = []; // [state, ms since placeVoiceCall()]
const errors = [];
let recording = null; // what the received stream played, since mark()

function since() {
  return Math.round(performance.now() - placedAt);
}

function waitFor(predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const deadline = performance.now() + timeoutMs;
    const poll = () => {
      const value = predicate();
      if (value) return resolve(value);
      if (performance.now() > deadline) return reject(new Error(`timed out: ${what}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

// Chromium feeds a received stream into WebAudio only while a media element plays it, as
// Element's <audio> element does; the tap records what reaches the speaker.
function record(stream) {
  if (recording && recording.stream.id === stream.id) return;
  const element = new Audio();
  element.muted = true;
  element.srcObject = stream;
  element.play().catch((e) => errors.push(`audio element: ${e}`));
  const ctx = new AudioContext({ sampleRate: 48000 });
  const tap = ctx.createScriptProcessor(4096, 1, 1);
  const silence = ctx.createGain();
  silence.gain.value = 0;
  ctx.createMediaStreamSource(stream).connect(tap);
  tap.connect(silence);
  silence.connect(ctx.destination);
  const rec = { stream, element, ctx, chunks: [], samples: 0, rate: ctx.sampleRate, blocks: 0 };
  tap.onaudioprocess = (e) => {
    const block = new Float32Array(e.inputBuffer.getChannelData(0));
    rec.blocks += 1;
    rec.chunks.push(block);
    rec.samples += block.length;
    while (rec.samples - rec.chunks[0].length > KEEP_SECONDS * rec.rate) {
      rec.samples -= rec.chunks.shift().length;
    }
  };
  ctx.resume().catch((e) => errors.push(`audio context: ${e}`));
  recording = rec;
}

function onFeeds() {
  const stream = call.remoteUsermediaStream;
  if (stream && stream.getAudioTracks().length) record(stream);
}

window.mcu = {
  async start(baseUrl, userId, accessToken, deviceId) {
    client = createClient({ baseUrl, userId, accessToken, deviceId });
    const prepared = new Promise((resolve) => {
      client.on(ClientEvent.Sync, (state) => {
        if (state === "PREPARED") resolve();
      });
    });
    await client.startClient({ initialSyncLimit: 20 });
    await prepared;
    return { voip: client.supportsVoip() };
  },

  // A direct room as Element Web opens one with a user who has no devices (unencrypted).
  async openDm(userId) {
    const { room_id: roomId } = await client.createRoom({
      preset: Preset.TrustedPrivateChat,
      invite: [userId],
      is_direct: true,
    });
    return roomId;
  },

  async waitJoined(roomId, userId, timeoutMs) {
    await waitFor(() => client.getRoom(roomId)?.getMember(userId)?.membership === "join",
                  timeoutMs, `${userId} joined ${roomId}`);
    return true;
  },

  async placeVoiceCall(roomId) {
    call = client.createCall(roomId);
    placedAt = performance.now();
    states.length = 0;
    call.on(CallEvent.State, (state) => states.push([state, since()]));
    call.on(CallEvent.FeedsChanged, onFeeds);
    call.on(CallEvent.Error, (e) => errors.push(`${e.code}: ${e.message}`));
    await call.placeVoiceCall();
    return call.callId;
  },

  status() {
    const pc = call && call.peerConn;
    return {
      callId: call ? call.callId : null,
      state: call ? call.state : null,
      states,
      connectedMs: (states.find(([s]) => s === CallState.Connected) || [null, null])[1],
      hangupParty: call ? call.hangupParty ?? null : null,
      hangupReason: call ? call.hangupReason ?? null : null,
      iceConnectionState: pc ? pc.iceConnectionState : null,
      errors,
      audioBlocks: recording ? recording.blocks : 0,
      audioContext: recording ? recording.ctx.state : null,
    };
  },

  mark() {
    if (!recording) return false;
    recording.chunks = [];
    recording.samples = 0;
    return true;
  },

  // Float32 little-endian mono samples received since mark(), base64.
  take() {
    if (!recording) return { rate: 0, samples: "" };
    const all = new Float32Array(recording.samples);
    let at = 0;
    for (const chunk of recording.chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    const bytes = new Uint8Array(all.buffer);
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return { rate: recording.rate, samples: btoa(text) };
  },

  hangup() {
    call.hangup(CallErrorCode.UserHangup, false);
    return call.state;
  },
};
