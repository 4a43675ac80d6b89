'use strict';
// Every page an invite link can show, from the real server: the start page (also at 320 px),
// a job opening's public link (apply, then the interview), not open yet, revoked (after a Xobin revoke: a 410 page, JSON only for JSON clients),
// expired, unknown and deleted (404), finished, phone, busy (503 + Retry-After, then it
// retries by itself and shows the start page once the slot is free), unavailable (the
// database failing; "Try again" works once it is back); a revoke while the start page is open
// and a delete during a live session. axe on every page. The Rust test
// `candidate_browser::every_state_page_and_a_revoke_or_delete_while_open_in_a_real_browser`
// prepares each case and passes them in INTERVIEWD_E2E_CASES (JSON), with the API key and a
// control URL for breaking the database.

const test = require('node:test');
const assert = require('node:assert/strict');

const h = require('../lib');
const f = require('./fixtures');
const { waitFor, realProblems, horizontalOverflow } = require('./helpers');
const { needsServer, shoot, assertAccessible, settledTranscript, api } = require('./real-helpers');

const t = f.strings;
const skip = needsServer('INTERVIEWD_E2E_CASES', 'INTERVIEWD_E2E_BASE_URL', 'INTERVIEWD_E2E_API_KEY', 'INTERVIEWD_E2E_CONTROL_URL');
const cases = skip ? {} : JSON.parse(process.env.INTERVIEWD_E2E_CASES);

let b;
let problems;
test.before(async () => {
  if (skip) return;
  b = await h.launch({ viewport: { width: 760, height: 560 } });
  problems = h.watchProblems(b.page);
});
test.after(async () => {
  if (b) await b.close();
});

/** Opens `url` as a browser does; checks the state page of `kind` with `status`. */
async function statePage(url, kind, status) {
  const { page } = b;
  const res = await page.goto(url);
  assert.equal(res.status(), status, `${kind}: status`);
  assert.match(res.headers()['content-type'], /^text\/html/, `${kind}: a page, not JSON`);
  assert.equal(await page.getAttribute('body', 'data-page'), 'state');
  assert.equal(await page.getAttribute('body', 'data-kind'), kind);
  assert.equal(await page.textContent('h1'), t[`state_${kind}_title`]);
  assert.equal(await page.title(), t[`state_${kind}_title`]);
  await assertAccessible(page, `the ${kind} page`);
  // The company's contact, on every page but the one that must not say whose link it was.
  const contact = await page.$$eval('.contact a', (els) => els.map((e) => e.getAttribute('href')));
  assert.deepEqual(contact, ['not_found', 'busy', 'unavailable'].includes(kind) ? [] : ['mailto:talent@acme.example'], `${kind}: contact`);
  return res;
}

test('the start page, and at 320 px', { skip }, async () => {
  const { page } = b;
  const res = await page.goto(cases.start);
  assert.equal(res.status(), 200);
  assert.equal(await page.getAttribute('body', 'data-page'), 'start');
  assert.equal(await page.textContent('#start h1'), 'Your interview with Acme Robotics');
  assert.equal(await page.isDisabled('#start-voice'), true, 'no speech engines: no voice');
  assert.equal(await page.textContent('#voice-off'), t.voice_unavailable);
  assert.match(await page.textContent('#start'), /Contact Acme Robotics: talent@acme\.example/);
  await assertAccessible(page, 'the start page');
  await page.check('#consent');
  assert.equal(await page.isEnabled('#start-text'), true);
  await shoot(page, 'start');
  await page.setViewportSize({ width: 320, height: 640 });
  try {
    assert.equal(await horizontalOverflow(page), null, 'no horizontal scroll at 320 px');
    await shoot(page, 'start-320px', { fullPage: false });
  } finally {
    await page.setViewportSize({ width: 760, height: 560 });
  }
});

