'use strict';
// The microphone's AudioWorklet: from the AudioContext's native rate (44.1 or 48 kHz, never
// forced: Firefox refuses a fixed rate on a microphone source) to 16 kHz mono PCM16, posted as
// 20 ms frames (320 samples, 640 bytes) in transferable ArrayBuffers, with the frame's level.
//
// Downsampling, as chosen: a low-pass FIR first, then linear interpolation at the output
// instants. The FIR is a Blackman-windowed sinc, 95 taps, cut-off 7.2 kHz (unity gain at DC):
// at 48 kHz its transition band is about 5.5 x 48000 / 95 = 2.8 kHz wide, so what lies above
// ~8.6 kHz (it would fold back below 8 kHz at the 16 kHz output) meets the window's ~74 dB
// stop band, while speech up to 6 kHz passes. Measured (worklets.test.js checks it): 0 dB at
// 1 kHz, -0.5 dB at 6 kHz, -4 dB at 7 kHz; at 8 kHz -45 dB (44.1 kHz input) or -26 dB (48 kHz);
// below -63 dB from 8.5 kHz; tones at 12 or 15 kHz (which would fold to 4 and 1 kHz) vanish
// under PCM16's noise floor.
// The filter is evaluated only where an output sample needs it: two tap sets per output sample,
// one when the ratio is an integer (48 kHz -> 16 kHz), about 3 M multiply-adds per second.
// Linear interpolation between two filtered samples is then accurate, because the filtered
// signal is oversampled 2.75-3x. At or below 16 kHz (some headsets run at 8 kHz) there is
// nothing to filter: linear interpolation only.
//
// Messages posted: `{ pcm: ArrayBuffer (640 bytes), level: 0..1 }` every 20 ms of audio.
// `level` is the frame's RMS on a -60..0 dBFS scale, for the level meter.

const TARGET_RATE = 16000;
const FRAME_SAMPLES = 320;
const TAPS = 95;
const CUTOFF_HZ = 7200;
const HISTORY = 256; // power of two > TAPS

/** Blackman-windowed sinc low-pass, normalised to unity gain at DC. */
function lowPass(rate, cutoff, taps) {
  const h = new Float32Array(taps);
  const mid = (taps - 1) / 2;
  const fc = cutoff / rate;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (taps - 1));
    h[i] = sinc * w;
    sum += h[i];
  }
  for (let i = 0; i < taps; i++) h[i] /= sum;
  return h;
}

class PcmCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / TARGET_RATE; // input samples per output sample
    this.taps = this.step > 1 ? lowPass(sampleRate, CUTOFF_HZ, TAPS) : Float32Array.of(1);
    this.history = new Float32Array(HISTORY);
    this.received = 0; // input samples seen
    this.produced = 0; // output samples made
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
    this.energy = 0;
  }

  /** The filtered signal at input index `i` (causal FIR over the history). */
  filtered(i) {
    const h = this.taps;
    const hist = this.history;
    let acc = 0;
    for (let k = 0; k < h.length; k++) acc += h[k] * hist[(i - k) & (HISTORY - 1)];
    return acc;
  }

  push(v) {
    const s = v > 1 ? 1 : v < -1 ? -1 : v;
    this.energy += s * s;
    this.frame[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
    if (this.filled < FRAME_SAMPLES) return;
    const rms = Math.sqrt(this.energy / FRAME_SAMPLES);
    const db = rms > 0 ? 20 * Math.log10(rms) : -100;
    const level = Math.min(1, Math.max(0, (db + 60) / 60));
    const pcm = this.frame.buffer;
    this.port.postMessage({ pcm, level }, [pcm]);
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
    this.energy = 0;
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let n = 0; n < input.length; n++) {
      this.history[this.received & (HISTORY - 1)] = input[n];
      this.received++;
      // Output sample j sits at input position j·step; it needs indices floor(pos) and +1.
      for (;;) {
        const pos = this.produced * this.step;
        const i = Math.floor(pos);
        if (i + 1 > this.received - 1) break;
        const frac = pos - i;
        const a = this.filtered(i);
        this.push(frac < 1e-9 ? a : a + (this.filtered(i + 1) - a) * frac);
        this.produced++;
      }
    }
    return true;
  }
}

registerProcessor('pcm-capture', PcmCapture);
