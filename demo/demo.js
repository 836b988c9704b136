// A minimal client of the Janus HTTP API for the conference plugin: no
// library, so that what it does is plain to read.
"use strict";
const params = new URLSearchParams(location.search);
const server = params.get("janus") || `http://${location.hostname}:8088/janus`;
const room = Number(params.get("room") || 1234);
document.getElementById("room").textContent = room;
document.getElementById("server").textContent = server;

let session = null, handle = null, pc = null, muted = false, keepalive = null;
const people = new Map();

function log(text) {
  document.getElementById("log").textContent += text + "\n";
}

async function janus(path, body) {
  body.transaction = Math.random().toString(36).slice(2);
  const r = await fetch(server + path, { method: "POST", body: JSON.stringify(body) });
  const j = await r.json();
  if (j.janus === "error") throw new Error(`${j.error.code} ${j.error.reason}`);
  return j;
}

function render() {
  const ul = document.getElementById("people");
  ul.innerHTML = "";
  for (const [id, p] of people) {
    const li = document.createElement("li");
    li.textContent = `${p.display || id}${p.muted ? " (muted)" : ""}${p.rtp ? " [RTP]" : ""}`;
    if (p.talking) li.className = "talking";
    ul.appendChild(li);
  }
}

function onPluginEvent(data, jsep) {
  const kind = data.conference;
  if (data.error_code) log(`error ${data.error_code}: ${data.error}`);
  for (const p of data.participants || []) people.set(p.id, { ...people.get(p.id), ...p });
  if (data.leaving) people.delete(data.leaving);
  if (kind === "talking" || kind === "stopped-talking") {
    const p = people.get(data.id);
    if (p) p.talking = kind === "talking";
  }
  if (jsep) pc.setRemoteDescription(jsep);
  render();
}

async function poll() {
  while (session) {
    try {
      const r = await fetch(`${server}/${session}?maxev=10&rid=${Date.now()}`);
      const events = [].concat(await r.json());
      for (const ev of events) {
        if (ev.janus === "event" && ev.plugindata) onPluginEvent(ev.plugindata.data, ev.jsep);
        else if (ev.janus === "hangup") log(`hangup: ${ev.reason}`);
      }
    } catch (e) {
      log(`poll: ${e}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

document.getElementById("join").onclick = async () => {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    session = (await janus("", { janus: "create" })).data.id;
    handle = (await janus(`/${session}`, { janus: "attach", plugin: "janus.plugin.conference" })).data.id;
    keepalive = setInterval(() => janus(`/${session}`, { janus: "keepalive" }), 10000);
    poll();
    pc = new RTCPeerConnection();
    stream.getTracks().forEach((t) => pc.addTrack(t, stream));
    pc.ontrack = (e) => { document.getElementById("mix").srcObject = e.streams[0] || new MediaStream([e.track]); };
    await pc.setLocalDescription(await pc.createOffer());
    // Janus takes the offer with all candidates in it: no trickle needed.
    await new Promise((r) => {
      if (pc.iceGatheringState === "complete") return r();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r();
    });
    const display = document.getElementById("name").value;
    await janus(`/${session}/${handle}`, {
      janus: "message", body: { request: "join", room, display },
      jsep: { type: "offer", sdp: pc.localDescription.sdp },
    });
    document.getElementById("join").disabled = true;
    document.getElementById("mute").disabled = false;
    document.getElementById("leave").disabled = false;
    log("joining...");
  } catch (e) {
    log(`join failed: ${e}`);
  }
};

document.getElementById("mute").onclick = async () => {
  muted = !muted;
  await janus(`/${session}/${handle}`, { janus: "message", body: { request: "configure", muted } });
  document.getElementById("mute").textContent = muted ? "Unmute" : "Mute";
};

document.getElementById("leave").onclick = async () => {
  await janus(`/${session}`, { janus: "destroy" });
  clearInterval(keepalive);
  session = null;
  pc.close();
  people.clear();
  render();
  document.getElementById("join").disabled = false;
  document.getElementById("mute").disabled = true;
  document.getElementById("leave").disabled = true;
};
