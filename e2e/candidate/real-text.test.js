'use strict';
// A typed interview at a real invite link, by keyboard alone: the start page, consent, "Start
// by typing", two answers (Ctrl+Enter, then Tab to Send and Enter), the closing and the ended
// message; then the same link shows the finished page. The Rust test
// `candidate_browser::a_typed_interview_by_keyboard_alone_in_a_real_browser` starts the server,
// passes the link in INTERVIEWD_E2E_INVITE_URL, and checks the stored transcript, the analysis
// and the webhook afterwards.

const test = require('node:test');
const assert = require('node:assert/strict');

const h = require('../lib');
const f = require('./fixtures');
const { realProblems } = require('./helpers');
const { needsServer, recordSocket, shoot, assertAccessible, settledTranscript } = require('./real-helpers');

const t = f.strings;
const URL = process.env.INTERVIEWD_E2E_INVITE_URL;
const ANSWER_1 = 'I write unit tests next to the code and run cargo test in CI.';
const ANSWER_2 = 'An index is a B-tree over SQL columns; it speeds up lookups.';

test('a typed interview, keyboard only, against the real server', { skip: needsServer('INTERVIEWD_E2E_INVITE_URL') }, async () => {
  const b = await h.launch({ viewport: { width: 760, height: 560 } });
  try {
    const { page } = b;
    const problems = h.watchProblems(page);
    const socket = recordSocket(page);
    const res = await page.goto(URL);
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /^text\/html/);
    assert.equal(await page.getAttribute('body', 'data-page'), 'start');
    assert.equal(await page.textContent('#start h1'), 'Your interview with Acme Robotics');
    assert.match(await page.textContent('#start'), /Engineer/);
    assert.match(await page.textContent('#start'), /about 2 questions/);
    await assertAccessible(page, 'the start page');

    const kb = h.keyboardOnly(page);
    await kb.tabTo('#consent');
    await kb.expectFocusVisible();
    await kb.space();
    await kb.tabTo('#start-text');
    await kb.expectFocusVisible();
    await kb.enter();
    await page.waitForSelector('#interview:not([hidden])');
    assert.equal((await kb.focused()).id, 'answer', 'the answer box has the focus');

    const opening = await settledTranscript(page, 1);
    assert.equal(opening[0].role, 'agent');
    assert.match(opening[0].text, /^Hello Uma, .*How do you test Rust code\?$/);
    await page.waitForSelector('#status[data-state="listening"]');
    assert.equal(await page.textContent('#status'), t.status_your_turn);
    await assertAccessible(page, 'the interview view');

    await kb.type(ANSWER_1);
    await page.keyboard.press('Control+Enter');
    const second = await settledTranscript(page, 3);
    assert.deepEqual(second.slice(1).map((e) => [e.role, e.text]), [['participant', ANSWER_1], ['agent', 'Tell me about SQL indexes.']]);
    await page.waitForSelector('#status[data-state="listening"]');
    assert.equal(await page.inputValue('#answer'), '');

    await kb.type(ANSWER_2);
    await shoot(page, 'interview-text');
    await kb.tabTo('#send');
    await kb.expectFocusVisible();
    await kb.enter();
    await page.waitForSelector('#ended:not([hidden])', { timeout: 20_000 });
    assert.equal(await page.textContent('#ended-message'), t.ended_completed);
    assert.equal((await kb.focused()).id, 'ended-h', 'the ended message has the focus');
    const all = await settledTranscript(page, 5);
    assert.deepEqual(all.slice(3, 4).map((e) => [e.role, e.text]), [['participant', ANSWER_2]]);
    assert.match(all[4].text, /^Thank you, that was the last question/);
    await assertAccessible(page, 'the ended view');

    // What went over the socket: the page's three messages and the server's protocol.
    assert.deepEqual(socket.sent, [
      { type: 'hello', mode: 'text', resume: false },
      { type: 'text', text: ANSWER_1 },
      { type: 'text', text: ANSWER_2 },
    ]);
    assert.deepEqual(socket.binarySent, [], 'no audio in text mode');
    assert.deepEqual(socket.binaryReceived, [], 'no agent audio in text mode');
    const session = socket.received.find((m) => m.type === 'session');
    assert.equal(session.voice, false, 'no speech engines configured');
    assert.equal(session.questionCount, 2);
    assert.deepEqual(socket.received.at(-1), { type: 'ended', reason: 'completed', message: 'The interview is complete.' });
    assert.ok(socket.received.some((m) => m.type === 'agent' && m.delta), 'agent text streamed in pieces');

    // The same link, now: the finished page.
    const again = await page.goto(URL);
    assert.equal(again.status(), 200);
    assert.equal(await page.getAttribute('body', 'data-kind'), 'finished');
    assert.equal(await page.textContent('h1'), t.state_finished_title);
    assert.deepEqual(realProblems(problems), []);
  } finally {
    await b.close();
  }
});
