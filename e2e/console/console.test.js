'use strict';
// The recruiter console in headless Chromium against a real interviewd (started by the Rust
// test `console_browser`, which passes the server and the accounts in the environment).
// Everything a recruiter does here is done with the keyboard alone; axe runs on every page;
// what the console did is confirmed through the InstaView JSON API with a key.
//
//   INTERVIEWD_E2E_BASE_URL        the server
//   INTERVIEWD_E2E_SIGN_IN_LINK    a one-time link of an administrator of "Acme Recruiting"
//   INTERVIEWD_E2E_EMAIL           that administrator's e-mail
//   INTERVIEWD_E2E_MEMBER_LINK     a one-time link of a member of the same company
//   INTERVIEWD_E2E_API_KEY         an all-scopes API key of the company
//   INTERVIEWD_E2E_OTHER_INTERVIEW an interview id of another company
//
// The tests run in order and share one signed-in browser.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('../lib');
const { env, accessible, horizontalOverflow, fillByKeyboard, pressByKeyboard, takeInterview, waitForStatus } = require('./helpers');

const base = env('INTERVIEWD_E2E_BASE_URL');
const email = env('INTERVIEWD_E2E_EMAIL');
const key = env('INTERVIEWD_E2E_API_KEY');
const PASSWORD = 'a long and unguessable passphrase';
const ANSWERS = [
  'I have written Rust services for five years, mostly with Tokio and PostgreSQL.',
  'I index the columns the queries filter on, and I read the query plans with EXPLAIN.',
];

let browser;
let page;
const made = {}; // ids the tests create, for the later ones
const visited = new Set(); // every console page checked with axe

/** The InstaView API with the company's key. */
async function api(path) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Opens `path`, expects `status`, runs axe, and remembers the page as checked. */
async function visit(path, what, status = 200) {
  const res = await page.goto(`${base}${path}`);
  assert.equal(res.status(), status, `${what}: ${path}`);
  await accessible(page, what);
  visited.add(path.split('?')[0]);
  return res;
}

/** The recording of the interview on screen plays: its <audio> element reaches a playable state. */
async function recordingPlays() {
  const readyState = await page.evaluate(() => new Promise((resolve, reject) => {
    const audio = document.querySelector('audio');
    if (!audio) return reject(new Error('no audio element'));
    if (audio.readyState >= 3) return resolve(audio.readyState);
    audio.addEventListener('canplay', () => resolve(audio.readyState), { once: true });
    audio.addEventListener('error', () => reject(new Error(`audio error ${audio.error?.code}`)), { once: true });
    audio.preload = 'auto';
    audio.load();
  }));
  assert.ok(readyState >= 3, `readyState ${readyState}`);
}

test.before(async () => {
  browser = await h.launch({ contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] } });
  page = browser.page;
});
test.after(async () => {
  await browser?.close();
});

test('sign in through the one-time link, sign out, sign in again (keyboard only)', async () => {
  await page.goto(env('INTERVIEWD_E2E_SIGN_IN_LINK'));
  await accessible(page, 'the choose-a-password page');
  const kb = h.keyboardOnly(page);
  // The first Tab reaches the skip link, and its focus can be seen.
  assert.equal((await kb.tab()).text, 'Skip to content');
  await kb.expectFocusVisible();
  await fillByKeyboard(page, [['#password', PASSWORD], ['#confirmation', PASSWORD]]);
  await kb.expectFocusVisible();
  await Promise.all([page.waitForURL(`${base}/app?done=password-set`), kb.enter()]);
  assert.match(await page.textContent('main'), /Your password was set/);
  await accessible(page, 'the overview');

  await pressByKeyboard(page, 'form.sign-out button');
  assert.equal(new URL(page.url()).pathname, '/app/sign-in');
  assert.match(await page.textContent('main'), /You are signed out/);
  await accessible(page, 'the sign-in page');

  await fillByKeyboard(page, [['#email', email], ['#password', 'not the password at all']]);
  await Promise.all([page.waitForNavigation(), kb.enter()]);
  assert.match(await page.textContent('[role=alert]'), /e-mail address or the password is not right/);
  await accessible(page, 'a refused sign-in');

  await fillByKeyboard(page, [['#password', PASSWORD]]);
  await Promise.all([page.waitForURL(`${base}/app`), kb.enter()]);
  assert.match(await page.textContent('header'), /Acme Recruiting/);
});

