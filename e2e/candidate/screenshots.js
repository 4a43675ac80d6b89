'use strict';
// Regenerates the candidate page's screenshots in docs/screenshots/candidate/ from the REAL
// server: it runs the Rust browser tests `candidate_browser` (crates/interviewd/tests/api/),
// which start interviewd, prepare every state of an invite link (a Xobin revoke, an expired
// invite, a full company, a failing database, …) and drive Chromium through
// e2e/candidate/real-*.test.js; with INTERVIEWD_E2E_SCREENSHOTS set those scripts photograph
// each page. The speech server (tools/speech-server.py) is started for the voice interview
// unless INTERVIEWD_TEST_STT_URL / INTERVIEWD_TEST_TTS_URL name one. Each PNG is requantised
// with pngquant and must stay under 60 KB.
//
//   node e2e/candidate/screenshots.js [out-dir]
//
// Environment: CARGO (default `cargo`).

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const h = require('../lib');

const ROOT = path.join(__dirname, '..', '..');
const OUT = path.resolve(process.argv[2] || path.join(ROOT, 'docs', 'screenshots', 'candidate'));

/** The pictures the real-server tests take (see real-*.test.js). */
const EXPECTED = [
  'start', 'start-320px', 'interview-text', 'interview-voice',
  'state-not_open', 'state-revoked', 'state-expired', 'state-not_found', 'state-finished',
  'state-phone', 'state-busy', 'state-unavailable',
];

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  let speech = null;
  const env = { ...process.env, INTERVIEWD_E2E_SCREENSHOTS: OUT };
  if (!env.INTERVIEWD_TEST_STT_URL || !env.INTERVIEWD_TEST_TTS_URL) {
    speech = await h.startSpeechServer();
    env.INTERVIEWD_TEST_STT_URL = `${speech.baseUrl}/v1`;
    env.INTERVIEWD_TEST_TTS_URL = `${speech.baseUrl}/v1`;
  }
  const started = Date.now();
  let result;
  try {
    for (const name of EXPECTED) fs.rmSync(path.join(OUT, `${name}.png`), { force: true });
    result = spawnSync(
      process.env.CARGO || 'cargo',
      ['test', '-p', 'interviewd', '--test', 'api', 'candidate_browser', '--', '--nocapture', '--test-threads=1'],
      { cwd: ROOT, env: { ...env, INTERVIEWD_REAL_PARTS: '1' }, stdio: 'inherit' },
    );
  } finally {
    if (speech) await speech.stop();
  }
  if (result.status !== 0) throw new Error(`cargo test failed (${result.status ?? result.signal})`);
  const missing = EXPECTED.filter((name) => !fs.existsSync(path.join(OUT, `${name}.png`)));
  if (missing.length) throw new Error(`not taken: ${missing.join(', ')}`);
  for (const name of EXPECTED) {
    const bytes = fs.statSync(path.join(OUT, `${name}.png`)).size;
    console.log(`${path.relative(process.cwd(), path.join(OUT, `${name}.png`))}  ${(bytes / 1024).toFixed(1)} KB`);
  }
  console.log(`${EXPECTED.length} screenshots in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
