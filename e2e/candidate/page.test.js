'use strict';
// The candidate's page in headless Chromium against the mock server (mock-server.js): the
// pages come from the real templates, the scripts and styles are the real assets, and the
// server side of the WebSocket protocol is scripted. What a candidate does is done with the
// keyboard where the test is about the keyboard, and the mock's record of received frames is
// what the assertions read.
//
//   node --test e2e/candidate/            (this file and worklets.test.js)
//
// Environment: INTERVIEWD_E2E_ANSWER_WAV (a fake-microphone WAV instead of making one with
// piper), INTERVIEWD_E2E_TRANSCRIBE=0 (skip transcribing the received microphone audio).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const h = require('../lib');
const { startMockServer, SCRIPT, VOICE_ANSWER } = require('./mock-server');
const f = require('./fixtures');
const { waitFor, transcript, waitForTranscript, realProblems, horizontalOverflow, answerWav, startByClick } = require('./helpers');

const t = f.strings;
const SPOKEN = 'I have five years of experience with Rust and PostgreSQL. I led a team that built a payment service.';
const ANSWER_1 = 'I built a payment service in Rust, with a team of four.';
const ANSWER_2 = 'With contract tests against recorded responses, and one real end-to-end run.';

let mock;
test.before(async () => {
  mock = await startMockServer();
});
test.after(() => mock.close());

async function assertNoSeriousA11y(page, what) {
  const r = await h.axe(page);
  assert.equal(r.failing.length, 0, `axe on ${what}:\n${r.summary}`);
  return r;
}

test('text mode, keyboard only: consent, start by typing, two answers (Ctrl+Enter and Send), ended', async () => {
  const b = await h.launch();
  try {
    const { page } = b;
    const problems = h.watchProblems(page);
    await page.goto(mock.url('text-kb'));
    await assertNoSeriousA11y(page, 'the start page');
    const kb = h.keyboardOnly(page);
    assert.equal(await page.isDisabled('#start-text'), true, 'start is disabled before consent');

    await kb.tabTo('#consent');
    await kb.expectFocusVisible();
    await kb.space();
    assert.equal(await page.isChecked('#consent'), true);
    await kb.tabTo('#start-text');
    await kb.expectFocusVisible();
    await kb.enter();

    await page.waitForSelector('#interview:not([hidden])');
    assert.equal((await kb.focused()).id, 'answer', 'the answer box has the focus');
    await waitForTranscript(page, [['agent', SCRIPT[0]]]);
    await page.waitForSelector('#status[data-state="listening"]');
    assert.equal(await page.textContent('#status'), t.status_your_turn);
    await assertNoSeriousA11y(page, 'the text interview view');
    const before = await kb.shiftTab();
    assert.equal(before.id, 'transcript', 'the conversation can be reached and scrolled by keyboard');
    await kb.expectFocusVisible();
    await kb.tab();

    await kb.type(ANSWER_1);
    await page.keyboard.press('Control+Enter');
    await waitForTranscript(page, [['agent', SCRIPT[0]], ['participant', ANSWER_1], ['agent', SCRIPT[1]]]);
    await page.waitForSelector('#status[data-state="listening"]');
    assert.equal(await page.inputValue('#answer'), '', 'the box is emptied after sending');

    await kb.type(ANSWER_2);
    await kb.tabTo('#send');
    await kb.expectFocusVisible();
    await kb.enter();
    await page.waitForSelector('#ended:not([hidden])');
    assert.equal(await page.textContent('#ended-message'), t.ended_completed);
    assert.equal((await kb.focused()).id, 'ended-h', 'the ended message has the focus');
    await waitForTranscript(page, [
      ['agent', SCRIPT[0]], ['participant', ANSWER_1], ['agent', SCRIPT[1]], ['participant', ANSWER_2], ['agent', SCRIPT[2]],
    ]);
    assert.equal(await page.isHidden('#text-controls'), true);
    await assertNoSeriousA11y(page, 'the ended view');

    const sent = mock.session('text-kb').json.map((j) => j.msg);
    assert.deepEqual(sent, [
      { type: 'hello', mode: 'text', resume: false },
      { type: 'text', text: ANSWER_1 },
      { type: 'text', text: ANSWER_2 },
    ]);
    assert.equal(mock.session('text-kb').frames.length, 0, 'no audio in text mode');
    assert.deepEqual(realProblems(problems), []);
  } finally {
    await b.close();
  }
});

