'use strict';
// Regenerates the candidate page's screenshots in docs/screenshots/candidate/ from the real
// templates and assets (served by mock-server.js): the start page, the interview by text and
// by voice, the start page at 320 px, and every state page. Each PNG is requantised with
// pngquant and must stay under 60 KB.
//
//   node e2e/candidate/screenshots.js [out-dir]

const fs = require('node:fs');
const path = require('node:path');

const h = require('../lib');
const { startMockServer, SCRIPT } = require('./mock-server');
const f = require('./fixtures');
const { waitFor, waitForTranscript, answerWav, startByClick } = require('./helpers');

const OUT = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'docs', 'screenshots', 'candidate'));
const MAX_BYTES = 60 * 1024;
const DESKTOP = { width: 760, height: 560 };

async function shoot(page, name, opts = {}) {
  const r = await h.screenshot(page, path.join(OUT, `${name}.png`), { maxBytes: MAX_BYTES, strict: true, ...opts });
  console.log(`${path.relative(process.cwd(), r.file)}  ${(r.bytes / 1024).toFixed(1)} KB`);
}

async function startAndStates(mock) {
  const b = await h.launch({ viewport: DESKTOP });
  try {
    const { page } = b;
    await page.goto(mock.url('shot-start'));
    await page.check('#consent');
    await shoot(page, 'start', { fullPage: true });
    for (const kind of Object.keys(f.STATE_KINDS)) {
      await page.goto(mock.url(`state-${kind}`));
      if (kind === 'busy') await page.waitForSelector('#busy-countdown:not([hidden])');
      await shoot(page, `state-${kind}`, { fullPage: true });
    }
    await page.goto(mock.url('shot-text'));
    await startByClick(page, 'text');
    await waitForTranscript(page, [['agent', SCRIPT[0]]]);
    await page.fill('#answer', 'I built a payment service in Rust, with a team of four.');
    await page.keyboard.press('Control+Enter');
    await waitForTranscript(page, [['agent', SCRIPT[0]], ['participant', 'I built a payment service in Rust, with a team of four.'], ['agent', SCRIPT[1]]]);
    await page.waitForSelector('#status[data-state="listening"]');
    await page.fill('#answer', 'With contract tests against recorded');
    await shoot(page, 'interview-text', { fullPage: true });
  } finally {
    await b.close();
  }
}

async function narrow(mock) {
  const b = await h.launch({ viewport: { width: 320, height: 640 } });
  try {
    await b.page.goto(mock.url('shot-narrow'));
    await shoot(b.page, 'start-320px');
  } finally {
    await b.close();
  }
}

async function voice(mock) {
  const b = await h.launch({ viewport: DESKTOP, fakeMicWav: answerWav('I have five years of experience with Rust and PostgreSQL.') });
  try {
    const { page } = b;
    const s = mock.session('shot-voice');
    await page.goto(mock.url('shot-voice'));
    await startByClick(page, 'voice');
    await waitFor(() => s.json.some((j) => j.msg.type === 'played' && j.msg.id === 1), 8000, 'the greeting played');
    await waitForTranscript(page, [['agent', SCRIPT[0]]]);
    await page.waitForTimeout(300); // the level meter shows the candidate speaking
    await shoot(page, 'interview-voice', { fullPage: true });
  } finally {
    await b.close();
  }
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const mock = await startMockServer({ voiceFramesBeforeAnswer: 1e9 });
  try {
    await startAndStates(mock);
    await narrow(mock);
    await voice(mock);
  } finally {
    await mock.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
