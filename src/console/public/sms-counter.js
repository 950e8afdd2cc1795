// Live SMS counter: asks the console how a draft would go (characters, encoding, segments, credits, business hours).
(function () {
  'use strict';
  var csrf = document.querySelector('meta[name="csrf-token"]');
  document.querySelectorAll('textarea[data-preview-url]').forEach(function (area) {
    var counter = document.getElementById(area.getAttribute('aria-describedby'));
    var timer = null;
    var seq = 0;
    function item(text, warn) {
      var li = document.createElement('li');
      li.textContent = text;
      if (warn) li.className = 'warn';
      return li;
    }
    function show(p) {
      counter.replaceChildren();
      if (!area.value.trim()) {
        counter.append(item('Leave empty to send no SMS.'));
        return;
      }
      counter.append(item(p.characters + ' characters', p.tooLong));
      counter.append(item(p.encoding === 'GSM-7' ? 'GSM-7' : 'Unicode (UCS-2)', p.encoding !== 'GSM-7'));
      counter.append(item(p.segments + (p.segments === 1 ? ' segment' : ' segments'), p.segments > 1));
      if (p.messages > 1) counter.append(item('sent as ' + p.messages + ' texts'));
      counter.append(item(p.credits + (p.credits === 1 ? ' credit' : ' credits')));
      counter.append(item(p.schedule.label, !p.schedule.now));
      if (p.tooLong) counter.append(item('Too long: 1,600 characters at most', true));
      if (p.blocked) counter.append(item(p.blocked + ': no SMS will be sent', true));
    }
    function update() {
      var mine = ++seq;
      fetch(area.dataset.previewUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-CSRF-Token': csrf ? csrf.content : '',
        },
        credentials: 'same-origin',
        body: JSON.stringify({ smsBody: area.value }),
      })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (p) {
          if (p && mine === seq) show(p);
        })
        .catch(function () {
          /* the counter is a help; the form still posts without it */
        });
    }
    area.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(update, 150);
    });
    if (area.value) update();
  });
})();