test('voice mode with a fake microphone: 20 ms frames at 50/s, agent audio played, clear cuts it, mute, end', async (tc) => {
  const transcribeToo = process.env.INTERVIEWD_E2E_TRANSCRIBE !== '0' && fs.existsSync(`${h.voiceVenv()}/bin/python`);
  const speech = transcribeToo ? h.startSpeechServer() : null; // loads while the browser works
  speech?.catch(() => {});
  const wav = answerWav(SPOKEN);
  const b = await h.launch({ fakeMicWav: wav });
  try {
    const { page } = b;
    const problems = h.watchProblems(page);
    const token = 'voice-1';
    const s = mock.session(token);
    // The player's worklet arrives 400 ms late: the session, the greeting and its audio are
    // all there before the page can play them, and must wait for it, not be lost.
    mock.opts.slowAssets = { 'playback-worklet.js': 400 };
    tc.after(() => { mock.opts.slowAssets = {}; });
    await page.goto(mock.url(token));
    await startByClick(page, 'voice');
    await page.waitForSelector('#voice-controls:not([hidden])');

    // The greeting's 600 ms of audio is played and reported.
    const played1 = await waitFor(() => s.json.find((j) => j.msg.type === 'played' && j.msg.id === 1), 8000, 'played 1');
    assert.ok(Math.abs(played1.msg.ms - 600) <= 30, `greeting heard for ${played1.msg.ms} ms`);
    await waitForTranscript(page, [['agent', SCRIPT[0]]]);
    await assertNoSeriousA11y(page, 'the voice interview view');
    const meterMax = await page.evaluate(() => new Promise((resolve) => {
      const meter = document.querySelector('#voice-controls [role="meter"]');
      let max = 0;
      const timer = setInterval(() => { max = Math.max(max, Number(meter.getAttribute('aria-valuenow'))); }, 50);
      setTimeout(() => { clearInterval(timer); resolve(max); }, 1000);
    }));
    assert.ok(meterMax > 20, `the level meter moved (max ${meterMax})`);

    // After 120 frames the mock captions the answer, speaks 3 s and sends `clear` 700 ms later.
    const played2 = await waitFor(() => s.json.find((j) => j.msg.type === 'played' && j.msg.id === 2), 10_000, 'played 2');
    assert.ok(played2.msg.ms > 300 && played2.msg.ms < 1500, `cut after ${played2.msg.ms} ms of 3000`);
    await waitForTranscript(page, [['agent', SCRIPT[0]], ['participant', VOICE_ANSWER], ['agent', SCRIPT[1]]]);

    const frames = s.frames;
    assert.ok(frames.length >= 100, `${frames.length} frames`);
    assert.deepEqual([...new Set(frames.map((x) => x.bytes))], [640], 'every frame is 640 bytes');
    const rate = (frames.length - 1) / ((frames.at(-1).at - frames[0].at) / 1000);
    assert.ok(rate > 45 && rate < 55, `${rate.toFixed(1)} frames/s`);

    // Mute: the page says so to the server and keeps sending 20 ms frames, now silent.
    await page.click('#mute');
    await waitFor(() => s.json.some((j) => j.msg.type === 'mute' && j.msg.muted === true), 2000, 'mute');
    assert.equal(await page.getAttribute('#mute', 'aria-pressed'), 'true');
    const from = s.frames.length + 10; // frames already on their way
    await waitFor(() => s.frames.length >= from + 15, 3000, 'frames while muted');
    const silent = s.pcm.slice(from, from + 15).every((buf) => buf.every((byte) => byte === 0));
    assert.ok(silent, 'muted frames are silence');

    // Switch to typing: the server is told, the microphone stops, the answer box has the focus.
    await page.click('#to-text');
    await waitFor(() => s.json.some((j) => j.msg.type === 'mode' && j.msg.mode === 'text'), 2000, 'mode text');
    await page.waitForSelector('#text-controls:not([hidden])');
    assert.equal(await page.isHidden('#voice-controls'), true);
    const kb = h.keyboardOnly(page);
    assert.equal((await kb.focused()).id, 'answer');
    const framesThen = s.frames.length;
    await page.waitForTimeout(300);
    assert.ok(s.frames.length - framesThen <= 2, 'no microphone frames in text mode');

    // End, by keyboard, through the confirmation dialog.
    await kb.tabTo('#end');
    await kb.enter();
    await page.waitForSelector('#end-dialog[open]');
    assert.equal((await kb.focused()).id, 'end-no', 'the safe choice has the focus');
    await kb.expectFocusVisible();
    await assertNoSeriousA11y(page, 'the end confirmation');
    await kb.tab();
    await kb.enter();
    await page.waitForSelector('#ended:not([hidden])');
    assert.equal(await page.textContent('#ended-message'), t.ended_by_candidate);
    assert.ok(s.json.some((j) => j.msg.type === 'end'));
    assert.deepEqual(s.hellos.map((x) => [x.mode, x.resume]), [['voice', false]]);
    assert.deepEqual(realProblems(problems), []);

    if (speech) {
      const sp = await speech;
      try {
        const text = await h.transcribe(sp.baseUrl, h.wavFromPcm16(Buffer.concat(s.pcm)));
        tc.diagnostic(`received microphone audio transcribed: ${text}`);
        for (const word of ['five years', 'experience', 'rust']) assert.ok(text.toLowerCase().includes(word), `"${word}" in "${text}"`);
      } finally {
        sp.stop();
      }
    }
  } finally {
    await b.close();
  }
});

