'use strict';
// Sample template contexts for the candidate pages: the values a handler would pass, so the
// mock server, the screenshots and the askama cross-check all render the same pages.

const path = require('node:path');

const strings = require(path.join(__dirname, '..', '..', 'crates', 'interviewd', 'i18n', 'en.json'));

const ASSET_VERSION = 'test1';

/** Fields of base.html shared by every page. */
function base() {
  return { lang: 'en', t: strings, asset_version: ASSET_VERSION };
}

/** start.html; `overrides` replaces any field (e.g. `{ voice_available: false }`). */
function startContext(overrides = {}) {
  return {
    ...base(),
    company_name: 'Acme Robotics & Co',
    job_title: 'Senior Rust Engineer',
    language_name: 'English',
    duration_minutes: 20,
    question_count: 5,
    voice_available: true,
    contact_email: 'talent@acme.example',
    ...overrides,
  };
}

/** The eight kinds of state.html, with the HTTP status each is served with. */
const STATE_KINDS = Object.freeze({
  not_open: 200,
  revoked: 410,
  expired: 410,
  not_found: 404,
  finished: 200,
  phone: 200,
  busy: 503,
  unavailable: 503,
});

const OPENS_AT = { iso: '2026-12-07T14:30:00Z', utc: 'Monday 7 December 2026, 14:30 UTC' };
const CALL_AT = { iso: '2026-12-08T09:15:00Z', utc: 'Tuesday 8 December 2026, 09:15 UTC' };

/** state.html for `kind`. */
function stateContext(kind, overrides = {}) {
  return {
    ...base(),
    kind,
    contact_email: kind === 'not_found' ? null : 'talent@acme.example',
    opens_at: kind === 'not_open' ? OPENS_AT : null,
    call_at: kind === 'phone' ? CALL_AT : null,
    phone_masked: kind === 'phone' ? '+1 ••• ••• 0100' : null,
    retry_after_seconds: kind === 'busy' ? 5 : 0,
    ...overrides,
  };
}

module.exports = { strings, startContext, stateContext, STATE_KINDS, OPENS_AT, CALL_AT, ASSET_VERSION };
