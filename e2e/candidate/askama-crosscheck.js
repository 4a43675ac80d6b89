'use strict';
// Proves that the candidate templates compile with askama 0.16 and that render.js (used by the
// browser tests) produces exactly what askama produces, for every sample context of
// fixtures.js. It writes a throwaway crate outside the repository (default
// $TMPDIR/interviewd-askama-crosscheck, or the first argument), whose template structs are the
// ones the server needs (see the comment at the top of each template), builds it under the
// shared build lock and compares the outputs byte for byte.
//
//   node e2e/candidate/askama-crosscheck.js [crate-dir]      (~1-2 min cold, seconds warm)
//
// Not part of `node --test e2e/candidate/`: it needs cargo and the crates.io index.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { render, TEMPLATE_DIR } = require('./render');
const f = require('./fixtures');

const dir = path.resolve(process.argv[2] || path.join(os.tmpdir(), 'interviewd-askama-crosscheck'));
const templates = path.resolve(TEMPLATE_DIR, '..');

/** The contexts to render: [name, template, context]. */
function cases() {
  const list = [
    ['start', 'start', f.startContext()],
    ['start-no-voice', 'start', f.startContext({ voice_available: false, job_title: null, contact_email: null, duration_minutes: 1, question_count: 1 })],
  ];
  for (const kind of Object.keys(f.STATE_KINDS)) list.push([`state-${kind}`, 'state', f.stateContext(kind)]);
  list.push(['state-unknown', 'state', f.stateContext('something_else')]);
  list.push(['state-not_open-no-time', 'state', f.stateContext('not_open', { opens_at: null, contact_email: null })]);
  return list;
}

function rustCrate() {
  const keys = Object.keys(f.strings);
  const fields = keys.map((k) => `    pub ${k}: String,`).join('\n');
  return {
    'Cargo.toml': `[package]
name = "interviewd-askama-crosscheck"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
askama = { version = "0.16", features = ["serde_json"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
`,
    'askama.toml': `[general]\ndirs = [${JSON.stringify(templates)}]\n`,
    'src/main.rs': `//! Renders the candidate templates with askama from JSON contexts (argument 1) into a folder
//! (argument 2), one file per case.
use askama::Template;
use serde::{Deserialize, Serialize};

/// Every user-visible string of the candidate pages (i18n/en.json).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strings {
${fields}
}

/// An instant: RFC 3339 in UTC, and the same as text for a reader without JavaScript.
#[derive(Deserialize)]
pub struct TimeView {
    pub iso: String,
    pub utc: String,
}

#[derive(Template, Deserialize)]
#[template(path = "candidate/start.html")]
pub struct StartPage {
    pub lang: String,
    pub t: Strings,
    pub asset_version: String,
    pub company_name: String,
    pub job_title: Option<String>,
    pub language_name: String,
    pub duration_minutes: u32,
    pub question_count: usize,
    pub voice_available: bool,
    pub contact_email: Option<String>,
}

#[derive(Template, Deserialize)]
#[template(path = "candidate/state.html")]
pub struct StatePage {
    pub lang: String,
    pub t: Strings,
    pub asset_version: String,
    pub kind: String,
    pub contact_email: Option<String>,
    pub opens_at: Option<TimeView>,
    pub call_at: Option<TimeView>,
    pub phone_masked: Option<String>,
    pub retry_after_seconds: u32,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    template: String,
    context: serde_json::Value,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(&args[1])?)?;
    for case in cases {
        let html = match case.template.as_str() {
            "start" => serde_json::from_value::<StartPage>(case.context)?.render()?,
            _ => serde_json::from_value::<StatePage>(case.context)?.render()?,
        };
        std::fs::write(format!("{}/{}.html", args[2], case.name), html)?;
    }
    Ok(())
}
`,
  };
}

function main() {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  for (const [name, text] of Object.entries(rustCrate())) fs.writeFileSync(path.join(dir, name), text);
  const list = cases();
  const input = path.join(dir, 'cases.json');
  fs.writeFileSync(input, JSON.stringify(list.map(([name, template, context]) => ({ name, template, context }))));
  const out = path.join(dir, 'out');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out);
  const t0 = Date.now();
  const r = spawnSync('flock', ['/tmp/cargo-build.lock', 'cargo', 'run', '-q', '--', input, out], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`askama-crosscheck: cargo failed (status ${r.status})`);
    process.exit(1);
  }
  let failed = 0;
  for (const [name, template, context] of list) {
    const ours = render(`${template}.html`, context);
    const theirs = fs.readFileSync(path.join(out, `${name}.html`), 'utf8');
    if (ours === theirs) continue;
    failed++;
    let i = 0;
    while (ours[i] === theirs[i]) i++;
    console.error(`askama-crosscheck: ${name} differs at ${i}:\n  render.js: ${JSON.stringify(ours.slice(i - 40, i + 60))}\n  askama:    ${JSON.stringify(theirs.slice(i - 40, i + 60))}`);
  }
  console.log(`askama-crosscheck: ${list.length - failed}/${list.length} identical (${((Date.now() - t0) / 1000).toFixed(1)} s, crate in ${dir})`);
  process.exit(failed ? 1 : 0);
}

main();