test('microphone check: the level meter moves and says it hears the candidate', async () => {
  const b = await h.launch({ fakeMicWav: answerWav(SPOKEN) });
  try {
    const { page } = b;
    const problems = h.watchProblems(page);
    await page.goto(mock.url('mic-check'));
    await page.click('#mic-test');
    await page.waitForSelector('#mic-check-level:not([hidden])');
    await waitFor(async () => (await page.textContent('#mic-status')) === t.mic_heard, 8000, 'the "we can hear you" message');
    const now = Number(await page.getAttribute('#mic-check-level [role="meter"]', 'aria-valuenow'));
    assert.ok(now >= 0 && now <= 100);
    await assertNoSeriousA11y(page, 'the start page with the meter');
    assert.deepEqual(realProblems(problems), []);
  } finally {
    await b.close();
  }
});

test('reconnect: the socket drops mid-interview; "Reconnecting…", backoff, hello with resume, transcript rebuilt', async () => {
  const b = await h.launch();
  try {
    const { page } = b;
    const problems = h.watchProblems(page);
    const token = 'drop-1';
    const s = mock.session(token);
    await page.goto(mock.url(token));
    await startByClick(page, 'text');
    await waitForTranscript(page, [['agent', SCRIPT[0]]]);
    await page.waitForSelector('#status[data-state="listening"]');
    await page.fill('#answer', ANSWER_1);
    await page.click('#send');

    await page.waitForSelector('#status[data-state="reconnecting"]');
    assert.equal(await page.textContent('#status'), t.status_reconnecting);
    // The first retry is refused by the mock; the second (after 1 s, then 2 s) resumes.
    await waitFor(() => s.hellos.length === 2, 8000, 'the second hello');
    assert.deepEqual(s.hellos.map((x) => [x.mode, x.resume]), [['text', false], ['text', true]]);
    const [, refused, resumed] = s.upgrades;
    const dropAt = s.json.find((j) => j.msg.type === 'text').at;
    assert.equal(refused.refused, true);
    assert.ok(refused.at - dropAt >= 900 && refused.at - dropAt < 2500, `first retry after ${Math.round(refused.at - dropAt)} ms`);
    assert.ok(resumed.at - refused.at >= 1800 && resumed.at - refused.at < 3500, `second retry ${Math.round(resumed.at - refused.at)} ms later`);

    await waitForTranscript(page, [['agent', SCRIPT[0]], ['participant', ANSWER_1], ['agent', SCRIPT[1]]]);
    assert.equal(await page.textContent('#notice'), t.status_reconnected);
    await page.waitForSelector('#status[data-state="listening"]');
    await page.fill('#answer', ANSWER_2);
    await page.keyboard.press('Control+Enter'); // the focus is still in the box
    await page.waitForSelector('#ended:not([hidden])');
    assert.equal(await page.textContent('#ended-message'), t.ended_completed);
    // Chromium logs the refused upgrade that this test makes the mock answer with a 503.
    const refusedLog = /WebSocket connection to .* failed: .*Unexpected response code: 503/;
    assert.deepEqual(realProblems(problems).filter((p) => !refusedLog.test(p)), []);
  } finally {
    await b.close();
  }
});

test('every state page renders from the template with its status, without script errors, and without JavaScript', async () => {
  const withJs = await h.launch({ contextOptions: { timezoneId: 'Asia/Tokyo' } });
  const noJs = await h.launch({ contextOptions: { javaScriptEnabled: false } });
  try {
    for (const [kind, status] of Object.entries(f.STATE_KINDS)) {
      const { page } = withJs;
      const problems = h.watchProblems(page);
      const res = await page.goto(mock.url(`state-${kind}`));
      assert.equal(res.status(), status, kind);
      if (kind === 'busy') assert.equal(res.headers()['retry-after'], '5');
      assert.equal(await page.textContent('h1'), t[`state_${kind}_title`]);
      assert.equal(await page.title(), t[`state_${kind}_title`]);
      await assertNoSeriousA11y(page, `the ${kind} page`);
      assert.deepEqual(realProblems(problems), [], kind);
      page.removeAllListeners();

      const res2 = await noJs.page.goto(mock.url(`state-${kind}`));
      assert.equal(res2.status(), status);
      assert.equal(await noJs.page.textContent('h1'), t[`state_${kind}_title`]);
    }
    // The times are the candidate's own (Tokyo is UTC+9): 14:30Z is 11:30 PM there.
    await withJs.page.goto(mock.url('state-not_open'));
    const local = await withJs.page.textContent('time');
    assert.notEqual(local, f.OPENS_AT.utc);
    assert.match(local, /Monday, December 7, 2026.*11:30\sPM.*GMT\+9/);
    await noJs.page.goto(mock.url('state-not_open'));
    assert.equal(await noJs.page.textContent('time'), f.OPENS_AT.utc, 'without JavaScript the UTC text stays');
    await withJs.page.goto(mock.url('state-phone'));
    assert.match(await withJs.page.textContent('main'), /\+1 ••• ••• 0100/);
    // Without JavaScript the start page says what the interview needs.
    await noJs.page.goto(mock.url('nojs'));
    assert.equal(await noJs.page.isVisible('noscript .notice, .notice'), true);
    assert.match(await noJs.page.textContent('main'), /This interview needs JavaScript/);
  } finally {
    await withJs.close();
    await noJs.close();
  }
});

