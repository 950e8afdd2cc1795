import { Browser, Page } from 'playwright-core';
import { textIn } from '../support/conversations';
import { eventually, TestAccount, TestApp } from '../support/test-app';
import { launchChromium, listen, personIn, screenshot, signIn, until } from '../support/browser';

jest.setTimeout(120_000);

const DAY_MS = 86_400_000;
const FRONT_DESK = '+12025550100';
const SUPPORT_LINE = '+12025550101';
const MAYA = '+12015550777';
const ADMIN_PASSWORD = 'admin password 1';

/** Waits until the page's live indicator says Live (its event stream is open and its last refresh worked). */
async function live(page: Page): Promise<void> {
  await page.locator('#live-status[data-state="live"]').waitFor();
}

/** Whether the page scrolls sideways. */
function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

describe('console inbox in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let baseURL: string;
  let acme: TestAccount;
  let tess: { id: string; token: string };
  let theo: { id: string; token: string };
  let uma: { id: string; token: string };

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'console_inbox' });
    baseURL = await listen(t);
    browser = await launchChromium();
    acme = await t.account('Acme IT', {
      adminEmail: 'ada@acme.test',
      adminName: 'Ada Admin',
      subscribedAt: new Date(Date.now() - 90 * DAY_MS).toISOString(),
    });
    // The front desk is the support team's number: Tess and Theo are in the team, Uma is not.
    const frontDesk = await acme.addNumber(FRONT_DESK, 'Front desk');
    await acme.addNumber(SUPPORT_LINE, 'Support line');
    tess = await acme.technician('Tess Tech', 'tess@acme.test');
    theo = await acme.technician('Theo Tech', 'theo@acme.test');
    uma = await acme.technician('Uma Outside', 'uma@acme.test');
    const team = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body as { id: string };
    for (const member of [tess, theo])
      await acme.post(`/api/teams/${team.id}/members`, { userId: member.id }).expect(201);
    await acme.patch(`/api/sms/numbers/${frontDesk}`, { kind: 'group', teamId: team.id }).expect(200);
    for (const [person, password] of [
      [tess, 'tess password 1'],
      [theo, 'theo password 1'],
      [uma, 'uma password 1'],
    ] as const) {
      await acme.post(`/api/users/${person.id}/console-password`, { password }).expect(204);
    }
    await acme.post('/api/users/me/console-password', { password: ADMIN_PASSWORD }).expect(204);
    await acme.customer([{ number: MAYA, type: 'mobile' }], { name: 'Maya Customer' });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("keeps a refused reply on the thread, still live, and shows the other technician's reply and transfer as they happen", async () => {
    const theoBrowser = await personIn(browser, baseURL);
    const tessBrowser = await personIn(browser, baseURL);
    await signIn(theoBrowser.page, 'theo@acme.test', 'theo password 1');
    await signIn(tessBrowser.page, 'tess@acme.test', 'tess password 1');
    const theoPage = theoBrowser.page;
    const tessPage = tessBrowser.page;
    await theoPage.goto('/console/inbox');
    await live(theoPage);

    await textIn(t, MAYA, FRONT_DESK, 'The printer shows error 49');
    // Theo's open inbox lists it with its text, as waiting, and counts it in the navigation and the tab title.
    const item = theoPage.getByTestId('thread-list').getByRole('link', { name: /Maya Customer/ });
    await item.filter({ hasText: 'The printer shows error 49' }).waitFor();
    await item
      .getByTestId('waited')
      .filter({ hasText: /^waiting \d+ s$/ })
      .waitFor();
    await theoPage.getByTestId('inbox-nav-count').filter({ hasText: '1 waiting' }).waitFor();
    await until(
      () => theoPage.title(),
      (title) => title.startsWith('(1) Inbox'),
    );
    await theoPage.getByTestId('unread-count').filter({ hasText: '1 unread' }).waitFor();
    await item.click();
    await theoPage.waitForURL(/\/console\/inbox\/[0-9a-f-]{36}$/);
    const threadPath = new URL(theoPage.url()).pathname;
    await live(theoPage);

    // Theo writes a reply; his page has not heard yet that Tess claimed the thread (its refreshes are slow).
    await theoPage.getByLabel('Reply by SMS').fill('Theo here: try turning it off and on.');
    // The route stays until the page closes: removing it turns Chromium's request interception off, and doing that
    // while the refused page was loading left that page without its scripts about one run in five.
    const slow: { continue: () => Promise<void> }[] = [];
    let holding = true;
    const toThread = (url: URL) => url.pathname === threadPath;
    await theoPage.route(toThread, (route) =>
      holding && route.request().resourceType() === 'fetch' ? void slow.push(route) : route.continue(),
    );
    await tessPage.goto(threadPath);
    await tessPage.getByRole('button', { name: 'Claim' }).click();
    await tessPage.getByTestId('claim-bar').filter({ hasText: 'You hold this thread' }).waitFor();
    await until(
      () => Promise.resolve(slow.length),
      (n) => n > 0,
    );

    const refused = theoPage.waitForResponse((r) => r.url().endsWith(`${threadPath}/reply`));
    await theoPage.getByRole('button', { name: 'Send reply' }).click();
    expect((await refused).status()).toBe(409);
    holding = false;
    await theoPage.getByRole('alert').filter({ hasText: 'Tess Tech' }).waitFor();
    // The address bar is the thread's again, the draft is kept, and the page is live.
    await theoPage.waitForURL((url) => url.pathname === threadPath);
    expect(await theoPage.getByLabel('Reply by SMS').inputValue()).toBe('Theo here: try turning it off and on.');
    await live(theoPage);

    // Tess answers: Theo sees her reply, signed with her name, without reloading.
    await tessPage.getByLabel('Reply by SMS').fill('Tess here, a technician is on the way.');
    await tessPage.getByRole('button', { name: 'Send reply' }).click();
    const tessBubble = theoPage.getByTestId('bubble').filter({ hasText: 'Tess here, a technician is on the way.' });
    await tessBubble.waitFor();
    expect(await tessBubble.getByTestId('author').textContent()).toBe('Tess Tech');
    // Answered: the thread no longer says the customer waits.
    expect(await theoPage.locator('#thread-sub').textContent()).not.toContain('waiting');
    expect(await theoPage.getByTestId('live-status').getAttribute('data-state')).toBe('live');
    await screenshot(theoPage, 'inbox-after-refused-reply');

    // Tess can transfer only to people who can take the thread: Theo (in the team), not Uma.
    const choices = await tessPage.getByLabel('Transfer to').locator('option').allTextContents();
    expect(choices).toContain('Theo Tech');
    expect(choices).not.toContain('Uma Outside');
    await tessPage.getByLabel('Transfer to').selectOption({ label: 'Theo Tech' });
    await tessPage.getByRole('button', { name: 'Transfer' }).click();
    await theoPage.getByTestId('claim-bar').filter({ hasText: 'You hold this thread' }).waitFor();
    await live(theoPage);

    // An empty reply is refused with the reason; the page stays the thread's, and live.
    await theoPage.getByLabel('Reply by SMS').fill('');
    await theoPage.getByRole('button', { name: 'Send reply' }).click();
    await theoPage.getByRole('alert').filter({ hasText: 'body must not be empty' }).waitFor();
    await theoPage.waitForURL((url) => url.pathname === threadPath);
    await live(theoPage);

    // A reload of the refused action's address, and the address itself, show the thread.
    await theoPage.reload();
    expect(new URL(theoPage.url()).pathname).toBe(threadPath);
    const again = await theoPage.goto(`${threadPath}/reply`);
    expect(again?.status()).toBe(200);
    expect(new URL(theoPage.url()).pathname).toBe(threadPath);
    await theoPage.getByTestId('bubble').filter({ hasText: 'Tess here' }).waitFor();
    // Theo has read the thread: the list no longer marks it unread.
    await theoPage.goto('/console/inbox');
    await theoPage
      .getByTestId('thread-list')
      .getByRole('link', { name: /Maya Customer/ })
      .waitFor();
    expect(await theoPage.getByTestId('unread-count').count()).toBe(0);
    await theoBrowser.context.close();
    await tessBrowser.context.close();
  });

  it('says "Disconnected – reload" when its live refresh fails, instead of staying "Live"', async () => {
    const { context, page } = await personIn(browser, baseURL);
    await signIn(page, 'theo@acme.test', 'theo password 1');
    await page.goto('/console/inbox');
    await live(page);
    // The session ends in another tab: the stream closes and its reconnection is refused.
    const other = await context.newPage();
    await other.goto('/console/tickets');
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.waitForURL('**/console/sign-in');
    const status = page.getByTestId('live-status');
    await page.locator('#live-status[data-state="disconnected"]').waitFor({ timeout: 30_000 });
    expect(await status.textContent()).toBe('Disconnected – reload');
    expect(await status.getByRole('link').getAttribute('href')).toBe('/console/inbox');
    await context.close();
  });

  it('filters by waiting, mine, unassigned and number; a customer on two numbers is one entry', async () => {
    await textIn(t, MAYA, SUPPORT_LINE, 'Also: the scanner jams');
    const { context, page } = await personIn(browser, baseURL);
    await signIn(page, 'ada@acme.test', ADMIN_PASSWORD);
    await page.goto('/console/inbox');
    const maya = page.getByTestId('thread-list').locator('li').filter({ hasText: 'Maya Customer' });
    expect(await maya.count()).toBe(1);
    expect(await maya.textContent()).toContain('Also on');

    // Theo holds the front desk thread (transferred to him above); the support line's thread waits, unclaimed.
    await page.getByTestId('tab-waiting').click();
    await page.getByTestId('tab-waiting').and(page.locator('[aria-current="page"]')).waitFor();
    expect(await page.getByTestId('preview').allTextContents()).toEqual(['Also: the scanner jams']);
    await page.getByTestId('tab-unassigned').click();
    await page.getByTestId('tab-unassigned').and(page.locator('[aria-current="page"]')).waitFor();
    expect(await page.getByTestId('preview').allTextContents()).toEqual(['Also: the scanner jams']);
    await page.getByTestId('tab-mine').click();
    await page.getByTestId('thread-list').getByText('Nothing here.').waitFor();

    await page.getByTestId('tab-all').click();
    await page.getByLabel('Number').selectOption({ label: 'Front desk' });
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/number=/);
    const previews = await page.getByTestId('preview').allTextContents();
    expect(previews).toHaveLength(1);
    expect(previews[0]).toContain('Tess Tech: Tess here, a technician is on the way.');
    expect((await page.goto('/console/inbox?view=everything'))?.status()).toBe(422);
    // Other pages show the waiting count beside Inbox too.
    await page.goto('/console/tickets');
    await page.getByTestId('inbox-nav-count').filter({ hasText: '1 waiting' }).waitFor();
    await context.close();
  });

  it('at 390 px shows the open thread with its reply box without scrolling, and nothing sideways', async () => {
    const { context, page } = await personIn(browser, baseURL, { width: 390, height: 815 });
    await signIn(page, 'tess@acme.test', 'tess password 1');
    await page.goto('/console/inbox');
    await page
      .getByTestId('thread-list')
      .getByRole('link', { name: /Maya Customer/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Send reply' }).waitFor();
    for (const target of [page.getByLabel('Reply by SMS'), page.getByRole('button', { name: 'Send reply' })]) {
      const box = await target.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThanOrEqual(815);
    }
    expect(await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY)).toBe(0);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'inbox-thread-phone');
    await context.close();
  });

  it('notifies a technician who turned notifications on when a new text arrives', async () => {
    const { context, page } = await personIn(browser, baseURL);
    await context.grantPermissions(['notifications'], { origin: baseURL });
    // Records what the page shows as desktop notifications.
    await context.addInitScript(() => {
      const g = globalThis as unknown as { Notification: unknown; shown: { title: string; body: string }[] };
      g.shown = [];
      class Recorded {
        static permission = 'granted';
        static requestPermission() {
          return Promise.resolve('granted');
        }
        constructor(title: string, options: { body: string }) {
          g.shown.push({ title, body: options.body });
        }
      }
      g.Notification = Recorded;
    });
    await signIn(page, 'tess@acme.test', 'tess password 1');
    await page.goto('/console/inbox');
    await live(page);
    await page.getByRole('button', { name: 'Notify me of new texts' }).click();
    await page.getByRole('button', { name: 'Notifications on (turn off)' }).waitFor();
    await textIn(t, '+12015550888', FRONT_DESK, 'Is the office open on Saturday?');
    const shown = await until(
      () => page.evaluate(() => (globalThis as unknown as { shown: { title: string; body: string }[] }).shown),
      (list) => list.length > 0,
    );
    expect(shown[0]).toEqual({ title: 'New text', body: 'From +12015550888' });
    await context.close();
  });

  it('marks an automatic after-hours reply as automatic, not as a person', async () => {
    const contact = '+12015550999';
    await acme
      .put('/api/sms/settings', { businessHours: { timezone: 'America/New_York', weekly: [], holidays: [] } })
      .expect(200);
    await acme.put('/api/sms/after-hours/account', { enabled: true }).expect(200);
    try {
      await textIn(t, contact, FRONT_DESK, 'Anyone there tonight?');
      await eventually(
        () => Promise.resolve(t.twilio.sentMessages().filter((m) => m.to === contact)),
        (list) => list.length > 0,
      );
      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'tess@acme.test', 'tess password 1');
      await page.goto('/console/inbox');
      await page
        .getByTestId('thread-list')
        .getByRole('link', { name: /\(201\) 555-0999/ })
        .click();
      const automatic = page.getByTestId('bubble').filter({ has: page.getByTestId('author') });
      await automatic.first().waitFor();
      expect(await automatic.getByTestId('author').allTextContents()).toEqual(['Automatic after-hours reply']);
      expect(await automatic.getAttribute('class')).toContain('auto');
      await context.close();
    } finally {
      await acme.put('/api/sms/after-hours/account', { enabled: false }).expect(200);
      await acme.put('/api/sms/settings', { businessHours: null }).expect(200);
    }
  });
});