test('create a job for each channel and a candidate (keyboard only)', async () => {
  for (const [title, channel] of [['Backend Engineer', 'online'], ['Support Lead', 'phone']]) {
    await visit('/app/jobs/new', 'the new-job form');
    await fillByKeyboard(page, [
      ['#title', title],
      ['#required', 'Rust, PostgreSQL'],
      [`#channel-${channel}`, true],
      ['#duration', '10'],
      ['#questions', 'Tell me about your Rust experience.'],
    ]);
    await page.keyboard.press('Enter'); // a new line in the questions
    await page.keyboard.type('How do you index a SQL table?');
    await pressByKeyboard(page, 'form.stack button[type=submit]');
    assert.match(await page.textContent('[role=status]'), /The job was saved/);
    made[`job_${channel}`] = new URL(page.url()).pathname.split('/').pop();
  }
  visited.add('/app/jobs/{id}');
  await accessible(page, 'a job');

  await visit('/app/candidates/new', 'the new-candidate form');
  await fillByKeyboard(page, [
    ['#first_name', 'Ann'],
    ['#last_name', 'Lee'],
    ['#email', 'ann.lee@example.com'],
    ['#phone', '+1 415 555 0100'],
    ['#job-1', true],
  ]);
  await pressByKeyboard(page, 'form.stack button[type=submit]');
  assert.match(await page.textContent('h1'), /Ann Lee/);
  made.candidate = new URL(page.url()).pathname.split('/').pop();
  await accessible(page, 'a candidate');

  const jobs = await api('/v1/jobs');
  assert.deepEqual(jobs.body.data.map((j) => j.title).sort(), ['Backend Engineer', 'Support Lead']);
});

test('send an online invite and copy its link (keyboard only)', async () => {
  await page.goto(`${base}/app/candidates/${made.candidate}`);
  await pressByKeyboard(page, `a[href="/app/candidates/${made.candidate}/invite"]`);
  await accessible(page, 'the invite form');
  visited.add('/app/candidates/{id}/invite');
  assert.match(await page.textContent('main'), /e-mail with the link is sent to ann\.lee@example\.com/);
  await fillByKeyboard(page, [['#job', 'Backend'], ['#send', true]]);
  assert.equal(await page.inputValue('#job'), made.job_online);
  await pressByKeyboard(page, 'form.stack button[type=submit]');
  assert.match(await page.textContent('[role=status]'), /The invite was created/);
  made.interview = new URL(page.url()).pathname.split('/').pop();
  made.invite = await page.inputValue('#invite-link');
  assert.ok(made.invite.startsWith(`${base}/i/`), made.invite);
  await accessible(page, 'a scheduled online interview');

  const kb = h.keyboardOnly(page);
  await kb.tabTo('button[data-copy]');
  await kb.expectFocusVisible();
  await kb.enter();
  await page.waitForFunction(() => document.querySelector('.copy-status').textContent.length > 0);
  const said = await page.textContent('.copy-status');
  assert.ok(said.length > 0, 'the copy button says what it did');
  if (said === 'Copied.') assert.equal(await page.evaluate(() => navigator.clipboard.readText()), made.invite);
});

test('the candidate takes the interview on its page; the console shows transcript and analysis', async (t) => {
  const way = await takeInterview(made.invite, ANSWERS);
  t.diagnostic(`the interview was taken through the candidate ${way === 'page' ? 'page' : 'JSON protocol (no candidate page is served yet)'}`);
  await page.goto(`${base}/app/interviews/${made.interview}`);
  await waitForStatus(page, 'COMPLETED');
  visited.add('/app/interviews/{id}');
  await accessible(page, 'a completed interview');

  const transcript = await page.$$eval('.transcript .turn', (els) => els.map((e) => ({ id: e.id, text: e.textContent })));
  assert.ok(transcript.length >= 4, JSON.stringify(transcript));
  assert.ok(transcript.some((turn) => turn.text.includes('Tokio and PostgreSQL')), 'the answers are in the transcript');
  assert.match(await page.textContent('#analysis-h + p.score'), /\/5/);

  // An evidence quote jumps to its turn (keyboard).
  const evidence = await page.$('.evidence a');
  if (evidence) {
    const href = await evidence.getAttribute('href');
    const kb = h.keyboardOnly(page);
    await kb.tabTo('.evidence a', 120);
    await kb.enter();
    await page.waitForFunction((id) => location.hash === id, href);
    assert.equal(await page.evaluate(() => document.querySelector(':target')?.classList.contains('turn')), true);
  }

  // A typed session keeps no recording, and the page says so.
  if (way === 'page') assert.match(await page.textContent('#recording-h + p.empty'), /typed sessions are not recorded/);

  const viaApi = await api(`/v1/interviews/${made.interview}`);
  assert.equal(viaApi.body.status, 'COMPLETED');
});

