'use strict';
// A stand-in for interviewd's candidate surface, for the browser tests of the page: it serves
// the real assets and pages rendered from the real templates (render.js, byte-identical to
// askama), and plays the server side of the WebSocket protocol with a scripted interviewer
// (a greeting with the first question, a second question, a closing line). It records every
// frame it receives, per invite token, for the tests to assert on.
//
// Tokens choose the behaviour (`/i/<token>`):
//   state-<kind>     the state page of that kind, with its status (busy: Retry-After)
//   busy-flip        busy (Retry-After: 1) for the first `busyRequests` requests, then the start page
//   novoice          the start page with voice unavailable (and `voice: false` in the session)
//   drop-*           drops the socket right after the first answer, refuses the next upgrade,
//                    then resumes with the transcript
//   anything else    the start page and the scripted interview
// `slowAssets: { name: ms }` delays an asset (e.g. the playback worklet), so the server's first
// messages reach the page before it is ready for them.
// In voice mode the agent's audio is a 440 Hz sine (PCM16 at 16 kHz); after the greeting has
// been played and `voiceFramesBeforeAnswer` microphone frames have arrived, the mock captions a
// fixed answer, speaks the second question with `longAudioMs` of audio and sends `clear`
// `clearAfterMs` later (a barge-in).
//
//   node e2e/candidate/mock-server.js [port]     serves until Ctrl+C (for a look by hand)

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { WebSocketServer } = require('ws');

const { render } = require('./render');
const f = require('./fixtures');

const ASSET_DIR = path.join(__dirname, '..', '..', 'crates', 'interviewd', 'assets');
const CSP = "default-src 'self'; connect-src 'self'";
const TYPES = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const AGENT_RATE = 16000;

const SCRIPT = Object.freeze([
  'Hello, and thank you for joining. I am the interviewer for the Senior Rust Engineer role. First question: tell me about a project you are proud of.',
  'Thank you. Second question: how do you test a service that talks to other systems?',
  'Thank you for your answers. That is all for today. Goodbye!',
]);
const VOICE_ANSWER = 'I have five years of experience with Rust and PostgreSQL.';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `ms` of a 440 Hz sine, PCM16 little-endian mono at AGENT_RATE. */
function sine(ms) {
  const n = Math.round((AGENT_RATE * ms) / 1000);
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / AGENT_RATE)), i * 2);
  return buf;
}

/** What the mock knows and saw for one invite token, across reconnections. */
function newSession(token) {
  return {
    token,
    transcript: [],
    step: 0, // index of the next SCRIPT line
    mode: null,
    connections: 0,
    upgrades: [], // { at, refused }
    hellos: [],
    json: [], // { at, conn, msg } every text frame received
    frames: [], // { at, conn, bytes } every binary frame received
    pcm: [],
    ended: false,
    dropped: false,
    refusals: 0,
  };
}

class MockServer {
  constructor(opts = {}) {
    this.opts = {
      busyRequests: 2,
      voiceFramesBeforeAnswer: 120,
      longAudioMs: 3000,
      clearAfterMs: 700,
      greetingAudioMs: 600,
      ...opts,
    };
    this.sessions = new Map();
    this.requests = new Map(); // token -> GET count
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  listen(port = 0) {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', () => resolve(this)));
  }

  get origin() {
    return `http://127.0.0.1:${this.server.address().port}`;
  }

  url(token) {
    return `${this.origin}/i/${token}`;
  }

  session(token) {
    if (!this.sessions.has(token)) this.sessions.set(token, newSession(token));
    return this.sessions.get(token);
  }

  close() {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  // ---- HTTP

  onRequest(req, res) {
    const url = new URL(req.url, this.origin);
    if (req.method === 'GET' && url.pathname.startsWith('/assets/')) return this.asset(url, res);
    const m = /^\/i\/([\w-]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const token = m[1];
    this.requests.set(token, (this.requests.get(token) || 0) + 1);
    if (!(req.headers.accept || '').includes('text/html')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'SCHEDULED' }));
      return;
    }
    const page = this.page(token);
    const headers = { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP, 'cache-control': 'no-store' };
    if (page.retryAfter) headers['retry-after'] = String(page.retryAfter);
    res.writeHead(page.status, headers).end(page.html);
  }

  /** The page for a token: `{ status, html, retryAfter }`. */
  page(token) {
    const state = /^state-(\w+)$/.exec(token);
    if (state && state[1] in f.STATE_KINDS) {
      const kind = state[1];
      const ctx = f.stateContext(kind);
      return { status: f.STATE_KINDS[kind], html: render('state.html', ctx), retryAfter: kind === 'busy' ? ctx.retry_after_seconds : 0 };
    }
    if (token === 'busy-flip' && this.requests.get(token) <= this.opts.busyRequests) {
      return { status: 503, html: render('state.html', f.stateContext('busy', { retry_after_seconds: 1 })), retryAfter: 1 };
    }
    const voice = token !== 'novoice';
    return { status: 200, html: render('start.html', f.startContext({ voice_available: voice })) };
  }

  asset(url, res) {
    const name = url.pathname.slice('/assets/'.length);
    const file = path.join(ASSET_DIR, name);
    if (!/^[\w.-]+$/.test(name) || !fs.existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such asset');
      return;
    }
    const cache = url.searchParams.has('v') ? 'public, max-age=31536000, immutable' : 'no-cache';
    const body = fs.readFileSync(file);
    const send = () => {
      res.writeHead(200, { 'content-type': TYPES[path.extname(name)] || 'application/octet-stream', 'cache-control': cache });
      res.end(body);
    };
    const delay = (this.opts.slowAssets || {})[name];
    if (delay) setTimeout(send, delay);
    else send();
  }

