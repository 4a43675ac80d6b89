'use strict';
// Every string the candidate pages show comes from i18n/en.json, so a translation is one file:
// each key the templates (`t.key`) and the script (`t('key')`) use exists, each key of the file
// is used, and a translation can only be made by copying en.json with the same keys.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..', 'crates', 'interviewd');
const en = JSON.parse(fs.readFileSync(path.join(ROOT, 'i18n', 'en.json'), 'utf8'));

/** Keys named by the templates (`t.key`, outside comments) and the script (its snake_case literals). */
function used() {
  const keys = new Set();
  for (const name of ['base.html', 'start.html', 'state.html']) {
    const src = fs.readFileSync(path.join(ROOT, 'templates', 'candidate', name), 'utf8').replace(/\{#[\s\S]*?#\}/g, '');
    for (const m of src.matchAll(/\bt\.(\w+)/g)) keys.add(m[1]);
  }
  // The script names keys as string literals, directly (`t('mic_ready')`) or in tables (the
  // status and ended-reason maps); its only snake_case literals are keys.
  const js = fs.readFileSync(path.join(ROOT, 'assets', 'interview.js'), 'utf8');
  for (const m of js.matchAll(/'([a-z]+_[a-z0-9_]+)'/g)) keys.add(m[1]);
  return keys;
}

test('every key used by the templates and the script exists in en.json', () => {
  const missing = [...used()].filter((k) => !(k in en));
  assert.deepEqual(missing, []);
});

test('every key of en.json is used', () => {
  const keys = used();
  const unused = Object.keys(en).filter((k) => !keys.has(k));
  assert.deepEqual(unused, []);
});

test('keys are Rust field names and values are non-empty text without markup', () => {
  for (const [k, v] of Object.entries(en)) {
    assert.match(k, /^[a-z][a-z0-9_]*$/, k);
    assert.equal(typeof v, 'string', k);
    assert.ok(v.trim().length > 0, k);
    assert.doesNotMatch(v, /[<>]/, `${k}: no markup in strings (the templates escape them)`);
  }
});
