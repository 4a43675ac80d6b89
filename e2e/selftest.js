'use strict';
// Self-test of the browser path on this machine, before interviewd's real pages exist.
//
// A tiny page served by Node (a labelled form, a button, a strict Content-Security-Policy) is
// driven with the keyboard only in headless Chromium with a fake microphone playing a spoken
// answer (tools/make-answer-wav.sh). The page captures it with getUserMedia, downsamples it to
// 16 kHz in an AudioWorklet and sends 20 ms PCM16 frames over a WebSocket to this process,
// which checks that it received more than 100 of them. axe runs on the page, a screenshot is
// taken, and, when the voice venv is there, the received audio is transcribed by
// tools/speech-server.py and must contain the answer's key words.
//
//   node e2e/selftest.js            (node's test runner; exit code 0 when all pass)
//
// Environment: INTERVIEWD_E2E_ANSWER_WAV (use this WAV instead of making one),
// INTERVIEWD_E2E_OUT (where the screenshot and the received audio go; default a temp dir),
// INTERVIEWD_E2E_TRANSCRIBE=0 (skip the speech-server check).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { WebSocketServer } = require('ws');

const h = require('./lib');

const ANSWER = 'I have five years of experience with Rust and PostgreSQL. I led a team that built a payment service.';
const FRAME_BYTES = 640; // 20 ms of 16 kHz mono PCM16

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Microphone check · interviewd self-test</title>
<style>
  body { font: 16px/1.5 system-ui, "DejaVu Sans", sans-serif; color: #1b1b1b; background: #fff; margin: 0; }
  main { max-width: 36rem; margin: 3rem auto; padding: 0 1rem; }
  label { display: block; font-weight: 600; margin-bottom: .25rem; }
  input { font: inherit; padding: .4rem .5rem; border: 1px solid #555; border-radius: 4px; width: 16rem; }
  button { font: inherit; margin-top: 1rem; padding: .5rem 1rem; border: 0; border-radius: 4px; background: #1d4ed8; color: #fff; }
  :focus-visible { outline: 3px solid #b45309; outline-offset: 2px; }
  #status { margin-top: 1.5rem; padding: .5rem .75rem; background: #f1f5f9; border-radius: 4px; }
</style>
</head>
<body>
<main>
  <h1>Microphone check</h1>
  <p>Say a few words after pressing the button; we only check that your microphone reaches us.</p>
  <form id="form">
    <label for="name">Your name</label>
    <input id="name" name="name" autocomplete="name" required>
    <button type="submit" id="start">Start speaking</button>
  </form>
  <p id="status" role="status" aria-live="polite">Not started.</p>
</main>
<script src="/app.js"></script>
</body>
</html>`;

// The page's script: buffer the socket's messages from the start (they can arrive before the
// handlers are ready), capture at the context's native rate, stream 20 ms frames.
const APP = `'use strict';
const statusEl = document.getElementById('status');
const say = (t) => { statusEl.textContent = t; };
const inbox = [];
window.selftest = { sent: 0, inbox };
document.getElementById('form').addEventListener('submit', (e) => {
  e.preventDefault();
  start().catch((err) => say('Error: ' + err.message));
});
async function start() {
  say('Starting…');
  const ws = new WebSocket('ws://' + location.host + '/ws');
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (m) => inbox.push(m.data);
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error('WebSocket failed')); });
  ws.send(JSON.stringify({ type: 'hello', name: document.getElementById('name').value }));
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
  });
  const ctx = new AudioContext();
  await ctx.audioWorklet.addModule('/worklet.js');
  const node = new AudioWorkletNode(ctx, 'pcm16-frames', { processorOptions: { targetRate: 16000, frame: 320 } });
  node.port.onmessage = (m) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(m.data);
    window.selftest.sent++;
    if (window.selftest.sent % 25 === 0) say('Listening: ' + window.selftest.sent + ' frames sent at ' + ctx.sampleRate + ' Hz capture.');
  };
  const mute = ctx.createGain();
  mute.gain.value = 0;
  ctx.createMediaStreamSource(stream).connect(node).connect(mute).connect(ctx.destination);
  window.selftest.rate = ctx.sampleRate;
  say('Listening…');
}`;

// Downsampling by averaging each output sample's span of input samples (a box filter: crude,
// but enough for speech into Whisper), then PCM16 frames of \`frame\` samples, transferred.
const WORKLET = `'use strict';
class Pcm16Frames extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions || {};
    this.step = sampleRate / (o.targetRate || 16000);
    this.frame = o.frame || 320;
    this.need = this.step; this.acc = 0; this.n = 0;
    this.buf = new Int16Array(this.frame); this.len = 0;
  }
  process(inputs, outputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) {
      for (let i = 0; i < ch.length; i++) {
        this.acc += ch[i]; this.n++;
        if (--this.need > 0) continue;
        const v = Math.max(-1, Math.min(1, this.acc / this.n));
        this.acc = 0; this.n = 0; this.need += this.step;
        this.buf[this.len++] = v < 0 ? v * 0x8000 : v * 0x7fff;
        if (this.len === this.frame) {
          this.port.postMessage(this.buf.buffer, [this.buf.buffer]);
          this.buf = new Int16Array(this.frame); this.len = 0;
        }
      }
    }
    return true;
  }
}
registerProcessor('pcm16-frames', Pcm16Frames);`;

const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'self'";

/** The page's server: GET /, /app.js, /worklet.js, and the WebSocket /ws that counts frames. */
function startPageServer() {
  const state = { frames: 0, badFrames: 0, hello: null, pcm: [] };
  const files = {
    '/': ['text/html; charset=utf-8', PAGE],
    '/app.js': ['text/javascript', APP],
    '/worklet.js': ['text/javascript', WORKLET],
  };
  const server = http.createServer((req, res) => {
    const f = files[req.url];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f[0], 'content-security-policy': CSP, 'cache-control': 'no-store' });
    res.end(f[1]);
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'welcome' }));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        state.hello = JSON.parse(data.toString());
        return;
      }
      if (data.length !== FRAME_BYTES) state.badFrames++;
      state.frames++;
      state.pcm.push(Buffer.from(data));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        state,
        url: `http://127.0.0.1:${server.address().port}/`,
        close: () => new Promise((r) => { wss.close(); server.close(() => r()); server.closeAllConnections(); }),
      }),
    ),
  );
}

