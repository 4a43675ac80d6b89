'use strict';
// Idling at a real invite link: a typed session with one answer, then the server's clock
// moves past the idle timeout. The page must say the interview was paused (not that it is
// complete), offer "Continue the interview", and that link must take the interview up where
// it stood (issue 14: "idling pauses rather than failing the interview for good"). The Rust
// test `candidate_browser::an_idle_session_pauses_and_continues_in_a_real_browser` passes the
// link, the interview's id, the API key and a control URL that moves the clock.

const test = require('node:test');
const assert = require('node:assert/strict');

const h = require('../lib');
const f = require('./fixtures');
const { needsServer, assertAccessible, settledTranscript, api } = require('./real-helpers');

const t = f.strings;
const skip = needsServer('INTERVIEWD_E2E_INVITE_URL', 'INTERVIEWD_E2E_INTERVIEW_ID', 'INTERVIEWD_E2E_API_KEY', 'INTERVIEWD_E2E_CONTROL_URL');

test('idle: the session pauses; "Continue the interview" takes it up where it stood', { skip }, async () => {
  const b = await h.launch({ viewport: { width: 760, height: 560 } });
  try {
    const { page } = b;
    const url = process.env.INTERVIEWD_E2E_INVITE_URL;
    const id = process.env.INTERVIEWD_E2E_INTERVIEW_ID;
    await page.goto(url);
    await page.check('#consent');
    await page.click('#start-text');
    await settledTranscript(page, 1);
    await page.waitForSelector('#status[data-state="listening"]');
    await page.fill('#answer', 'I write unit tests.');
    await page.keyboard.press('Control+Enter');
    const before = await settledTranscript(page, 3);
    await page.waitForSelector('#status[data-state="listening"]');

    const moved = await fetch(`${process.env.INTERVIEWD_E2E_CONTROL_URL}/clock/3600`, { method: 'POST' });
    assert.equal(moved.status, 204);
    await page.waitForSelector('#ended:not([hidden])', { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 1000)); // a round of the server's reaper
    const after = await api('GET', `/v1/interviews/${id}`);
    const said = await page.textContent('#ended-message');
    console.log(`idle: the page says "${said}"; the interview is ${after.json.status} (${after.json.callAttempts.map((a) => `${a.status} ${a.reasonCode}`).join(', ')})`);
    assert.equal(said, t.ended_idle);
    assert.equal(await page.isVisible('#ended-continue a'), true);
    await assertAccessible(page, 'the ended view after idling');

    await Promise.all([page.waitForNavigation(), page.click('#ended-continue a')]);
    assert.equal(await page.getAttribute('body', 'data-page'), 'start', `continue shows ${await page.getAttribute('body', 'data-kind')}`);
    await page.check('#consent');
    await page.click('#start-text');
    assert.deepEqual(await settledTranscript(page, 3), before);
  } finally {
    await b.close();
  }
});
