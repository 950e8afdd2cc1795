import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, TestAccount, TestApp } from '../support/test-app';
import { launchChromium, listen, signIn } from '../support/browser';

jest.setTimeout(300_000);

const DAY_MS = 86_400_000;
/** Screenshots of every page at both widths, for people to look at; var/ is not committed. */
const SHOTS = join(__dirname, '..', '..', 'var', 'screenshots');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [
  { name: 'desktop', viewport: { width: 1280, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's findings on the page as it is now, serious and critical ones only (WCAG 2.1 A/AA and best practice). */
async function seriousAxeFindings(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const { violations, passes } = await page.evaluate(async () => {
    type Axe = { run: (o: object) => Promise<{ violations: unknown[]; passes: unknown[] }> };
    const axe = (globalThis as unknown as { axe: Axe }).axe;
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return { violations: result.violations, passes: result.passes.length };
  });
  // No rule passed: axe did not look at the page, which is no clean bill.
  if (passes === 0) return ['axe checked nothing'];
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** How far the page scrolls sideways: 0 when everything fits the window's width. */
function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { document: { scrollingElement: { scrollWidth: number } }; innerWidth: number };
    return g.document.scrollingElement.scrollWidth - g.innerWidth;
  });
}

describe('every console page at 1280 and 390 px: no sideways scrolling, no serious accessibility issue', () => {
  let t: TestApp;
  let browser: Browser;
  let baseURL: string;
  let acme: TestAccount;
  const pages: { name: string; path: string; who: 'admin' | 'tech' | 'nobody'; heading: RegExp }[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await TestApp.start({ suite: 'console_layout' });
    baseURL = await listen(t);
    browser = await launchChromium();
    acme = await t.account('Acme IT', {
      adminEmail: 'ada@acme.test',
      adminName: 'Ada Admin',
      subscribedAt: new Date(Date.now() - 90 * DAY_MS).toISOString(),
    });
    await acme.post('/api/users/me/console-password', { password: 'admin password 1' }).expect(204);
    const tess = await acme.technician('Tess Tech', 'tess@acme.test');
    await acme.post(`/api/users/${tess.id}/console-password`, { password: 'tess password 1' }).expect(204);
    const team = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body as { id: string };
    await acme.post(`/api/teams/${team.id}/members`, { userId: tess.id }).expect(201);
    const numberId = await acme.addNumber('+12025550100', 'Front desk');
    const customerId = await acme.customer([{ number: '+19175550188', type: 'mobile' }], {
      name: 'Carla Customer with a rather long name',
    });
    const ticket = await acme.ticket(customerId, tess.token, 'Laptop will not boot after the latest update');
    await eventually(
      () => Promise.resolve(t.twilio.sentMessages().filter((m) => m.to === '+19175550188')),
      (sent) => sent.length > 0,
    );
    // A text from the customer makes a conversation for the inbox's thread page.
    const sid = `SM${randomBytes(16).toString('hex')}`;
    await t
      .postTwilio('/webhooks/twilio/inbound', {
        MessageSid: sid,
        SmsMessageSid: sid,
        SmsSid: sid,
        AccountSid: t.twilio.accountSid,
        From: '+19175550188',
        To: '+12025550100',
        Body: 'Still black screen, what should I do?',
        NumMedia: '0',
        NumSegments: '1',
        ApiVersion: '2010-04-01',
      })
      .expect(200);
    await t.inboundHandled('+19175550188');
    const conversations = (await acme.get('/api/sms/conversations').expect(200)).body as {
      conversations: { id: string }[];
    };
    const conversationId = conversations.conversations[0].id;
    const canned = (
      await acme
        .post('/api/sms/canned-replies', {
          name: 'On my way',
          body: 'Hi {{customer.firstName}}, {{technician.firstName}} is on the way for #{{ticket.number}}.',
          teamId: team.id,
        })
        .expect(201)
    ).body as { id: string };

    pages.push(
      { name: 'sign-in', path: '/console/sign-in', who: 'nobody', heading: /Sign in/ },
      { name: 'tickets', path: '/console/tickets', who: 'tech', heading: /Tickets/ },
      { name: 'ticket', path: `/console/tickets/${ticket.id}`, who: 'tech', heading: /Laptop will not boot/ },
      { name: 'inbox', path: '/console/inbox', who: 'tech', heading: /Inbox/ },
      { name: 'inbox-thread', path: `/console/inbox/${conversationId}`, who: 'tech', heading: /Inbox|Carla Customer/ },
      { name: 'profile', path: '/console/profile', who: 'tech', heading: /My profile/ },
      { name: 'compose', path: '/console/compose', who: 'tech', heading: /New text/ },
      { name: 'canned-replies-tech', path: '/console/canned-replies', who: 'tech', heading: /Canned replies/ },
      { name: 'canned-replies', path: '/console/canned-replies', who: 'admin', heading: /Canned replies/ },
      { name: 'canned-reply', path: `/console/canned-replies/${canned.id}`, who: 'admin', heading: /On my way/ },
      { name: 'templates', path: '/console/templates', who: 'admin', heading: /SMS templates/ },
      { name: 'template', path: '/console/templates/ticket_update', who: 'admin', heading: /ticket_update/ },
      { name: 'credits', path: '/console/credits', who: 'admin', heading: /Credits/ },
      { name: 'numbers', path: '/console/numbers', who: 'admin', heading: /Numbers/ },
      { name: 'number', path: `/console/numbers/${numberId}`, who: 'admin', heading: /\(202\) 555-0100/ },
      { name: 'users', path: '/console/users', who: 'admin', heading: /Users/ },
      { name: 'user', path: `/console/users/${tess.id}`, who: 'admin', heading: /Tess Tech/ },
      { name: 'settings', path: '/console/settings', who: 'admin', heading: /Settings/ },
      { name: 'admin-profile', path: '/console/profile', who: 'admin', heading: /My profile/ },
    );
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  for (const width of WIDTHS) {
    it(`fits ${width.viewport.width} px on every page, passes axe, and writes a screenshot of each`, async () => {
      const contexts: BrowserContext[] = [];
      // axe is injected as an inline script, which the console's Content-Security-Policy rightly refuses.
      const open = async (email?: string, password?: string): Promise<Page> => {
        const context = await browser.newContext({ baseURL, viewport: width.viewport, bypassCSP: true });
        contexts.push(context);
        const page = await context.newPage();
        if (email && password) await signIn(page, email, password);
        return page;
      };
      const as = {
        nobody: await open(),
        admin: await open('ada@acme.test', 'admin password 1'),
        tech: await open('tess@acme.test', 'tess password 1'),
      };
      const problems: string[] = [];
      for (const target of pages) {
        const page = as[target.who];
        const response = await page.goto(target.path);
        expect(`${target.name}: ${response?.status()}`).toBe(`${target.name}: 200`);
        await page.getByRole('heading', { level: 1, name: target.heading }).waitFor();
        await page.screenshot({ path: join(SHOTS, `${target.name}-${width.name}.png`), fullPage: true });
        const overflow = await sidewaysScroll(page);
        if (overflow > 0) problems.push(`${target.name} scrolls ${overflow} px sideways`);
        for (const finding of await seriousAxeFindings(page)) problems.push(`${target.name}: ${finding}`);
      }
      // A refused form too: its error list, the errors at the fields and the fields marked invalid.
      await as.admin.goto('/console/settings');
      await as.admin.getByLabel('Time zone').fill('Mars/Olympus');
      await as.admin.getByRole('button', { name: 'Save hours' }).click();
      await as.admin.locator('#timezone-error').waitFor();
      await as.admin.screenshot({ path: join(SHOTS, `settings-errors-${width.name}.png`), fullPage: true });
      const overflow = await sidewaysScroll(as.admin);
      if (overflow > 0) problems.push(`settings with errors scrolls ${overflow} px sideways`);
      for (const finding of await seriousAxeFindings(as.admin)) problems.push(`settings with errors: ${finding}`);

      expect(problems).toEqual([]);
      for (const context of contexts) await context.close();
    });
  }
});
