// Live inbox: on each conversation event, the list, the open thread and its claim bar are fetched again and swapped in,
// keeping whatever the technician is typing.
(function () {
  'use strict';
  var status = document.getElementById('live-status');
  if (!status || !window.EventSource) return;
  var refreshing = null;
  var again = false;
  function swap(doc, id) {
    var fresh = doc.getElementById(id);
    var old = document.getElementById(id);
    if (fresh && old) old.replaceWith(fresh);
  }
  function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = fetch(window.location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) {
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        swap(doc, 'thread-list');
        swap(doc, 'thread-messages');
        swap(doc, 'claim-bar');
        var bar = document.getElementById('claim-bar');
        var held = bar && bar.dataset.heldByOther === 'true';
        var reply = document.getElementById('reply');
        var send = document.getElementById('reply-send');
        if (reply) reply.disabled = held;
        if (send) send.disabled = held;
      })
      .catch(function () {
        /* the next event or a reload shows it */
      })
      .then(function () {
        refreshing = null;
        if (again) {
          again = false;
          refresh();
        }
      });
  }
  var source = new EventSource('/console/events');
  source.onopen = function () {
    status.textContent = 'Live: new texts appear here as they arrive.';
  };
  source.onerror = function () {
    status.textContent = 'Reconnecting for new texts…';
  };
  [
    'message.received',
    'conversation.replied',
    'conversation.claimed',
    'conversation.released',
    'conversation.transferred',
  ].forEach(function (type) {
    source.addEventListener(type, refresh);
  });
})();
