// Template editor: renders the draft as you type (against the chosen ticket) and shows errors with line and column.
(function () {
  'use strict';
  var area = document.getElementById('body');
  if (!area) return;
  var ticket = document.getElementById('preview-ticket');
  var text = document.getElementById('preview-text');
  var counter = document.getElementById('preview-counter');
  var problem = document.getElementById('template-problem');
  var broken = document.getElementById('preview-broken');
  var warning = document.getElementById('preview-warning');
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var timer = null;
  var seq = 0;
  function item(label, warn) {
    var li = document.createElement('li');
    li.textContent = label;
    if (warn) li.className = 'warn';
    return li;
  }
  function show(p) {
    problem.textContent = '';
    problem.hidden = true;
    broken.hidden = true;
    text.hidden = false;
    area.removeAttribute('aria-invalid');
    text.textContent = p.text;
    counter.replaceChildren(
      item(p.characters + ' characters'),
      item(p.encoding === 'GSM-7' ? 'GSM-7' : 'Unicode (UCS-2)', p.encoding !== 'GSM-7'),
      item(p.segments + (p.segments === 1 ? ' segment' : ' segments'), p.segments > 1),
      item(p.credits + (p.credits === 1 ? ' credit' : ' credits')),
    );
    // A template that usually needs two segments doubles the cost of every text it sends: say so.
    if (warning) {
      warning.textContent = p.warning || '';
      warning.hidden = !p.warning;
    }
  }
  // A broken draft has no render: the old one is taken away, so nobody mistakes it for what the draft sends.
  function fail(body) {
    var first = body && body.problems && body.problems[0];
    problem.textContent = first
      ? 'Line ' + first.line + ', column ' + first.column + ': ' + first.message
      : (body && body.message) || 'Cannot preview';
    problem.hidden = false;
    area.setAttribute('aria-invalid', 'true');
    text.textContent = '';
    text.hidden = true;
    counter.replaceChildren();
    if (warning) warning.hidden = true;
    broken.hidden = false;
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
      body: JSON.stringify({ body: area.value, ticketId: ticket.value || undefined }),
    })
      .then(function (r) {
        return r.json().then(function (b) {
          return { ok: r.ok, body: b };
        });
      })
      .then(function (r) {
        if (mine !== seq) return;
        if (r.ok) show(r.body);
        else fail(r.body);
      })
      .catch(function () {
        /* preview is a help; saving still validates */
      });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  }
  area.addEventListener('input', later);
  ticket.addEventListener('change', update);
  update();
})();
