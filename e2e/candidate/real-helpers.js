'use strict';
// Helpers for the candidate page's tests against the real server (real-*.test.js), which the
// Rust test `candidate_browser` (crates/interviewd/tests/api/) starts with the server's
// addresses in INTERVIEWD_E2E_*: what went over the page's WebSocket, screenshots on demand,
// axe, and the server's APIs.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const h = require('../lib');
const { waitFor, transcript } = require('./helpers');

/** Why a real-server test cannot run when started on its own (`node --test e2e/candidate/`). */
function needsServer(...names) {
  const missing = names.filter((n) => !process.env[n]);
  return missing.length > 0 ? 'run by `cargo test -p interviewd --test api candidate_browser`' : false;
}

/**
 * Records the page's WebSocket traffic: `{ sent, received, binarySent, binaryReceived,
 * timeline, sockets }`, where `sent`/`received` hold the parsed JSON messages in order, the
 * binary lists the byte length of each audio frame, and `timeline()` is a readable line per
 * JSON message with the seconds since the first one (for a diagnostic).
 */
function recordSocket(page) {
  const log = { sent: [], received: [], binarySent: [], binaryReceived: [], sockets: 0, events: [] };
  let first = null;
  page.on('websocket', (ws) => {
    log.sockets += 1;
    const take = (arrow, list, binary) => ({ payload }) => {
      if (typeof payload !== 'string') {
        binary.push(payload.length);
        return;
      }
      const msg = JSON.parse(payload);
      list.push(msg);
      first ??= Date.now();
      log.events.push({ at: (Date.now() - first) / 1000, arrow, msg });
    };
    ws.on('framesent', take('>', log.sent, log.binarySent));
    ws.on('framereceived', take('<', log.received, log.binaryReceived));
  });
  log.timeline = () =>
    log.events
      .filter((e) => !(e.msg.type === 'agent' && !e.msg.final))
      .map((e) => `${e.at.toFixed(2).padStart(6)} ${e.arrow} ${JSON.stringify(e.msg).slice(0, 100)}`)
      .join('\n');
  return log;
}

const SHOTS = process.env.INTERVIEWD_E2E_SCREENSHOTS;
const MAX_SHOT_BYTES = 60 * 1024;

/** A PNG of the page in $INTERVIEWD_E2E_SCREENSHOTS (when set) as `<name>.png`, < 60 KB. */
async function shoot(page, name, opts = {}) {
  if (!SHOTS) return;
  const file = path.join(path.resolve(SHOTS), `${name}.png`);
  const r = await h.screenshot(page, file, { maxBytes: MAX_SHOT_BYTES, strict: true, fullPage: true, ...opts });
  console.log(`screenshot ${file} ${(r.bytes / 1024).toFixed(1)} KB`);
}

/** axe on the page: no serious or critical violation. */
async function assertAccessible(page, what) {
  const r = await h.axe(page);
  assert.equal(r.failing.length, 0, `axe on ${what}:\n${r.summary}`);
  return r;
}

/** The transcript as shown, once it holds `n` entries none of which is still streaming. */
async function settledTranscript(page, n, timeoutMs = 15_000) {
  let last = [];
  try {
    await waitFor(async () => {
      last = await transcript(page);
      return last.length === n && last.every((e) => !e.streaming);
    }, timeoutMs, `${n} transcript entries`);
  } catch (err) {
    err.message += `\nshown: ${JSON.stringify(last)}`;
    throw err;
  }
  return last;
}

/** A request to the server's API with the company's key (InstaView Bearer, Xobin apiKey). */
async function api(method, urlPath, body) {
  const base = process.env.INTERVIEWD_E2E_BASE_URL;
  const key = process.env.INTERVIEWD_E2E_API_KEY;
  const headers = { Authorization: `Bearer ${key}`, apiKey: key, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch (_) {
    // Not JSON: the caller looks at the status.
  }
  return { status: res.status, json, text };
}

/** The samples of a 16-bit PCM WAV (its `data` chunk). */
function wavData(file) {
  const buf = fs.readFileSync(file);
  let pos = 12;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('latin1', pos, pos + 4);
    const len = buf.readUInt32LE(pos + 4);
    if (id === 'data') return buf.subarray(pos + 8, pos + 8 + len);
    pos += 8 + len + (len % 2);
  }
  throw new Error(`${file}: no data chunk`);
}

module.exports = { needsServer, recordSocket, shoot, assertAccessible, settledTranscript, api, wavData };
