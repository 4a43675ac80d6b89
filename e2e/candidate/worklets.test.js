'use strict';
// The two AudioWorklets run in Node with a minimal AudioWorkletGlobalScope, so their signal
// processing is checked with numbers: the capture worklet's frames, rate, pass band and
// anti-aliasing; the playback worklet's resampling, `played` reports and `clear`.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ASSETS = path.join(__dirname, '..', '..', 'crates', 'interviewd', 'assets');
const QUANTUM = 128;

/** Loads a worklet file at `rate` and returns `{ node, posted }` for its processor. */
function loadWorklet(file, rate) {
  const posted = [];
  let Processor = null;
  // Objects made inside the vm context have that context's prototypes: copy them out as JSON
  // data (ArrayBuffers stay as they are) so deepEqual compares values only.
  const plain = (m) => (m && m.pcm ? m : JSON.parse(JSON.stringify(m)));
  class AudioWorkletProcessor {
    constructor() {
      this.port = { postMessage: (m) => posted.push(plain(m)), onmessage: null };
    }
  }
  const scope = {
    sampleRate: rate,
    AudioWorkletProcessor,
    registerProcessor: (_name, cls) => { Processor = cls; },
    Math, Float32Array, Int16Array, ArrayBuffer,
  };
  vm.runInNewContext(fs.readFileSync(path.join(ASSETS, file), 'utf8'), scope, { filename: file });
  const node = new Processor({});
  return { node, posted, deliver: (m) => node.port.onmessage({ data: m }) };
}

/** Feeds `seconds` of a sine at `freq` (amplitude `amp`) through the capture worklet at `rate`. */
function capture(rate, freq, seconds, amp = 0.5) {
  const { node, posted } = loadWorklet('pcm-worklet.js', rate);
  const total = Math.round(rate * seconds);
  for (let off = 0; off < total; off += QUANTUM) {
    const block = new Float32Array(QUANTUM);
    for (let i = 0; i < QUANTUM; i++) block[i] = amp * Math.sin((2 * Math.PI * freq * (off + i)) / rate);
    node.process([[block]], [[new Float32Array(QUANTUM)]]);
  }
  return posted;
}

/** RMS (0..1) of the 16 kHz output after the filter has settled (first 100 ms skipped). */
function outputRms(frames) {
  const pcm = frames.flatMap((m) => Array.from(new Int16Array(m.pcm))).slice(1600);
  return Math.sqrt(pcm.reduce((a, v) => a + (v / 32768) ** 2, 0) / pcm.length);
}

for (const rate of [44100, 48000]) {
  test(`capture at ${rate} Hz: 20 ms PCM16 frames of 640 bytes, 50 per second`, () => {
    const frames = capture(rate, 1000, 2);
    assert.ok(frames.length >= 99 && frames.length <= 100, `frames: ${frames.length}`);
    for (const m of frames) {
      assert.ok(m.pcm instanceof ArrayBuffer);
      assert.equal(m.pcm.byteLength, 640);
      assert.ok(m.level >= 0 && m.level <= 1);
    }
  });

  test(`capture at ${rate} Hz: speech band passes, above 8 kHz is filtered out`, () => {
    const amp = 0.5;
    const sineRms = amp / Math.SQRT2;
    const pass = outputRms(capture(rate, 1000, 1, amp)) / sineRms;
    const edge = outputRms(capture(rate, 6000, 1, amp)) / sineRms;
    // 12 kHz and 15 kHz would fold to 4 kHz and 1 kHz: they must not come through.
    const alias12 = outputRms(capture(rate, 12000, 1, amp)) / sineRms;
    const alias15 = outputRms(capture(rate, 15000, 1, amp)) / sineRms;
    const db = (x) => 20 * Math.log10(x);
    assert.ok(Math.abs(db(pass)) < 0.5, `1 kHz gain ${db(pass).toFixed(2)} dB`);
    assert.ok(Math.abs(db(edge)) < 1, `6 kHz gain ${db(edge).toFixed(2)} dB`);
    assert.ok(db(alias12) < -50, `12 kHz leaks at ${db(alias12).toFixed(1)} dB`);
    assert.ok(db(alias15) < -50, `15 kHz leaks at ${db(alias15).toFixed(1)} dB`);
  });
}

test('capture at 8 kHz (a headset): upsampled by interpolation, still 50 frames per second', () => {
  const frames = capture(8000, 500, 1);
  assert.ok(frames.length >= 49 && frames.length <= 50, `frames: ${frames.length}`);
});

test('capture: silence has level 0, a loud tone a high level', () => {
  assert.equal(capture(48000, 1000, 0.2, 0).at(-1).level, 0);
  assert.ok(capture(48000, 1000, 0.2, 0.5).at(-1).level > 0.8);
});

/** Renders `quanta` render quanta of the playback worklet; returns the samples. */
function play(w, quanta) {
  const out = [];
  for (let q = 0; q < quanta; q++) {
    const ch = new Float32Array(QUANTUM);
    w.node.process([], [[ch]]);
    out.push(...ch);
  }
  return out;
}

function pcm16(n, value = 8000) {
  const a = new Int16Array(n);
  a.fill(value);
  return a.buffer;
}

test('playback: a 16 kHz utterance at 48 kHz lasts 3x as many samples, then `played` with its length', () => {
  const w = loadWorklet('playback-worklet.js', 48000);
  w.deliver({ type: 'rate', rate: 16000 });
  w.deliver({ type: 'pcm', id: 7, buf: pcm16(1600) }); // 100 ms
  w.deliver({ type: 'end', id: 7 });
  const out = play(w, Math.ceil(4800 / QUANTUM) + 2);
  const sounding = out.filter((v) => Math.abs(v - 8000 / 32768) < 1e-6).length;
  assert.ok(Math.abs(sounding - 4800) <= 3, `sounding samples: ${sounding}`);
  assert.deepEqual(w.posted, [{ type: 'played', id: 7, ms: 100, cut: false }]);
});

test('playback: not `played` while the utterance may still grow', () => {
  const w = loadWorklet('playback-worklet.js', 48000);
  w.deliver({ type: 'pcm', id: 1, buf: pcm16(160) });
  play(w, 20);
  assert.equal(w.posted.length, 0);
  w.deliver({ type: 'pcm', id: 2, buf: pcm16(160) }); // a new utterance closes the first
  play(w, 20);
  assert.deepEqual(w.posted, [{ type: 'played', id: 1, ms: 10, cut: false }]);
});

test('playback: `clear` silences at once and reports what was heard', () => {
  const w2 = loadWorklet('playback-worklet.js', 48000);
  w2.deliver({ type: 'rate', rate: 16000 });
  w2.deliver({ type: 'pcm', id: 3, buf: pcm16(16000) });
  play(w2, 94); // ~0.25 s
  w2.deliver({ type: 'clear' });
  assert.equal(w2.posted.length, 1);
  const [report] = w2.posted;
  assert.equal(report.id, 3);
  assert.equal(report.cut, true);
  assert.ok(report.ms >= 245 && report.ms <= 255, `heard ${report.ms} ms`);
  const after = play(w2, 4);
  assert.ok(after.every((v) => v === 0), 'silence after clear');
});
