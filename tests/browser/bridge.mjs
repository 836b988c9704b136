// Drives headless Chromium callers for test_browser_e2e.py: one JSON request per line on
// stdin, one JSON answer per line on stdout ({id, ok, value | error}); each caller is a
// browser of its own, so that killing one (SIGKILL, no DTLS alert) loses only its call.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import puppeteer from "puppeteer-core";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const browsers = new Map(); // name -> {browser, page, profile, pid}

function chromiumArgs(wav, profile) {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${profile}`,
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${wav}`,
    "--autoplay-policy=no-user-gesture-required",
    // Real host addresses in the candidates, as once a page has microphone access; the
    // namespace has no multicast DNS to resolve .local names.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
  ];
}

async function launch({ name, wav, url, log }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `browser-e2e-${name}-`));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    userDataDir: profile,
    args: chromiumArgs(wav, profile),
    ignoreDefaultArgs: ["--mute-audio"],
    protocolTimeout: 60000,
  });
  const page = await browser.newPage();
  const out = fs.createWriteStream(log, { flags: "a" });
  const stamp = () => new Date().toISOString();
  page.on("console", (msg) => out.write(`${stamp()} ${msg.type()} ${msg.text()}\n`));
  page.on("pageerror", (err) => out.write(`${stamp()} pageerror ${err}\n`));
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => window.mcu !== undefined, { timeout: 15000 });
  const pid = browser.process().pid;
  browsers.set(name, { browser, page, profile, pid, out });
  return { pid, version: await browser.version() };
}

function get(name) {
  const entry = browsers.get(name);
  if (!entry) throw new Error(`no browser named ${name}`);
  return entry;
}

async function evaluate({ name, fn, args }) {
  const { page } = get(name);
  return page.evaluate((f, a) => window.mcu[f](...a), fn, args || []);
}

function cleanup(entry) {
  entry.out.end();
  fs.rmSync(entry.profile, { recursive: true, force: true });
}

// Chromium leads its own process group (puppeteer starts it detached): the renderer, which
// holds the PeerConnection, dies in the same instant as the browser.
function kill({ name }) {
  const entry = get(name);
  process.kill(-entry.pid, "SIGKILL");
  browsers.delete(name);
  entry.browser.disconnect().catch(() => {});
  cleanup(entry);
  return { pid: entry.pid };
}

async function close({ name }) {
  const entry = get(name);
  browsers.delete(name);
  await entry.browser.close();
  cleanup(entry);
  return {};
}

const ops = { launch, evaluate, kill, close };

function killAll() {
  for (const entry of browsers.values()) {
    try {
      process.kill(-entry.pid, "SIGKILL");
    } catch {
      // already gone
    }
    fs.rmSync(entry.profile, { recursive: true, force: true });
  }
  browsers.clear();
}

process.on("exit", killAll);
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => process.exit(1));
}

function answer(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch (e) {
    answer({ id: null, ok: false, error: `bad request: ${e}` });
    return;
  }
  const { id, op, ...params } = request;
  try {
    if (!ops[op]) throw new Error(`unknown op ${op}`);
    const value = await ops[op](params);
    answer({ id, ok: true, value: value ?? null });
  } catch (e) {
    answer({ id, ok: false, error: String(e && e.stack ? e.stack : e) });
  }
});
lines.on("close", () => process.exit(0));