async function waitFor(fn, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function wavSeconds(file) {
  const b = fs.readFileSync(file);
  const rate = b.readUInt32LE(24);
  const bytesPerSec = b.readUInt32LE(28);
  return { seconds: (b.length - 44) / bytesPerSec, rate };
}

test('browser path: keyboard, fake microphone, AudioWorklet, WebSocket, axe, screenshot', async (t) => {
  const out = process.env.INTERVIEWD_E2E_OUT || fs.mkdtempSync(path.join(os.tmpdir(), 'interviewd-e2e-'));
  fs.mkdirSync(out, { recursive: true });
  let passed = false;
  // A temp dir of our own is removed when the test passes, and kept (and named) when it fails.
  t.after(() => {
    if (process.env.INTERVIEWD_E2E_OUT) return;
    if (passed) fs.rmSync(out, { recursive: true, force: true });
    else console.error(`selftest: outputs kept in ${out}`);
  });
  const t0 = Date.now();
  const wav = process.env.INTERVIEWD_E2E_ANSWER_WAV || h.makeAnswerWav(ANSWER, path.join(out, 'answer.wav'));
  const { seconds } = wavSeconds(wav);
  t.diagnostic(`answer WAV ${wav}: ${seconds.toFixed(2)} s (made in ${Date.now() - t0} ms)`);

  const site = await startPageServer();
  const b = await h.launch({ fakeMicWav: wav });
  t.after(async () => {
    await b.close();
    await site.close();
  });
  const problems = h.watchProblems(b.page);
  await b.page.goto(site.url);

  const a11y = await h.assertAccessible(b.page);
  t.diagnostic(`axe: ${a11y.passes} rules passed, ${a11y.violations.length} violation(s)${a11y.summary ? `\n${a11y.summary}` : ''}`);

  const kb = h.keyboardOnly(b.page);
  await kb.tabTo('#name');
  const nameFocus = await kb.expectFocusVisible();
  await kb.type('Ada Lovelace');
  await kb.tabTo('#start');
  await kb.expectFocusVisible();
  assert.equal((await kb.focused()).text, 'Start speaking');
  t.diagnostic(`focus on #name: outline ${nameFocus.outline}, ${nameFocus.changedPixels} pixels change`);
  const t1 = Date.now();
  await kb.enter();

  // All of the answer, then a little of the silence after it (%noloop).
  const want = Math.ceil(seconds * 50);
  await waitFor(() => site.state.frames >= want + 25, (seconds + 10) * 1000, `${want} frames`);
  const streamed = Date.now() - t1;
  await waitFor(async () => /Listening: \d+ frames/.test(await b.page.locator('#status').textContent()), 5000, 'the status');
  const shot = await h.screenshot(b.page, path.join(out, 'selftest.png'));
  const pageState = await b.page.evaluate(() => ({ sent: window.selftest.sent, rate: window.selftest.rate, inbox: window.selftest.inbox.length }));

  assert.ok(site.state.frames > 100, `server received ${site.state.frames} frames`);
  assert.equal(site.state.badFrames, 0, 'every frame is 640 bytes (20 ms at 16 kHz)');
  assert.deepEqual(site.state.hello, { type: 'hello', name: 'Ada Lovelace' });
  assert.equal(pageState.inbox, 1, 'the page kept the welcome message');
  assert.deepEqual(problems, []);
  t.diagnostic(
    `frames: ${site.state.frames} received (${pageState.sent} sent, capture at ${pageState.rate} Hz) in ${streamed} ms; ` +
      `screenshot ${shot.file} ${shot.bytes} bytes`,
  );

  const received = h.wavFromPcm16(Buffer.concat(site.state.pcm));
  fs.writeFileSync(path.join(out, 'received.wav'), received);

  const python = path.join(h.voiceVenv(), 'bin', 'python');
  if (process.env.INTERVIEWD_E2E_TRANSCRIBE === '0' || !fs.existsSync(python)) {
    t.diagnostic('transcription skipped (no voice venv, or INTERVIEWD_E2E_TRANSCRIBE=0)');
    passed = true;
    return;
  }
  const speech = await h.startSpeechServer({ logFile: path.join(out, 'speech-server.log') });
  try {
    const t2 = Date.now();
    const text = await h.transcribe(speech.baseUrl, received);
    t.diagnostic(`transcript (${Date.now() - t2} ms): ${text}`);
    for (const word of ['five years', 'experience', 'rust', 'payment service']) {
      assert.ok(text.toLowerCase().includes(word), `transcript has "${word}": ${text}`);
    }
    passed = true;
  } finally {
    await speech.stop();
  }
});

// The checks must be able to fail: a page with an unlabelled field, an image without text,
// poor contrast and no focus ring.
const BAD_PAGE = `<!doctype html><html><head><title>bad</title>
<style>input, button { outline: none; } .faint { color: #bbb; background: #fff; }</style></head>
<body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input id="q"><button id="go">Go</button>
<p class="faint">Hard to read</p></body></html>`;

test('the harness reports inaccessible pages and invisible focus', async (t) => {
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(BAD_PAGE));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const b = await h.launch();
  t.after(async () => {
    await b.close();
    await new Promise((r) => server.close(r));
  });
  await b.page.goto(`http://127.0.0.1:${server.address().port}/`);
  const r = await h.axe(b.page);
  const ids = r.failing.map((v) => v.id).sort();
  t.diagnostic(`axe failing: ${ids.join(', ')}; all: ${r.violations.map((v) => `${v.id}(${v.impact})`).join(', ')}`);
  for (const id of ['color-contrast', 'image-alt', 'label']) assert.ok(ids.includes(id), `axe reports ${id}`);
  await assert.rejects(h.assertAccessible(b.page), /serious\/critical/);
  const kb = h.keyboardOnly(b.page);
  await kb.tabTo('#q');
  await assert.rejects(kb.expectFocusVisible(), /focus not visible/);
});
