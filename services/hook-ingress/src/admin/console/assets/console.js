// byot support console: progressive enhancement only (every page works without it). Served from the package;
// the Content-Security-Policy allows no other script and no inline script.

(() => {
  const live = () => document.querySelector('[data-refresh]');
  let paused = false;
  let timer;

  // Auto-refresh: re-fetch this page and swap its live region (#live) for the new one. Stops while the tab is
  // hidden or the reader paused it; a page that comes back without the region (the session ended) is reloaded.
  async function refresh() {
    const region = live();
    if (!region || paused || document.visibilityState !== 'visible') return schedule();
    try {
      const response = await fetch(window.location.href, {
        credentials: 'same-origin',
        headers: { accept: 'text/html' },
        cache: 'no-store',
      });
      const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
      const next = doc.getElementById(region.id);
      if (!response.ok || !next) {
        window.location.reload();
        return;
      }
      region.replaceWith(document.adoptNode(next));
      document.dispatchEvent(new CustomEvent('console:refreshed'));
    } catch {
      // Offline for a moment: try again at the next tick.
    }
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    const region = live();
    const seconds = Number(region?.getAttribute('data-refresh'));
    if (region && seconds > 0) timer = setTimeout(refresh, seconds * 1000);
  }

  function bindToggle() {
    for (const button of document.querySelectorAll('[data-refresh-toggle]')) {
      button.setAttribute('aria-pressed', String(paused));
      button.textContent = paused ? 'Resume auto-refresh' : 'Pause auto-refresh';
    }
  }

  document.addEventListener('click', (event) => {
    const toggle = event.target instanceof Element && event.target.closest('[data-refresh-toggle]');
    if (!toggle) return;
    paused = !paused;
    bindToggle();
    if (!paused) refresh();
  });

  // Actions ask before they change anything: <form data-confirm="Lift the block on +1•••23?">.
  document.addEventListener('submit', (event) => {
    const form = event.target;
    const question = form instanceof HTMLFormElement && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Filter forms apply a choice at once: <form data-autosubmit>.
  document.addEventListener('change', (event) => {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.form?.hasAttribute('data-autosubmit'))
      field.form.requestSubmit();
  });

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refresh();
  });
  document.addEventListener('console:refreshed', bindToggle);
  document.addEventListener('DOMContentLoaded', () => {
    bindToggle();
    schedule();
  });
})();
