'use strict';
// The real engines a browser or phone test may need, started from Node: the speech server
// (tools/speech-server.py, OpenAI's audio API) and the LLM server (tools/llm-server.sh,
// OpenAI's chat API), plus spoken answers made with tools/make-answer-wav.sh.
//
// Why here: Node tests and Rust tests start the same scripts the same way (port 0, the port
// read from the first line on stdout), so what the README says for one holds for the other.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..');
const CACHE = process.env.INTERVIEWD_CACHE || path.join(os.homedir(), '.cache', 'interviewd');

/** The voice venv (INTERVIEWD_VOICE_VENV, default ~/.cache/interviewd/venv-voice). */
function voiceVenv() {
  return process.env.INTERVIEWD_VOICE_VENV || path.join(CACHE, 'venv-voice');
}

/** The LLM venv (INTERVIEWD_LLM_VENV, default ~/.cache/interviewd/venv-llm). */
function llmVenv() {
  return process.env.INTERVIEWD_LLM_VENV || path.join(CACHE, 'venv-llm');
}

/**
 * Spawns `cmd args`, waits (at most `timeoutMs`) for the first stdout line, which must be a
 * port, and returns `{ port, baseUrl, child, stop }`. stderr goes to `logFile` when given.
 */
function startPortPrinter(cmd, args, { timeoutMs = 60_000, logFile, env } = {}) {
  return new Promise((resolve, reject) => {
    const err = logFile ? fs.openSync(logFile, 'a') : 'ignore';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', err], env: { ...process.env, ...env } });
    let buf = '';
    let done = false;
    const finish = (e, v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e) {
        child.kill('SIGTERM');
        reject(e);
      } else resolve(v);
    };
    const timer = setTimeout(() => finish(new Error(`${cmd}: no port within ${timeoutMs} ms`)), timeoutMs);
    child.on('error', (e) => finish(e));
    child.on('exit', (code) => finish(new Error(`${cmd} exited (${code}) before printing its port`)));
    child.stdout.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const port = Number(buf.slice(0, nl).trim());
      if (!Number.isInteger(port) || port <= 0) return finish(new Error(`${cmd}: expected a port, got ${buf.slice(0, nl)}`));
      const stop = () =>
        new Promise((r) => {
          if (child.exitCode !== null || child.signalCode !== null) return r();
          child.once('exit', () => r());
          child.kill('SIGTERM');
        });
      finish(null, { port, baseUrl: `http://127.0.0.1:${port}`, child, stop });
    });
  });
}

/** Starts tools/speech-server.py on a free port; `baseUrl` + '/v1' is the OpenAI base URL. */
function startSpeechServer(opts = {}) {
  const python = path.join(voiceVenv(), 'bin', 'python');
  if (!fs.existsSync(python)) throw new Error(`${python} missing: run .ci/setup/voice.sh`);
  return startPortPrinter(python, [path.join(REPO, 'tools', 'speech-server.py'), '0'], opts);
}

/** Starts tools/llm-server.sh (SmolLM2, model id `smollm2`) on a free port. */
function startLlmServer(opts = {}) {
  return startPortPrinter('bash', [path.join(REPO, 'tools', 'llm-server.sh'), '0'], { timeoutMs: 120_000, ...opts });
}

/** Writes TEXT as a spoken 16 kHz mono PCM16 WAV (piper, joe voice) at `out`; returns `out`. */
function makeAnswerWav(text, out) {
  execFileSync(path.join(REPO, 'tools', 'make-answer-wav.sh'), [text, out], { stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

/** POSTs a WAV to `${baseUrl}/v1/audio/transcriptions`; returns the text. */
async function transcribe(baseUrl, wavBytes) {
  const form = new FormData();
  form.append('file', new Blob([wavBytes], { type: 'audio/wav' }), 'audio.wav');
  form.append('model', 'whisper-1');
  form.append('language', 'en');
  const res = await fetch(`${baseUrl}/v1/audio/transcriptions`, { method: 'POST', body: form });
  if (!res.ok) throw new Error(`transcription: HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()).text;
}

/** A 16 kHz mono PCM16 WAV around raw s16le samples. */
function wavFromPcm16(pcm, sampleRate = 16000) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + pcm.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}

module.exports = {
  REPO,
  voiceVenv,
  llmVenv,
  startPortPrinter,
  startSpeechServer,
  startLlmServer,
  makeAnswerWav,
  transcribe,
  wavFromPcm16,
};
