// Live ticket: the stream follows the customer's texts as they arrive, and texts still on their way are checked
// every 15 s until they reach a final status.
(function () {
  'use strict';
  var root = document.getElementById('ticket-live');
  if (!root || !window.consoleLive) return;
  var phones = (root.dataset.phones || '').split(' ').filter(Boolean);
  // The status select follows the ticket's status until the technician picks one, so a save never undoes a change
  // (a customer's reply) that arrived while the page was open.
  var select = document.getElementById('status');
  var picked = false;
  if (select)
    select.addEventListener('change', function () {
      picked = true;
    });
  window.consoleLive({
    url: root.dataset.pageUrl,
    swap: ['ticket-stream', 'ticket-status'],
    events: ['message.received', 'conversation.replied'],
    liveText: 'texts and their statuses update here.',
    every: 15000,
    when: function () {
      var stream = document.getElementById('ticket-stream');
      return stream && stream.dataset.pending === 'true';
    },
    afterSwap: function (doc) {
      var fresh = doc.getElementById('status');
      if (select && fresh && !picked) select.value = fresh.value;
    },
    onEvent: function (type, data) {
      return !data || !data.contactPhone || phones.indexOf(data.contactPhone) !== -1;
    },
  });
})();
