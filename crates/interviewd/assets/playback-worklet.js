'use strict';
// The agent's voice: an AudioWorklet that plays PCM16 mono chunks at the server's announced
// sample rate through the AudioContext (whatever its native rate), and can stop at once.
//
// Why a worklet and not one AudioBufferSource per sentence: barge-in. When the server says
// `clear` (the candidate started talking), every queued sample must go in the same render
// quantum, and the server must learn how much of each utterance was really heard (`played`).
// Here the samples sit in one ring buffer (Int16, 2^21 samples: 131 s at 16 kHz, 87 s at
// 24 kHz, 4 MiB), read at `rate / sampleRate` samples per output sample with linear
// interpolation (upsampling speech from 16/24 kHz to 44.1/48 kHz; the small images above the
// source's Nyquist frequency are inaudible at speech levels).
//
// Messages in:  {type:'rate', rate}                 the source sample rate (session.sampleRate)
//               {type:'pcm', id, buf: ArrayBuffer}  samples of utterance `id` (transferred)
//               {type:'end', id}                    no more samples for `id`
//               {type:'clear'}                      drop everything now
// Messages out: {type:'played', id, ms, cut}        utterance `id` finished (cut: false) or was
//                                                   cleared (cut: true) after `ms` ms were heard
//               {type:'overflow', dropped}          samples dropped: the buffer was full

const CAPACITY = 1 << 21;
const MASK = CAPACITY - 1;

class PcmPlayback extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ring = new Int16Array(CAPACITY);
    this.written = 0; // source samples ever written (absolute index of the next one)
    this.pos = 0; // read position in source samples (fractional, absolute)
    this.rate = 16000;
    this.utterances = []; // { id, start, end, closed }, oldest first
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  onMessage(m) {
    if (m.type === 'rate') this.rate = m.rate > 0 ? m.rate : 16000;
    else if (m.type === 'pcm') this.write(m.id, new Int16Array(m.buf));
    else if (m.type === 'end') this.close(m.id);
    else if (m.type === 'clear') this.clear();
  }

  /** The open utterance `id`, starting one (and closing the previous) when it is new. */
  open(id) {
    const last = this.utterances[this.utterances.length - 1];
    if (last && last.id === id && !last.closed) return last;
    if (last && !last.closed) this.close(last.id);
    const u = { id, start: this.written, end: this.written, closed: false };
    this.utterances.push(u);
    return u;
  }

  write(id, samples) {
    const u = this.open(id);
    const room = CAPACITY - (this.written - Math.floor(this.pos));
    const n = Math.min(samples.length, Math.max(0, room));
    for (let k = 0; k < n; k++) this.ring[(this.written + k) & MASK] = samples[k];
    this.written += n;
    u.end = this.written;
    if (n < samples.length) this.port.postMessage({ type: 'overflow', dropped: samples.length - n });
  }

  close(id) {
    for (const u of this.utterances) if (u.id === id) u.closed = true;
    this.report(false);
  }

  /** Reports and forgets the closed utterances the read position has gone past. */
  report(cut) {
    while (this.utterances.length > 0) {
      const u = this.utterances[0];
      if (!cut && !(u.closed && this.pos >= u.end)) return;
      const heard = Math.min(Math.max(this.pos - u.start, 0), u.end - u.start);
      this.port.postMessage({ type: 'played', id: u.id, ms: Math.round((heard / this.rate) * 1000), cut });
      this.utterances.shift();
    }
  }

  clear() {
    this.report(true);
    this.pos = this.written;
  }

  process(_inputs, outputs) {
    const out = outputs[0];
    if (!out || out.length === 0) return true;
    const ch = out[0];
    const step = this.rate / sampleRate;
    const ring = this.ring;
    for (let n = 0; n < ch.length; n++) {
      const i = Math.floor(this.pos);
      if (i >= this.written) {
        ch[n] = 0;
        continue;
      }
      const s0 = ring[i & MASK] / 32768;
      const s1 = i + 1 < this.written ? ring[(i + 1) & MASK] / 32768 : s0;
      ch[n] = s0 + (s1 - s0) * (this.pos - i);
      this.pos += step;
    }
    for (let c = 1; c < out.length; c++) out[c].set(ch);
    if (this.utterances.length > 0) this.report(false);
    return true;
  }
}

registerProcessor('pcm-playback', PcmPlayback);
