'use strict';
// The recruiter console's own script: small, because every page works without it.
//
// - Times: each <time data-local> is written in UTC by the server; here it is shown in the
//   reader's own time zone (the machine-readable value stays in `datetime`).
// - Copy buttons: a button with data-copy="#input" is hidden without JavaScript (the input can
//   still be selected by hand); here it is shown and copies the input's value, saying so in
//   the status next to it.
// Both run on the page and again on every fragment htmx swaps in.

(function () {
  const timeFormat = new Intl.DateTimeFormat(undefined, {
    day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  });

  function localTimes(root) {
    for (const el of root.querySelectorAll('time[data-local]')) {
      const at = new Date(el.getAttribute('datetime'));
      if (!Number.isNaN(at.getTime())) el.textContent = timeFormat.format(at);
    }
  }

  async function copy(button) {
    const input = document.querySelector(button.dataset.copy);
    const status = button.parentElement.querySelector('.copy-status');
    if (!input) return;
    let done = false;
    try {
      await navigator.clipboard.writeText(input.value);
      done = true;
    } catch (_) {
      input.focus();
      input.select();
    }
    if (status) status.textContent = done ? 'Copied.' : 'Selected: press Ctrl+C (or ⌘C) to copy.';
  }

  function copyButtons(root) {
    for (const button of root.querySelectorAll('button[data-copy]')) {
      if (button.dataset.ready) continue;
      button.dataset.ready = '1';
      button.hidden = false;
      button.addEventListener('click', () => copy(button));
    }
  }

  function enhance(root) {
    localTimes(root);
    copyButtons(root);
  }

  document.addEventListener('DOMContentLoaded', () => enhance(document));
  document.addEventListener('htmx:load', (event) => enhance(event.detail.elt || document));
})();
