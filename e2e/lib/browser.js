'use strict';
// Launching Debian's Chromium for interviewd's browser tests.
//
// Why this file: every test must start the browser the same way on a closed network (no
// background connections, no component updates, no QUIC), as root (no sandbox), with a fresh
// profile, a fixed viewport (so screenshots are comparable and small) and, for the voice
// tests, a fake microphone that plays a WAV once (`%noloop`, so the answer ends and a
// voice-activity detector sees the end of the turn).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { chromium } = require('playwright-core');

/** Where Chromium is: $INTERVIEWD_CHROMIUM, else Debian's /usr/bin/chromium. */
function chromiumPath() {
  return process.env.INTERVIEWD_CHROMIUM || '/usr/bin/chromium';
}

/** The viewport every page gets unless a test asks otherwise. */
const DEFAULT_VIEWPORT = Object.freeze({ width: 1000, height: 700 });

/** Flags for a closed network and a root user (see .ci/setup/browser.sh and e2e/README.md). */
const BASE_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--autoplay-policy=no-user-gesture-required',
]);

/** The fake-media flags: auto-accepted permission prompt, fake devices, the WAV played once. */
function fakeMicArgs(wav) {
  const abs = path.resolve(wav);
  if (!fs.existsSync(abs)) throw new Error(`fake microphone WAV not found: ${abs}`);
  const head = fs.readFileSync(abs).subarray(0, 12).toString('latin1');
  if (!head.startsWith('RIFF') || head.slice(8) !== 'WAVE') {
    throw new Error(`fake microphone file is not a WAV: ${abs} (make one with tools/make-answer-wav.sh)`);
  }
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${abs}%noloop`,
  ];
}

/**
 * Starts headless Chromium with a fresh profile and returns
 * `{ context, page, userDataDir, close }`.
 *
 * Options: `fakeMicWav` (path to a 16 kHz mono PCM16 WAV for the fake microphone; grants the
 * microphone permission too), `viewport` (default 1000×700), `args` (extra flags), `headless`
 * (default true; `INTERVIEWD_E2E_HEADFUL=1` turns it off), `timeoutMs` (default action and
 * navigation timeout, 15 s), `contextOptions` (passed to Playwright as they are).
 * `close()` closes the browser and removes the profile.
 */
async function launch(opts = {}) {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: run .ci/setup/browser.sh or set INTERVIEWD_CHROMIUM`);
  }
  const args = [...BASE_ARGS, ...(opts.fakeMicWav ? fakeMicArgs(opts.fakeMicWav) : []), ...(opts.args || [])];
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'interviewd-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: opts.headless ?? process.env.INTERVIEWD_E2E_HEADFUL !== '1',
      args,
      viewport: opts.viewport || DEFAULT_VIEWPORT,
      deviceScaleFactor: 1,
      locale: 'en-US',
      timezoneId: 'UTC',
      reducedMotion: 'reduce',
      permissions: opts.fakeMicWav ? ['microphone'] : [],
      ...(opts.contextOptions || {}),
    });
  } catch (err) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  const timeout = opts.timeoutMs ?? 15_000;
  context.setDefaultTimeout(timeout);
  context.setDefaultNavigationTimeout(timeout);
  const page = context.pages()[0] || (await context.newPage());
  let closed = false;
  async function close() {
    if (closed) return;
    closed = true;
    try {
      await context.close();
    } finally {
      fs.rmSync(userDataDir, { recursive: true, force: true });
    }
  }
  return { context, page, userDataDir, close };
}

/**
 * Collects what a page reports as going wrong: console errors, uncaught exceptions and
 * failed requests. A test asserts `problems.length === 0` at its end.
 */
function watchProblems(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  return problems;
}

module.exports = { launch, chromiumPath, watchProblems, BASE_ARGS, DEFAULT_VIEWPORT };