  // ---- WebSocket

  onUpgrade(req, socket, head) {
    const m = /^\/i\/([\w-]+)\/ws$/.exec(new URL(req.url, this.origin).pathname);
    if (!m) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const s = this.session(m[1]);
    const refuse = s.dropped && s.refusals < 1;
    s.upgrades.push({ at: performance.now(), refused: refuse });
    if (refuse) {
      s.refusals++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(s, ws));
  }

  onConnection(s, ws) {
    const conn = ++s.connections;
    const link = { ws, conn, s, alive: true, framesSinceSession: 0, answeredByVoice: false };
    ws.on('close', () => { link.alive = false; });
    ws.on('message', (data, isBinary) => {
      const at = performance.now();
      if (isBinary) {
        s.frames.push({ at, conn, bytes: data.length });
        s.pcm.push(Buffer.from(data));
        link.framesSinceSession++;
        this.maybeVoiceAnswer(link);
        return;
      }
      let msg;
      try {
        msg = JSON.parse(data.toString());
      } catch (_) {
        this.send(link, { type: 'error', code: 'BAD_MESSAGE', message: 'not JSON' });
        return;
      }
      s.json.push({ at, conn, msg });
      this.onMessage(link, msg).catch((err) => console.error('mock:', err));
    });
  }

  send(link, msg) {
    if (link.alive && link.ws.readyState === link.ws.OPEN) link.ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  async onMessage(link, msg) {
    const s = link.s;
    switch (msg.type) {
      case 'hello': return this.onHello(link, msg);
      case 'text': return this.onAnswer(link, msg.text);
      case 'mode': s.mode = msg.mode; return undefined;
      case 'end': return this.end(link, 'ended_by_candidate');
      default: return undefined;
    }
  }

  async onHello(link, msg) {
    const s = link.s;
    s.hellos.push({ conn: link.conn, ...msg });
    s.mode = msg.mode;
    const resumed = !!msg.resume && s.transcript.length > 0;
    const voice = s.token !== 'novoice';
    this.send(link, {
      type: 'session', sessionId: `sess-${s.token}`, resumed, voice, sampleRate: AGENT_RATE, questionCount: 2,
      idleTimeoutSeconds: 300, transcript: resumed ? s.transcript : [],
    });
    if (!voice && s.mode === 'voice') s.mode = 'text';
    link.framesSinceSession = 0;
    await this.speakNext(link);
  }

  async onAnswer(link, text) {
    const s = link.s;
    s.transcript.push({ role: 'participant', text });
    if (s.token.startsWith('drop-') && !s.dropped) {
      s.dropped = true;
      link.ws.terminate();
      return;
    }
    this.send(link, { type: 'state', state: 'thinking' });
    await sleep(80);
    await this.speakNext(link);
  }

  /** Once the greeting was played and enough audio came in: a caption, then a long question cut by `clear`. */
  async maybeVoiceAnswer(link) {
    const s = link.s;
    const o = this.opts;
    if (link.answeredByVoice || s.mode !== 'voice' || s.step !== 1 || link.framesSinceSession < o.voiceFramesBeforeAnswer) return;
    if (!s.json.some((j) => j.msg.type === 'played' && j.msg.id === 1)) return;
    link.answeredByVoice = true;
    this.send(link, { type: 'state', state: 'thinking' });
    this.send(link, { type: 'caption', role: 'participant', text: VOICE_ANSWER, final: true });
    s.transcript.push({ role: 'participant', text: VOICE_ANSWER });
    const speaking = this.speakNext(link, o.longAudioMs);
    await sleep(o.clearAfterMs);
    this.send(link, { type: 'clear' });
    await speaking;
  }

  /** Speaks the next line: state, text in pieces, audio (voice mode), then listening or the end. */
  async speakNext(link, audioMs = this.opts.greetingAudioMs) {
    const s = link.s;
    if (s.step >= SCRIPT.length) return;
    const id = s.step + 1;
    const text = SCRIPT[s.step++];
    this.send(link, { type: 'state', state: 'speaking' });
    const words = text.split(' ');
    const piece = Math.ceil(words.length / 4);
    for (let i = 0; i < words.length; i += piece) {
      this.send(link, { type: 'agent', id, delta: (i ? ' ' : '') + words.slice(i, i + piece).join(' ') });
      await sleep(30);
    }
    this.send(link, { type: 'agent', id, text, final: true });
    s.transcript.push({ role: 'agent', text });
    if (s.mode === 'voice') {
      this.send(link, { type: 'audio', id });
      const pcm = sine(audioMs);
      for (let off = 0; off < pcm.length; off += 6400) this.send(link, pcm.subarray(off, off + 6400));
      this.send(link, { type: 'audio', id, end: true });
    }
    if (s.step >= SCRIPT.length) {
      await sleep(50);
      await this.end(link, 'completed');
      return;
    }
    this.send(link, { type: 'state', state: 'listening' });
  }

  async end(link, reason) {
    link.s.ended = true;
    this.send(link, { type: 'ended', reason, message: reason });
    await sleep(20);
    if (link.alive) link.ws.close(1000);
  }
}

/** Starts a mock on 127.0.0.1 (port 0 unless given); `opts` tunes the voice script. */
async function startMockServer(opts = {}) {
  const mock = new MockServer(opts);
  await mock.listen(opts.port || 0);
  return mock;
}

module.exports = { startMockServer, SCRIPT, VOICE_ANSWER, AGENT_RATE, CSP };

if (require.main === module) {
  startMockServer({ port: Number(process.argv[2]) || 0 }).then((m) => {
    console.log(`${m.url('demo')}  (states: ${m.url('state-busy')}, …)`);
  });
}
