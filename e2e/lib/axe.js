'use strict';
// Accessibility checks with axe-core, run inside the page.
//
// Why not @axe-core/playwright: its current release declares Node >= 22.12 and this project's
// machines have Node 20; the injection it does is a few lines. The source is evaluated through
// the DevTools protocol (page.evaluate with a string), so a strict Content-Security-Policy on
// the page under test does not block it and does not need relaxing.

const axeCore = require('axe-core');

/** Impacts, worst first. `serious` and `critical` fail a test. */
const IMPACTS = Object.freeze(['critical', 'serious', 'moderate', 'minor']);
const FAILING = Object.freeze(['critical', 'serious']);

/** The rule sets run by default: WCAG 2.0/2.1/2.2 A and AA, plus axe's best practices. */
const DEFAULT_TAGS = Object.freeze(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']);

/**
 * Runs axe on the page (main frame) and returns
 * `{ violations, byImpact: {critical, serious, moderate, minor}, failing, passes, summary }`.
 *
 * `failing` holds the serious and critical violations; `summary` is a readable text of all of
 * them (one line per violation and affected node), for an assertion message.
 * Options: `tags` (rule tags), `disableRules` (rule ids, e.g. ['color-contrast'] for a page
 * under construction), `include` / `exclude` (CSS selectors).
 */
async function axe(page, opts = {}) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object' && typeof window.axe.run === 'function');
  if (!loaded) await page.evaluate(axeCore.source);
  const runOptions = {
    runOnly: { type: 'tag', values: [...(opts.tags || DEFAULT_TAGS)] },
    resultTypes: ['violations'],
    rules: Object.fromEntries((opts.disableRules || []).map((id) => [id, { enabled: false }])),
  };
  const context = opts.include || opts.exclude ? { include: opts.include || ['html'], exclude: opts.exclude || [] } : null;
  const result = await page.evaluate(
    async ([ctx, options]) => {
      const r = await window.axe.run(ctx || document, options);
      return {
        passes: r.passes.length,
        violations: r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          helpUrl: v.helpUrl,
          nodes: v.nodes.map((n) => ({
            target: n.target.join(' '),
            html: n.html.length > 200 ? `${n.html.slice(0, 200)}…` : n.html,
            failureSummary: n.failureSummary,
          })),
        })),
      };
    },
    [context, runOptions],
  );
  const byImpact = Object.fromEntries(IMPACTS.map((i) => [i, []]));
  for (const v of result.violations) (byImpact[v.impact] || byImpact.minor).push(v);
  const failing = FAILING.flatMap((i) => byImpact[i]);
  return { violations: result.violations, byImpact, failing, passes: result.passes, summary: summarize(result.violations) };
}

/** One line per violation and node: `[serious] color-contrast: … @ #id`. */
function summarize(violations) {
  return violations
    .flatMap((v) => v.nodes.map((n) => `[${v.impact}] ${v.id}: ${v.help} @ ${n.target}`))
    .join('\n');
}

/** Runs `axe` and throws when any serious or critical violation is found. */
async function assertAccessible(page, opts = {}) {
  const r = await axe(page, opts);
  if (r.failing.length > 0) {
    throw new Error(`axe: ${r.failing.length} serious/critical violation(s) on ${page.url()}\n${summarize(r.failing)}`);
  }
  return r;
}

module.exports = { axe, assertAccessible, summarize, IMPACTS, DEFAULT_TAGS };
