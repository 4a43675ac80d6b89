'use strict';
// Helpers of the recruiter console's browser tests and its screenshot script: the
// environment, keyboard-only form filling, the accessibility and layout checks, and taking
// an interview as the candidate.

const assert = require('node:assert/strict');
const h = require('../lib');

/** A required environment variable. */
function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run this through the Rust test console_browser)`);
  return v;
}

/** Polls `fn` every 100 ms until it returns a truthy value, which it returns. */
async function waitFor(fn, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Axe on the page: no serious or critical violation. */
async function accessible(page, what) {
  const r = await h.axe(page);
  assert.equal(r.failing.length, 0, `axe on ${what} (${page.url()}):\n${r.summary}`);
  return r;
}

/** Whether the page scrolls sideways: `{ scrollWidth, clientWidth }` when it does, else null. */
function horizontalOverflow(page) {
  return page.evaluate(() => {
    const d = document.documentElement;
    return d.scrollWidth > d.clientWidth ? { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth } : null;
  });
}

/**
 * Fills a form with the keyboard only: for each `[selector, value]`, Tab to the field and
 * type (a <select> is chosen by typing the start of an option's label; a checkbox given
 * `true` is ticked with Space; a radio given `true` is chosen with Space).
 */
async function fillByKeyboard(page, fields) {
  const kb = h.keyboardOnly(page);
  for (const [selector, value] of fields) {
    const radioGroup = await page.$eval(selector, (el) => (el.type === 'radio' ? el.name : null));
    if (radioGroup) {
      // Tab reaches a radio group once (its checked radio); the arrow keys choose within it.
      await kb.tabTo(`input[type=radio][name="${radioGroup}"]`, 80);
      for (let i = 0; i < 10 && !(await page.isChecked(selector)); i++) await page.keyboard.press('ArrowDown');
      assert.ok(await page.isChecked(selector), `${selector} chosen with the arrow keys`);
      continue;
    }
    await kb.tabTo(selector, 80);
    const kind = await page.evaluate(() => {
      const el = document.activeElement;
      return el.tagName === 'SELECT' ? 'select' : (el.getAttribute('type') || el.tagName.toLowerCase());
    });
    if (kind === 'checkbox') {
      if (value && !(await page.isChecked(selector))) await kb.space();
    } else if (kind === 'select') {
      await page.keyboard.type(value);
    } else {
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await kb.type(value);
    }
  }
  return kb;
}

/** Tabs to `selector` and presses Enter, waiting for the navigation it starts. */
async function pressByKeyboard(page, selector) {
  const kb = h.keyboardOnly(page);
  await kb.tabTo(selector, 80);
  await kb.expectFocusVisible();
  const [response] = await Promise.all([page.waitForNavigation(), kb.enter()]);
  return response;
}

/** Answers an online interview through the JSON protocol of `/i/{token}`. */
async function interviewByProtocol(inviteUrl, answers) {
  const post = async (path, body) => {
    const res = await fetch(`${inviteUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body || {}),
    });
    const json = await res.json();
    assert.ok(res.ok, `POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  let step = await post('/start');
  const asked = [step.question];
  for (let i = 0; step.status !== 'FINISHED'; i++) {
    step = await post('/answer', { answer: answers[i % answers.length], questionIndex: step.questionIndex });
    if (step.question) asked.push(step.question);
  }
  return asked;
}

/**
 * Answers an online interview in the candidate's page (a second browser), typing each answer
 * when it is the candidate's turn, until the page says the interview ended.
 */
async function interviewByPage(inviteUrl, answers) {
  const b = await h.launch();
  try {
    const { page } = b;
    await page.goto(inviteUrl);
    await page.check('#consent');
    await page.click('#start-text');
    for (let i = 0; ; i++) {
      const state = await waitFor(
        () => page.evaluate(() => {
          if (!document.querySelector('#ended')?.hidden) return 'ended';
          return document.querySelector('#status')?.dataset.state === 'listening' ? 'listening' : null;
        }),
        30_000,
        'the candidate page to listen or end',
      );
      if (state === 'ended') return;
      await page.fill('#answer', answers[i % answers.length]);
      await page.keyboard.press('Control+Enter');
      await page.waitForFunction(() => document.querySelector('#answer').value === '');
    }
  } finally {
    await b.close();
  }
}

/**
 * Takes an online interview as the candidate: through the candidate's page when the server
 * serves one at the link (a GET asking for HTML gets HTML), otherwise through the JSON
 * protocol the page speaks. Returns which way it went.
 */
async function takeInterview(inviteUrl, answers) {
  const probe = await fetch(inviteUrl, { headers: { accept: 'text/html' } });
  const html = (probe.headers.get('content-type') || '').startsWith('text/html');
  if (html) {
    await interviewByPage(inviteUrl, answers);
    return 'page';
  }
  await interviewByProtocol(inviteUrl, answers);
  return 'protocol';
}

/** Waits until the interview page shows `status`, reloading it every second. */
async function waitForStatus(page, status, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const shown = await page.$eval('#live .badge', (el) => el.className).catch(() => '');
    if (shown.includes(`status-${status}`)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for status ${status} (shown: ${shown})`);
    await page.waitForTimeout(1000);
    await page.reload();
  }
}

module.exports = {
  env,
  waitFor,
  accessible,
  horizontalOverflow,
  fillByKeyboard,
  pressByKeyboard,
  takeInterview,
  waitForStatus,
};
