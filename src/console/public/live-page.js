// Live pages (inbox, ticket): on a server event or a timer the page's own address is fetched again and the marked
// parts swapped in, keeping what the technician types. A refresh that fails says so ("Disconnected – reload") and
// stops, rather than leaving a page that claims to be live.
(function () {
  'use strict';
  var STATES = {
    connecting: 'Connecting for live updates…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    disconnected: 'Disconnected – reload',
  };

  /**
   * options: url (the page's own address), swap (element ids), events (server event types), liveText (what "Live"
   * says here), every (ms between timed refreshes, 0 for none), when() (whether a timed refresh is needed now),
   * onEvent(type, data) (false: this event is not about the page), afterSwap(doc).
   */
  window.consoleLive = function (options) {
    var status = document.getElementById('live-status');
    if (!status || !window.EventSource || !window.fetch) return null;
    var state = 'connecting';
    var refreshing = null;
    var again = false;
    var source = null;
    var timer = null;

    function show(next) {
      state = next;
      status.dataset.state = next;
      status.replaceChildren();
      if (next === 'disconnected') {
        var link = document.createElement('a');
        link.href = options.url;
        link.textContent = STATES.disconnected;
        status.append(link);
        return;
      }
      status.textContent = next === 'live' ? STATES.live + ': ' + options.liveText : STATES[next];
    }

    function disconnect() {
      if (source) source.close();
      if (timer) clearInterval(timer);
      show('disconnected');
    }

    function swap(doc, id) {
      var fresh = doc.getElementById(id);
      var old = document.getElementById(id);
      if (fresh && old) old.replaceWith(fresh);
    }

    function refresh() {
      if (state === 'disconnected') return;
      if (refreshing) {
        again = true;
        return;
      }
      refreshing = fetch(options.url, {
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { Accept: 'text/html' },
      })
        .then(function (r) {
          // A redirect (signed out) or an error page is not this page any more.
          if (!r.ok || r.type === 'opaqueredirect') throw new Error('refresh answered ' + r.status);
          return r.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          if (!doc.getElementById(options.swap[0])) throw new Error('refresh returned another page');
          options.swap.forEach(function (id) {
            swap(doc, id);
          });
          document.title = doc.title;
          var badge = doc.querySelector('[data-nav-count]');
          var mine = document.querySelector('[data-nav-count]');
          if (badge && mine) mine.replaceWith(badge);
          if (options.afterSwap) options.afterSwap(doc);
          if (state !== 'reconnecting') show(source && source.readyState === 1 ? 'live' : state);
        })
        .catch(disconnect)
        .then(function () {
          refreshing = null;
          if (again) {
            again = false;
            refresh();
          }
        });
    }

    source = new EventSource('/console/events');
    var lost = false;
    source.onopen = function () {
      if (state === 'disconnected') return;
      show('live');
      // Events sent while the connection was down are gone: catch up once.
      if (lost) refresh();
      lost = false;
    };
    source.onerror = function () {
      if (state === 'disconnected') return;
      lost = true;
      if (source.readyState === 2) disconnect();
      else show('reconnecting');
    };
    options.events.forEach(function (type) {
      source.addEventListener(type, function (e) {
        var data = null;
        try {
          data = JSON.parse(e.data);
        } catch {
          data = null;
        }
        if (options.onEvent && options.onEvent(type, data) === false) return;
        refresh();
      });
    });
    if (options.every) {
      timer = setInterval(function () {
        if (!document.hidden && (!options.when || options.when())) refresh();
      }, options.every);
    }
    window.addEventListener('pagehide', function () {
      if (source) source.close();
    });
    return { refresh: refresh };
  };
})();
