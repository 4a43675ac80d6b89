'use strict';
// Regenerates the recruiter console's screenshots in docs/screenshots/console/ from a real
// interviewd: it starts the debug binary on a free port with a throw-away data directory,
// makes a company, an API key and an administrator with the admin commands (the same
// `interviewd users create` an operator runs), fills the console through its own forms and
// the API, takes a few interviews to their end, and photographs the main pages. Each PNG is
// requantised with pngquant and must stay under 80 KB.
//
//   cargo build -p interviewd && node e2e/console/screenshots.js [out-dir]
//
// Environment: INTERVIEWD_BIN (the binary; default target/debug/interviewd).

const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');

const h = require('../lib');
const { takeInterview, waitForStatus, waitFor } = require('./helpers');

const ROOT = path.join(__dirname, '..', '..');
const OUT = path.resolve(process.argv[2] || path.join(ROOT, 'docs', 'screenshots', 'console'));
const BIN = process.env.INTERVIEWD_BIN || path.join(ROOT, 'target', 'debug', 'interviewd');
const MAX_BYTES = 80 * 1024;
const VIEWPORT = { width: 1000, height: 700 };
const PASSWORD = 'a long and unguessable passphrase';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Runs an admin command; its JSON output. */
function admin(envVars, args) {
  const out = execFileSync(BIN, args, { env: envVars, stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.toString());
}

async function shoot(page, name, opts = {}) {
  const r = await h.screenshot(page, path.join(OUT, `${name}.png`), { maxBytes: MAX_BYTES, strict: true, ...opts });
  console.log(`${path.relative(process.cwd(), r.file)}  ${(r.bytes / 1024).toFixed(1)} KB`);
}

/** Creates a job and its interviewer through the console's form; the job's id. */
async function job(page, base, title, channel, questions) {
  await page.goto(`${base}/app/jobs/new`);
  await page.fill('#title', title);
  await page.fill('#description', `We are hiring a ${title} to join a small team.`);
  await page.fill('#required', 'Rust, PostgreSQL');
  await page.fill('#nice', 'Kubernetes');
  await page.check(`#channel-${channel}`);
  await page.fill('#questions', questions.join('\n'));
  await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
  return new URL(page.url()).pathname.split('/').pop();
}

async function api(base, key, method, p, body) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json();
}

async function seed(page, base, key) {
  const backend = await job(page, base, 'Backend Engineer', 'online', [
    'Tell me about a Rust service you built.',
    'How do you decide which columns of a table to index?',
  ]);
  const support = await job(page, base, 'Support Lead', 'phone', ['Tell me about Rust.', 'How do you keep customers informed?']);
  const people = [
    ['Ann', 'Lee', 'ann.lee@example.com', '+14155550100'],
    ['Bruno', 'Costa', 'bruno@example.com', '+14155550101'],
    ['Chen', 'Wei', 'chen.wei@example.com', null],
    ['Dora', 'Novak', 'dora@example.com', null],
  ];
  const ids = [];
  for (const [firstName, lastName, email, phoneNumber] of people) {
    const c = await api(base, key, 'POST', '/v1/candidates', { firstName, lastName, email, phoneNumber, jobId: backend });
    ids.push(c.id);
  }
  // Two online interviews taken to their end, one left open; one phone call.
  const invites = [];
  for (const id of [ids[0], ids[2], ids[3]]) {
    await page.goto(`${base}/app/candidates/${id}/invite`);
    await page.selectOption('#job', backend);
    await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
    invites.push({ interview: new URL(page.url()).pathname.split('/').pop(), link: await page.inputValue('#invite-link') });
  }
  const answers = [
    'I built a payment service in Rust with Tokio and PostgreSQL, and ran it for three years.',
    'I index the columns the queries filter and join on, and I read the plans with EXPLAIN.',
  ];
  await takeInterview(invites[0].link, answers);
  await takeInterview(invites[1].link, ['I mostly write Python.', 'I am not sure.']);
  await page.goto(`${base}/app/candidates/${ids[1]}/call`);
  await page.selectOption('#job', support);
  await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
  const call = new URL(page.url()).pathname.split('/').pop();
  for (const id of [invites[0].interview, invites[1].interview, call]) {
    await page.goto(`${base}/app/interviews/${id}`);
    await waitForStatus(page, 'COMPLETED', 60_000);
  }
  return { candidate: ids[0], interview: invites[0].interview, open: invites[2].interview, backend };
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} not found: run cargo build -p interviewd first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interviewd-console-shots-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const envVars = {
    ...process.env,
    INTERVIEWD_DATA_DIR: dir,
    INTERVIEWD_LISTEN: `127.0.0.1:${port}`,
    INTERVIEWD_PUBLIC_URL: base,
    INTERVIEWD_SIMULATOR_TURN_MS: '0',
    INTERVIEWD_ENGINE_POLL_MS: '50',
    RUST_LOG: 'warn',
  };
  let server;
  const b = await h.launch({ viewport: VIEWPORT });
  try {
    // The admin commands never create a database; `migrate` does.
    execFileSync(BIN, ['migrate'], { env: envVars, stdio: 'ignore' });
    const company = admin(envVars, ['companies', 'create', '--name', 'Acme Recruiting', '--plan', 'BUSINESS']);
    const key = admin(envVars, ['keys', 'create', '--company', company.id, '--scopes', 'all', '--name', 'seed']).key;
    const user = admin(envVars, ['users', 'create', '--company', company.id, '--email', 'ada@acme.example', '--role', 'admin']);
    server = spawn(BIN, ['serve'], { env: envVars, stdio: 'ignore' });
    await waitFor(async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok, 30_000, 'the server');

    const { page } = b;
    await page.goto(user.signInLink);
    await shoot(page, 'choose-password');
    await page.fill('#password', PASSWORD);
    await page.fill('#confirmation', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
    const s = await seed(page, base, key);

    await page.goto(`${base}/app`);
    await shoot(page, 'overview', { fullPage: true });
    await page.goto(`${base}/app/interviews`);
    await shoot(page, 'interviews');
    await page.goto(`${base}/app/interviews/${s.interview}`);
    await shoot(page, 'interview');
    await shoot(page, 'interview-analysis', { selector: 'section[aria-labelledby=analysis-h]' });
    await shoot(page, 'interview-transcript', { selector: 'section[aria-labelledby=transcript-h]' });
    await page.goto(`${base}/app/candidates/${s.candidate}`);
    await shoot(page, 'candidate', { fullPage: true });
    await page.goto(`${base}/app/jobs/${s.backend}`);
    await shoot(page, 'job', { fullPage: true });
    await page.goto(`${base}/app/interviews/${s.open}/revoke`);
    await shoot(page, 'revoke');
    await page.goto(`${base}/app/interviews/${s.interview}/decision?decision=REJECTED`);
    await shoot(page, 'decision');
    await page.goto(`${base}/app/candidates/import`);
    await page.fill('#text', 'name,email\nEva Ross,eva@example.com\nFinn,not-an-address\n');
    await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
    await shoot(page, 'import-errors');
    await page.goto(`${base}/app/settings/keys`);
    await shoot(page, 'api-keys');

    await page.goto(`${base}/app/sign-in`);
    const small = await h.launch({ viewport: { width: 360, height: 720 } });
    try {
      await small.page.goto(`${base}/app/sign-in`);
      await shoot(small.page, 'sign-in-phone');
    } finally {
      await small.close();
    }
  } finally {
    await b.close();
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
