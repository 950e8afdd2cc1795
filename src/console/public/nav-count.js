// The inbox's waiting count beside its navigation entry on every page, checked on load and each minute.
(function () {
  'use strict';
  if (document.getElementById('inbox') || !window.fetch) return;
  function check() {
    var badge = document.querySelector('[data-nav-count="inbox"]');
    if (!badge || document.hidden) return;
    fetch('/console/api/inbox/counts', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (counts) {
        if (!counts) return;
        badge.firstChild.textContent = String(counts.waiting);
        badge.hidden = counts.waiting === 0;
      })
      .catch(function () {
        /* a badge is a help; the page works without it */
      });
  }
  check();
  setInterval(check, 60000);
})();
