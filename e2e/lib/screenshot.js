'use strict';
// Screenshots that stay small enough to keep in docs/.
//
// Why: the pages' states are documented with PNGs in the repository, so each must be a few
// tens of kilobytes: the viewport is fixed (1000×700 at scale 1, see browser.js), animations
// and the caret are frozen, and the PNG is requantised to 256 colours with Debian's pngquant
// when it is installed (.ci/setup/browser.sh installs it), which typically cuts it by 3–4×.

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

/** Size above which `screenshot` warns (or throws with `strict`). */
const DEFAULT_MAX_BYTES = 150 * 1024;

/**
 * Lossy-compresses a PNG in place with pngquant (256 colours, quality 65–90). Returns the new
 * size, or the old one when pngquant is missing or would not help.
 */
function shrinkPng(file) {
  const before = fs.statSync(file).size;
  const tmp = `${file}.pq.png`;
  const r = spawnSync('pngquant', ['--quality=65-90', '--speed=3', '--strip', '--force', '--output', tmp, '--', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.error || r.status !== 0 || !fs.existsSync(tmp)) {
    fs.rmSync(tmp, { force: true });
    return before;
  }
  const after = fs.statSync(tmp).size;
  if (after < before) fs.renameSync(tmp, file);
  else fs.rmSync(tmp, { force: true });
  return Math.min(before, after);
}

/**
 * Takes a PNG of the page (the viewport, or `fullPage`, or one element with `selector`) at
 * `file`, shrinks it, and returns `{ file, bytes }`. Options: `fullPage`, `selector`,
 * `maxBytes` (default 150 KiB), `strict` (throw instead of warning above it), `shrink`
 * (default true).
 */
async function screenshot(page, file, opts = {}) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const shot = { path: file, type: 'png', animations: 'disabled', caret: 'hide', scale: 'css' };
  if (opts.selector) {
    await page.locator(opts.selector).screenshot(shot);
  } else {
    await page.screenshot({ ...shot, fullPage: !!opts.fullPage });
  }
  const bytes = opts.shrink === false ? fs.statSync(file).size : shrinkPng(file);
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes > max) {
    const msg = `screenshot ${file} is ${bytes} bytes (> ${max}); use a selector or a smaller state`;
    if (opts.strict) throw new Error(msg);
    process.emitWarning(msg);
  }
  return { file, bytes };
}

module.exports = { screenshot, shrinkPng, DEFAULT_MAX_BYTES };