test('advance the candidate, then reject instead, each confirmed (keyboard only)', async () => {
  await page.goto(`${base}/app/interviews/${made.interview}`);
  assert.match(await page.textContent('#decision-now'), /No decision yet/);
  await pressByKeyboard(page, `a[href="/app/interviews/${made.interview}/decision?decision=ADVANCED"]`);
  await accessible(page, 'the advance confirmation');
  visited.add('/app/interviews/{id}/decision');
  assert.match(await page.textContent('#what-happens'), /interview\.advanced/);
  await pressByKeyboard(page, 'form.stack button[type=submit]');
  assert.match(await page.textContent('[role=status]'), /The candidate was advanced/);
  const now = await page.textContent('#decision-now');
  assert.ok(now.includes('Advanced') && now.includes(`by ${email}`), now);
  await accessible(page, 'an advanced interview');
  await pressByKeyboard(page, `a[href="/app/interviews/${made.interview}/decision?decision=REJECTED"]`);
  await pressByKeyboard(page, 'form.stack button[type=submit]');
  assert.match(await page.textContent('[role=status]'), /The candidate was rejected/);
  assert.match(await page.textContent('#decision-now'), /Rejected/);
  assert.ok(await page.$(`a[href="/app/interviews/${made.interview}/decision?decision=ADVANCED"]`), 'advance instead is offered');
});

test('schedule a phone interview (keyboard only); it runs to its end and its recording plays', async () => {
  await page.goto(`${base}/app/candidates/${made.candidate}`);
  await pressByKeyboard(page, `a[href="/app/candidates/${made.candidate}/call"]`);
  await accessible(page, 'the schedule-a-call form');
  visited.add('/app/candidates/{id}/call');
  assert.match(await page.textContent('main'), /\+14155550100/);
  await fillByKeyboard(page, [['#job', 'Support']]);
  await pressByKeyboard(page, 'form.stack button[type=submit]');
  assert.match(await page.textContent('[role=status]'), /phone interview was scheduled/);
  made.call = new URL(page.url()).pathname.split('/').pop();
  await waitForStatus(page, 'COMPLETED');
  assert.ok((await page.$$('.transcript .turn')).length >= 2);
  await recordingPlays();
});

test('revoke an invite, notifying the candidate (keyboard only); confirmed through the API', async () => {
  // A second invite, to revoke.
  await page.goto(`${base}/app/candidates/${made.candidate}/invite`);
  await fillByKeyboard(page, [['#job', 'Backend']]);
  await pressByKeyboard(page, 'form.stack button[type=submit]');
  const second = new URL(page.url()).pathname.split('/').pop();
  const secondLink = await page.inputValue('#invite-link');

  await pressByKeyboard(page, `a[href="/app/interviews/${second}/revoke"]`);
  await accessible(page, 'the revoke confirmation');
  visited.add('/app/interviews/{id}/revoke');
  assert.match(await page.textContent('#what-happens'), /invite link stops working/);
  await fillByKeyboard(page, [['#notify', true]]);
  await pressByKeyboard(page, 'button.danger-solid');
  assert.match(await page.textContent('[role=status]'), /The invite was revoked/);
  assert.equal((await api(`/v1/interviews/${second}`)).body.status, 'CANCELLED');
  const link = await fetch(secondLink, { headers: { accept: 'application/json' } });
  assert.equal(link.status, 410, 'the revoked link is gone');
});

test('delete an interview (keyboard only); confirmed through the API', async () => {
  await page.goto(`${base}/app/interviews/${made.call}`);
  await pressByKeyboard(page, `a[href="/app/interviews/${made.call}/delete"]`);
  await accessible(page, 'the delete confirmation');
  visited.add('/app/interviews/{id}/delete');
  assert.match(await page.textContent('#what-happens'), /recording files/);
  await pressByKeyboard(page, 'button.danger-solid');
  assert.equal(new URL(page.url()).pathname, '/app/interviews');
  assert.match(await page.textContent('[role=status]'), /The interview was deleted/);
  assert.equal((await api(`/v1/interviews/${made.call}`)).status, 404);
});

test('a form posted without its CSRF token is refused', async () => {
  await page.goto(`${base}/app/jobs/new`);
  await page.fill('#title', 'Forged job');
  await page.evaluate(() => document.querySelector('form.stack input[name=_csrf]').remove());
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/app/jobs/new') && r.request().method() === 'POST'),
    page.click('form.stack button[type=submit]'),
  ]);
  assert.equal(res.status(), 403);
  await page.waitForLoadState();
  assert.match(await page.textContent('h1'), /This form has expired/);
  await accessible(page, 'the refused-form page');
  const jobs = await api('/v1/jobs');
  assert.ok(!jobs.body.data.some((j) => j.title === 'Forged job'));
  // An htmx-style request without the header is refused the same way.
  const status = await page.evaluate(async () => (await fetch('/app/candidates/new', { method: 'POST' })).status);
  assert.equal(status, 403);
});

