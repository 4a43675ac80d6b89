'use strict';
// Small helpers shared by the candidate page's tests and its screenshot script.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const h = require('../lib');

/** Polls `fn` (sync or async) every 50 ms until it returns a truthy value, which it returns. */
async function waitFor(fn, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The transcript as the page shows it: `[{ role, text, streaming }]`. */
function transcript(page) {
  return page.$$eval('#transcript .entry', (els) =>
    els.map((e) => ({ role: e.dataset.role, text: e.querySelector('.text').textContent, streaming: e.classList.contains('streaming') })),
  );
}

/** Waits until the transcript holds exactly `expected` ([role, text] pairs), none streaming. */
async function waitForTranscript(page, expected, timeoutMs = 10_000) {
  let last = [];
  try {
    await waitFor(async () => {
      last = await transcript(page);
      return (
        last.length === expected.length &&
        last.every((e, i) => !e.streaming && e.role === expected[i][0] && e.text === expected[i][1])
      );
    }, timeoutMs, 'the transcript');
  } catch (err) {
    err.message += `\nshown: ${JSON.stringify(last)}\nexpected: ${JSON.stringify(expected)}`;
    throw err;
  }
}

/**
 * Problems seen by h.watchProblems, minus Chromium's own network log line for an HTTP error
 * status: a state page is *meant* to answer 404, 410 or 503, and the busy page's check gets a
 * 503 while the interviewers are busy. Script errors, CSP refusals and failed requests stay.
 */
function realProblems(problems) {
  // The state pages answer 404, 410 and 503 on purpose, and a form with errors answers 400.
  return problems.filter((p) => !/Failed to load resource: the server responded with a status of (400|404|410|503)/.test(p));
}

/** Whether the page scrolls sideways: `{ scrollWidth, clientWidth }` when it does, else null. */
function horizontalOverflow(page) {
  return page.evaluate(() => {
    const d = document.documentElement;
    return d.scrollWidth > d.clientWidth ? { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth } : null;
  });
}

const made = new Map(); // text -> WAV made by this process (removed when it exits)

/**
 * A spoken answer for the fake microphone: $INTERVIEWD_E2E_ANSWER_WAV, or `text` said by piper
 * (made once per process, in a temp dir removed at exit).
 */
function answerWav(text) {
  if (process.env.INTERVIEWD_E2E_ANSWER_WAV) return path.resolve(process.env.INTERVIEWD_E2E_ANSWER_WAV);
  if (!made.has(text)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interviewd-candidate-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    made.set(text, h.makeAnswerWav(text, path.join(dir, 'answer.wav')));
  }
  return made.get(text);
}

/** Ticks the consent box and presses a start button, by mouse (tests of the keyboard do it by keys). */
async function startByClick(page, mode) {
  await page.check('#consent');
  await page.click(mode === 'voice' ? '#start-voice' : '#start-text');
  await page.waitForSelector('#interview:not([hidden])');
}

module.exports = { waitFor, transcript, waitForTranscript, realProblems, horizontalOverflow, answerWav, startByClick };
