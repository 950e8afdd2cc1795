import { escapeHtml, renderPortalPage } from './portal-page';

describe('portal page', () => {
  const view = {
    accountName: 'Acme <IT>',
    timezone: 'America/New_York',
    ticket: {
      number: 1001,
      subject: '<script>alert(1)</script>',
      status: 'Customer Reply',
      createdAt: new Date('2026-03-10T12:00:00Z'),
    },
    comments: [
      {
        author: 'Carla "C" Customer',
        fromCustomer: true,
        body: 'Line one\nline two\n\n<img src=x onerror=alert(1)>',
        createdAt: new Date('2026-03-10T13:00:00Z'),
        attachments: [{ id: '11111111-1111-4111-8111-111111111111', fileName: 'photo-1.jpg', hasThumbnail: true }],
      },
    ],
  };

  it('escapes everything that came from a person', () => {
    const html = renderPortalPage(view, 'tok_en-123');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Carla &quot;C&quot; Customer');
    expect(html).toContain('Acme &lt;IT&gt;');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('links each thumbnail to the full picture, relative to the page, and fits a phone', () => {
    const html = renderPortalPage(view, 'tok_en-123');
    expect(html).toContain(
      '<a href="tok_en-123/attachments/11111111-1111-4111-8111-111111111111"><img src="tok_en-123/attachments/11111111-1111-4111-8111-111111111111/thumbnail"',
    );
    expect(html).toContain('name="viewport"');
    expect(html).toContain('<p>Line one<br>line two</p>');
  });
});