test('busy page: a countdown, then it retries by itself and shows the start page once a slot is free', async () => {
  const b = await h.launch();
  try {
    const { page } = b;
    const problems = h.watchProblems(page);
    const res = await page.goto(mock.url('busy-flip'));
    assert.equal(res.status(), 503);
    await page.waitForSelector('#busy-countdown:not([hidden])');
    assert.equal(await page.textContent('#busy-countdown'), 'Trying again in 1 s.');
    await page.waitForSelector('body[data-page="start"]', { timeout: 10_000 });
    assert.ok(mock.requests.get('busy-flip') >= 3);
    assert.deepEqual(realProblems(problems), []);
  } finally {
    await b.close();
  }
});

test('start page: voice unavailable disables "Start by voice" with the reason; dark scheme passes axe', async () => {
  const b = await h.launch({ contextOptions: { colorScheme: 'dark' } });
  try {
    const { page } = b;
    const problems = h.watchProblems(page);
    await page.goto(mock.url('novoice'));
    await page.check('#consent');
    assert.equal(await page.isDisabled('#start-voice'), true);
    assert.equal(await page.isEnabled('#start-text'), true);
    assert.equal(await page.getAttribute('#start-voice', 'aria-describedby'), 'voice-off');
    assert.equal(await page.textContent('#voice-off'), t.voice_unavailable);
    await assertNoSeriousA11y(page, 'the start page without voice, dark');
    await page.click('#start-text');
    await waitForTranscript(page, [['agent', SCRIPT[0]]]);
    assert.equal(await page.isHidden('#to-voice'), true, 'no switch to voice without voice');
    await assertNoSeriousA11y(page, 'the text interview, dark');
    assert.deepEqual(realProblems(problems), []);
  } finally {
    await b.close();
  }
});

test('320 px wide: no horizontal scroll on the start page, the interview view and every state page', async () => {
  const b = await h.launch({ viewport: { width: 320, height: 640 } });
  try {
    const { page } = b;
    const problems = h.watchProblems(page);
    const check = async (what) => {
      assert.equal(await horizontalOverflow(page), null, what);
      const png = await page.screenshot({ fullPage: true });
      assert.equal(png.readUInt32BE(16), 320, `${what}: screenshot width`);
      assert.ok(png.length > 2000, `${what}: screenshot has content`);
    };
    await page.goto(mock.url('narrow'));
    await check('start page');
    await startByClick(page, 'text');
    await waitForTranscript(page, [['agent', SCRIPT[0]]]);
    await check('interview view');
    for (const kind of Object.keys(f.STATE_KINDS)) {
      await page.goto(mock.url(`state-${kind}`));
      await check(`${kind} page`);
    }
    assert.deepEqual(realProblems(problems), []);
  } finally {
    await b.close();
  }
});

test('the start page follows the contract order and labels every control', async () => {
  const b = await h.launch();
  try {
    const { page } = b;
    await page.goto(mock.url('order'));
    const headings = await page.$$eval('#start h1, #start h2', (els) => els.map((e) => e.textContent));
    assert.deepEqual(headings, [
      'Your interview with Acme Robotics & Co', t.start_what_heading, t.start_disclosure_heading, t.start_mic_heading, t.start_mode_heading,
    ]);
    const text = await page.textContent('#start');
    for (const s of ['Senior Rust Engineer', 'English', 'About 20 minutes', 'about 5 questions', t.start_disclosure_ai, 'talent@acme.example']) {
      assert.ok(text.includes(s), s);
    }
    const unlabelled = await page.$$eval('button, input, textarea, [role="meter"]', (els) =>
      els.filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.textContent.trim())).map((e) => e.outerHTML));
    assert.deepEqual(unlabelled, []);
    assert.equal(await transcript(page).then((x) => x.length), 0);
  } finally {
    await b.close();
  }
});
