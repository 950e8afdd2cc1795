/** What the customer's page shows: public comments only, already filtered by the caller. */
export interface PortalView {
  accountName: string;
  timezone: string;
  ticket: { number: number; subject: string; status: string; createdAt: Date };
  comments: {
    author: string;
    fromCustomer: boolean;
    body: string;
    createdAt: Date;
    attachments: { id: string; fileName: string; hasThumbnail: boolean }[];
  }[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Everything that reaches the page from a customer or a technician goes through here. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function paragraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

function when(date: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: timezone }).format(date);
}

const STYLE = `
  body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
  main{max-width:40rem;margin:0 auto;padding:1rem}
  header{margin-bottom:1rem} h1{font-size:1.3rem;margin:.2rem 0} .meta{color:#5b6475;font-size:.9rem}
  .status{display:inline-block;padding:.1rem .5rem;border-radius:1rem;background:#e3e8f4;font-size:.85rem}
  article{background:#fff;border-radius:.6rem;padding:.8rem 1rem;margin:.8rem 0;box-shadow:0 1px 2px #0001}
  article.customer{border-left:4px solid #3b82f6} article p{margin:.4rem 0;overflow-wrap:anywhere}
  .photos{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.5rem} .photos img{max-width:9rem;max-height:9rem;border-radius:.3rem;display:block}
  footer{color:#5b6475;font-size:.8rem;text-align:center;margin:2rem 0}`;

/** The portal page: plain HTML, no script, readable on a phone. Links are relative to the page's own URL. */
export function renderPortalPage(view: PortalView, token: string): string {
  const base = `${encodeURIComponent(token)}/attachments`;
  const comments = view.comments
    .map((c) => {
      const photos = c.attachments
        .map((a) => {
          const href = `${base}/${a.id}`;
          const label = escapeHtml(a.fileName);
          return a.hasThumbnail
            ? `<a href="${href}"><img src="${href}/thumbnail" alt="${label}" loading="lazy"></a>`
            : `<a href="${href}">${label}</a>`;
        })
        .join('');
      return `<article class="${c.fromCustomer ? 'customer' : 'staff'}">
<div class="meta"><strong>${escapeHtml(c.author)}</strong> · ${escapeHtml(when(c.createdAt, view.timezone))}</div>
${paragraphs(c.body)}${photos ? `<div class="photos">${photos}</div>` : ''}
</article>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Request #${view.ticket.number} · ${escapeHtml(view.accountName)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<div class="meta">${escapeHtml(view.accountName)} · request #${view.ticket.number}</div>
<h1>${escapeHtml(view.ticket.subject)}</h1>
<span class="status">${escapeHtml(view.ticket.status)}</span> <span class="meta">opened ${escapeHtml(when(view.ticket.createdAt, view.timezone))}</span>
</header>
${comments || '<p class="meta">No updates yet.</p>'}
<footer>Reply to our text message to add details or photos.</footer>
</main>
</body>
</html>`;
}

export function renderPortalNotFound(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>Link not valid</title><style>${STYLE}</style></head>
<body><main><h1>This link is not valid</h1><p>Please use the latest link we texted you, or reply to our text message.</p></main></body></html>`;
}
