// Live inbox: list, thread and claim bar follow the server's conversation events; a refused action's page puts the
// thread's own address back in the address bar, so a reload and the live refresh ask for the thread.
(function () {
  'use strict';
  var inbox = document.getElementById('inbox');
  if (!inbox || !window.consoleLive) return;
  var url = inbox.dataset.threadUrl;
  if (url && window.location.pathname + window.location.search !== url) window.history.replaceState(null, '', url);
  var current = inbox.dataset.conversation;
  var NOTIFY_KEY = 'tsms-notify';

  function scrollThread(force) {
    var box = document.getElementById('thread-messages');
    if (!box) return;
    if (force || box.scrollHeight - box.scrollTop - box.clientHeight < 80) box.scrollTop = box.scrollHeight;
  }

  function applyHold() {
    var bar = document.getElementById('claim-bar');
    var held = bar && bar.dataset.heldByOther === 'true';
    var reply = document.getElementById('reply');
    var send = document.getElementById('reply-send');
    if (reply) reply.disabled = held;
    if (send) send.disabled = held;
  }

  // Desktop notification and a short tone for a new text, once the technician turned them on (a click lets both).
  var toggle = document.getElementById('notify-toggle');
  var audio = null;
  function notifying() {
    return window.localStorage.getItem(NOTIFY_KEY) === 'on';
  }
  function label() {
    toggle.textContent = notifying() ? 'Notifications on (turn off)' : 'Notify me of new texts';
  }
  if (toggle && 'Notification' in window) {
    toggle.hidden = false;
    label();
    toggle.addEventListener('click', function () {
      if (notifying()) {
        window.localStorage.removeItem(NOTIFY_KEY);
        label();
        return;
      }
      var AudioContext = window.AudioContext || window.webkitAudioContext;
      if (AudioContext) audio = new AudioContext();
      window.Notification.requestPermission().then(function (permission) {
        if (permission === 'granted') window.localStorage.setItem(NOTIFY_KEY, 'on');
        label();
      });
    });
  }
  function tone() {
    if (!audio) return;
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.08;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.15);
  }
  function announce(data) {
    if (!data || !notifying() || !('Notification' in window) || window.Notification.permission !== 'granted') return;
    if (!document.hidden && data.conversationId === current) return;
    new window.Notification('New text', { body: 'From ' + data.contactPhone, tag: data.conversationId });
    tone();
  }

  window.consoleLive({
    url: url || window.location.pathname,
    swap: ['thread-list', 'inbox-filters', 'thread-sub', 'thread-messages', 'claim-bar'],
    events: [
      'message.received',
      'conversation.replied',
      'conversation.claimed',
      'conversation.released',
      'conversation.transferred',
    ],
    liveText: 'new texts appear here as they arrive.',
    every: 60000,
    onEvent: function (type, data) {
      if (type === 'message.received') announce(data);
    },
    afterSwap: function () {
      applyHold();
      scrollThread(false);
    },
  });
  scrollThread(true);
})();