test('a job opening\'s public link: apply by keyboard, an error keeps the values, then the interview', { skip }, async () => {
  const { page } = b;
  const res = await page.goto(cases.opening);
  assert.equal(res.status(), 200);
  assert.equal(await page.getAttribute('body', 'data-page'), 'opening');
  assert.match(await page.textContent('h1'), /Cashier - NYC at Acme Robotics/);
  await assertAccessible(page, 'the opening page');
  await shoot(page, 'opening');

  const kb = h.keyboardOnly(page);
  await kb.tabTo('#first_name');
  await kb.expectFocusVisible();
  await kb.type('Ana');
  await kb.tabTo('#email');
  await kb.type('not an address');
  await kb.tabTo('form.apply button[type=submit]');
  await Promise.all([page.waitForNavigation(), kb.enter()]);
  assert.equal(await page.inputValue('#first_name'), 'Ana', 'the values are kept');
  assert.match(await page.textContent('[role=alert]'), /email/);
  await assertAccessible(page, 'the opening page with an error');

  await page.fill('#email', 'ana.opening@example.com');
  await kb.tabTo('form.apply button[type=submit]');
  await Promise.all([page.waitForNavigation(), kb.enter()]);
  assert.equal(await page.getAttribute('body', 'data-page'), 'start', 'on to the interview');
  assert.match(new URL(page.url()).pathname, /^\/i\//);
});

test('not open yet: the opening time, in the candidate\'s time zone', { skip }, async () => {
  await statePage(cases.not_open.url, 'not_open', 200);
  assert.equal(await b.page.getAttribute('time', 'datetime'), cases.not_open.iso);
  // The script replaced the server's UTC text with the browser's own format (UTC here).
  assert.match(await b.page.textContent('time'), /^\w+day, \w+ \d+, \d{4} at 2:30\sPM UTC$/);
  await shoot(b.page, 'state-not_open');
});

test('revoked through Xobin: a 410 page for a browser, JSON for a JSON client', { skip }, async () => {
  await statePage(cases.revoked, 'revoked', 410);
  await shoot(b.page, 'state-revoked');
  const res = await fetch(cases.revoked, { headers: { Accept: 'application/json' } });
  assert.equal(res.status, 410);
  assert.equal((await res.json()).error, 'INVITE_REVOKED');
});

test('expired, unknown, deleted, finished, phone', { skip }, async () => {
  await statePage(cases.expired, 'expired', 410);
  await shoot(b.page, 'state-expired');
  await statePage(cases.not_found, 'not_found', 404);
  await shoot(b.page, 'state-not_found');
  await statePage(cases.deleted, 'not_found', 404);
  await statePage(cases.finished, 'finished', 200);
  await shoot(b.page, 'state-finished');
  await statePage(cases.phone, 'phone', 200);
  const main = await b.page.textContent('main');
  assert.match(main, /You will be called at \+1 ••• ••• 0100\./);
  assert.ok(!main.includes('555'), 'the number is masked');
  assert.match(await b.page.getAttribute('time', 'datetime'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await shoot(b.page, 'state-phone');
});

test('busy: 503 with Retry-After, a countdown, then the start page by itself once a slot is free', { skip }, async () => {
  const res = await statePage(cases.busy.url, 'busy', 503);
  assert.equal(res.headers()['retry-after'], '5');
  await b.page.waitForSelector('#busy-countdown:not([hidden])');
  assert.match(await b.page.textContent('#busy-countdown'), /^Trying again in [1-5] s\.$/);
  await shoot(b.page, 'state-busy');
  // The first check finds the slot still taken, and says so.
  await waitFor(async () => (await b.page.textContent('#busy-status')) === t.state_busy_still, 12_000, 'a check that finds it still busy');
  // The session holding the company's only slot ends (through the JSON protocol).
  for (const answer of ['With cargo test.', 'They are B-trees.']) {
    const r = await fetch(`${cases.busy.holder}/answer`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ answer }),
    });
    assert.equal(r.status, 200, await r.text());
  }
  await b.page.waitForSelector('body[data-page="start"]', { timeout: 20_000 });
  assert.equal(await b.page.textContent('#start h1'), 'Your interview with Busy Co');
});

test('unavailable: the database fails; "Try again" works once it is back', { skip }, async () => {
  const control = process.env.INTERVIEWD_E2E_CONTROL_URL;
  const broke = await fetch(`${control}/database/break`, { method: 'POST' });
  assert.equal(broke.status, 204);
  try {
    const res = await statePage(cases.start, 'unavailable', 503);
    assert.equal(res.headers()['retry-after'], undefined);
    await shoot(b.page, 'state-unavailable');
  } finally {
    assert.equal((await fetch(`${control}/database/mend`, { method: 'POST' })).status, 204);
  }
  const kb = h.keyboardOnly(b.page);
  await kb.tabTo('a.button');
  await kb.expectFocusVisible();
  await Promise.all([b.page.waitForNavigation(), kb.enter()]);
  assert.equal(await b.page.getAttribute('body', 'data-page'), 'start');
});

test('revoked while the start page is open: starting shows the revoked page', { skip }, async () => {
  const { page } = b;
  const open = cases.revoke_while_open;
  await page.goto(open.invite_link);
  assert.equal(await page.getAttribute('body', 'data-page'), 'start');
  const revoked = await api('PATCH', '/api/v2/ai-interviews/invite/revoke', { response_id: open.response_id });
  assert.equal(revoked.json.status, 'REVOKED', revoked.text);
  await page.check('#consent');
  const clicked = Date.now();
  await page.click('#start-text');
  await page.waitForSelector('body[data-kind="revoked"]', { timeout: 15_000 });
  const took = Date.now() - clicked;
  assert.ok(took < 2000, `the revoked page after ${took} ms`);
  assert.equal(await page.textContent('h1'), t.state_revoked_title);
  await assertAccessible(page, 'the revoked page after starting');
});

test('a reload resumes the live session; deleted during it: the page says so, the link is gone', { skip }, async () => {
  const { page } = b;
  const live = cases.delete_live;
  await page.goto(live.url);
  await page.check('#consent');
  await page.click('#start-text');
  await settledTranscript(page, 1);
  await page.waitForSelector('#status[data-state="listening"]');
  const answer = 'I write unit tests and integration tests.';
  await page.fill('#answer', answer);
  await page.keyboard.press('Control+Enter');
  const before = await settledTranscript(page, 3);

  // A reload: the start page again, and starting resumes where the conversation stood.
  await page.reload();
  assert.equal(await page.getAttribute('body', 'data-page'), 'start');
  await page.check('#consent');
  await page.click('#start-text');
  const after = await settledTranscript(page, 3);
  assert.deepEqual(after, before);
  assert.equal(after[1].text, answer);
  await page.waitForSelector('#status[data-state="listening"]');

  const deleted = await api('DELETE', `/v1/interviews/${live.id}`);
  assert.equal(deleted.status, 200, deleted.text);
  await page.waitForSelector('#ended:not([hidden])', { timeout: 10_000 });
  assert.equal(await page.textContent('#ended-message'), t.ended_deleted);
  assert.equal(await page.isHidden('#text-controls'), true);
  await assertAccessible(page, 'the ended view after a delete');
  await statePage(live.url, 'not_found', 404);
});

test('no script error, CSP refusal or failed request on any page', { skip }, () => {
  const refused = /WebSocket connection to .* failed: .*Unexpected response code: 410/;
  assert.deepEqual(realProblems(problems).filter((p) => !refused.test(p)), []);
});
