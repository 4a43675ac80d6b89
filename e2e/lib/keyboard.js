'use strict';
// Keyboard-only use of a page: Tab / Shift+Tab / Enter / Space, what has the focus, and
// whether the focus can be seen.
//
// Why: a candidate must be able to do a whole interview without a mouse, and a person using
// the keyboard must see where the focus is (WCAG 2.4.7). axe cannot check either, so the tests
// drive the page with keys only and compare pixels: the focused element, with a margin, must
// look clearly different with and without the focus.

const { changedPixels } = require('./png');

/** A short description of the focused element: `{ tag, id, name, type, role, label, text }`, or null. */
async function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const labelled = el.getAttribute('aria-labelledby');
    const label =
      el.getAttribute('aria-label') ||
      (labelled && labelled.split(/\s+/).map((id) => document.getElementById(id)?.textContent?.trim()).join(' ')) ||
      (el.labels && el.labels[0] && el.labels[0].textContent.trim()) ||
      '';
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id || null,
      name: el.getAttribute('name'),
      type: el.getAttribute('type'),
      role: el.getAttribute('role'),
      label,
      text: (el.innerText || el.value || '').trim().slice(0, 80),
    };
  });
}

/** `true` when the focused element matches the CSS selector. */
async function focusedMatches(page, selector) {
  return page.evaluate((sel) => !!document.activeElement && document.activeElement.matches(sel), selector);
}

/** Pixels that must change (by more than 32 levels) between focused and blurred. */
const MIN_CHANGED_PIXELS = 20;

/**
 * Whether the focus is visible: `{ visible, focusVisible, outline, boxShadow, changedPixels }`.
 * The element's box (plus 6 px for outlines and shadows) is captured focused and then blurred;
 * `visible` is true when at least 20 pixels changed clearly (a 1 px ring around a small button
 * is well over 100; anti-aliasing noise is a few pixels by one level). The focus is given back
 * with a keyboard-style `focus()` afterwards.
 */
async function focusIndicator(page) {
  const handle = await page.evaluateHandle(() => document.activeElement);
  const el = handle.asElement();
  if (!el) return { visible: false, focusVisible: false, outline: null, boxShadow: null, changedPixels: 0 };
  const style = await el.evaluate((node) => {
    const s = getComputedStyle(node);
    return {
      focusVisible: node.matches(':focus-visible'),
      outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
      boxShadow: s.boxShadow,
    };
  });
  const box = await el.boundingBox();
  if (!box) return { visible: false, ...style, changedPixels: 0 };
  const vp = page.viewportSize();
  const x = Math.max(0, box.x - 6);
  const y = Math.max(0, box.y - 6);
  const clip = {
    x,
    y,
    width: Math.max(1, Math.min(box.width + 12, (vp?.width ?? 1e9) - x)),
    height: Math.max(1, Math.min(box.height + 12, (vp?.height ?? 1e9) - y)),
  };
  const shot = { clip, animations: 'disabled', caret: 'hide', scale: 'css' };
  const withFocus = await page.screenshot(shot);
  await el.evaluate((node) => node.blur());
  const without = await page.screenshot(shot);
  await el.evaluate((node) => node.focus({ focusVisible: true }));
  const changed = withFocus.equals(without) ? 0 : changedPixels(withFocus, without);
  return { visible: changed >= MIN_CHANGED_PIXELS, ...style, changedPixels: changed };
}

/**
 * Keyboard-only driver for a page. Every method uses keys only; `expectFocusVisible` throws
 * when the focused element shows no focus indicator.
 */
function keyboardOnly(page) {
  const kb = {
    tab: async (times = 1) => {
      for (let i = 0; i < times; i++) await page.keyboard.press('Tab');
      return focused(page);
    },
    shiftTab: async (times = 1) => {
      for (let i = 0; i < times; i++) await page.keyboard.press('Shift+Tab');
      return focused(page);
    },
    enter: () => page.keyboard.press('Enter'),
    space: () => page.keyboard.press('Space'),
    escape: () => page.keyboard.press('Escape'),
    type: (text) => page.keyboard.type(text),
    focused: () => focused(page),
    /** Presses Tab until the focus is on `selector` (at most `max` times); returns the steps taken. */
    tabTo: async (selector, max = 40) => {
      for (let i = 1; i <= max; i++) {
        await page.keyboard.press('Tab');
        if (await focusedMatches(page, selector)) return i;
      }
      throw new Error(`keyboard: ${selector} not reached in ${max} Tab presses (at ${JSON.stringify(await focused(page))})`);
    },
    /** The focus order: what each of `n` Tab presses lands on. */
    tabOrder: async (n) => {
      const order = [];
      for (let i = 0; i < n; i++) order.push(await kb.tab());
      return order;
    },
    focusIndicator: () => focusIndicator(page),
    expectFocusVisible: async () => {
      const r = await focusIndicator(page);
      if (!r.visible) {
        throw new Error(`keyboard: focus not visible on ${JSON.stringify(await focused(page))} (${JSON.stringify(r)})`);
      }
      return r;
    },
  };
  return kb;
}

module.exports = { keyboardOnly, focused, focusedMatches, focusIndicator };