test("another company's interview id gives a 404 page", async () => {
  const res = await page.goto(`${base}/app/interviews/${env('INTERVIEWD_E2E_OTHER_INTERVIEW')}`);
  assert.equal(res.status(), 404);
  assert.match(await page.textContent('h1'), /Not found/);
  await accessible(page, 'the not-found page');
});

test('settings: an API key created (keyboard only) and shown once; a webhook endpoint', async () => {
  await visit('/app/settings', 'the settings');
  await visit('/app/settings/keys', 'the API keys');
  await fillByKeyboard(page, [['#name', 'Browser test key'], ['#scope-1', true]]);
  await pressByKeyboard(page, 'form.stack button[type=submit]');
  const secret = await page.inputValue('#new-key');
  const res = await fetch(`${base}/v1/jobs`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(res.status, 200);
  await accessible(page, 'a new API key');

  await visit('/app/settings/webhooks', 'the webhook endpoints');
  await fillByKeyboard(page, [['#url', 'http://127.0.0.1:9/hook'], ['#name', 'Local receiver'], ['#event-1', true]]);
  await pressByKeyboard(page, 'form.stack button[type=submit]');
  assert.match(await page.inputValue('#signing-secret'), /^whsec_/);
  await page.click('a:text("Local receiver")');
  await page.waitForURL(/\/app\/settings\/webhooks\/[0-9a-f-]{36}$/);
  visited.add('/app/settings/webhooks/{id}');
  await accessible(page, 'a webhook endpoint');
  // Send a test event with the keyboard (htmx: the answer replaces a part of the page).
  const kb = h.keyboardOnly(page);
  await kb.tabTo('form[action$="/test"] button');
  await kb.expectFocusVisible();
  await kb.enter();
  await page.waitForSelector('#test-result .notice');
});

test('every other console page passes axe, in light and dark, and fits 320 px', async (t) => {
  const id = made.interview;
  const pages = [
    ['/app', 'the overview'],
    ['/app/interviews', 'the interviews'],
    ['/app/interviews?status=COMPLETED&q=ann', 'filtered interviews'],
    ['/app/candidates', 'the candidates'],
    ['/app/candidates/import', 'the CSV import'],
    [`/app/candidates/${made.candidate}/jobs/${made.job_online}/remove`, 'the remove-from-job confirmation'],
    ['/app/jobs', 'the jobs'],
    ['/app/agents', 'the interviewers'],
    ['/app/agents/new', 'the new-interviewer form'],
    [`/app/interviews/${id}`, 'a completed interview'],
  ];
  for (const [path, what] of pages) await visit(path, what);
  await page.goto(`${base}/app/agents`);
  const agent = await page.getAttribute('table a[href^="/app/agents/"]', 'href');
  await visit(agent, 'an interviewer');

  await page.emulateMedia({ colorScheme: 'dark' });
  try {
    for (const [path, what] of pages.slice(0, 4)) await visit(path, `${what} (dark)`);
    await visit(`/app/interviews/${id}`, 'a completed interview (dark)');
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }

  // A member's session, on a phone-sized screen.
  const small = await h.launch({ viewport: { width: 320, height: 640 } });
  try {
    const p = small.page;
    await p.goto(env('INTERVIEWD_E2E_MEMBER_LINK'));
    await p.fill('#password', PASSWORD);
    await p.fill('#confirmation', PASSWORD);
    await Promise.all([p.waitForURL(`${base}/app?done=password-set`), p.click('button[type=submit]')]);
    for (const path of ['/app', '/app/interviews', `/app/interviews/${id}`, `/app/interviews/${id}/decision?decision=REJECTED`, '/app/candidates', `/app/candidates/${made.candidate}`, '/app/jobs/new', '/app/settings']) {
      await p.goto(`${base}${path}`);
      assert.equal(await horizontalOverflow(p), null, `320 px: ${path}`);
      await accessible(p, `${path} at 320 px`);
    }
    const refused = await p.goto(`${base}/app/settings/keys`);
    assert.equal(refused.status(), 403, 'a member cannot manage API keys');
  } finally {
    await small.close();
  }
  t.diagnostic(`axe ran on ${visited.size} kinds of console page`);
});
