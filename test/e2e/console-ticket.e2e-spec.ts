import { Browser, Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { textIn } from '../support/conversations';
import { eventually, TestAccount, TestApp } from '../support/test-app';
import { counterShows, launchChromium, listen, personIn, screenshot, signIn } from '../support/browser';

jest.setTimeout(120_000);

const DAY_MS = 86_400_000;
const ZONE = 'America/New_York';
const LONG_UPDATE =
  'Your laptop is repaired: we replaced the SSD, reinstalled the system and restored your files from the backup. ' +
  'Please check that your mail and calendar are as you left them, and bring the charger when you pick it up. ' +
  'The front desk is open until six; ask for Tom.';

describe('console ticket page in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let baseURL: string;
  let seq = 0;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'console_ticket' });
    baseURL = await listen(t);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** An account with the front desk number and Tom, a technician signed in to the console in his own browser. */
  async function shop(name: string, allowance?: number) {
    const adminEmail = `admin.${seq}@shop.test`;
    const account = await t.account(name, {
      adminEmail,
      subscribedAt: new Date(Date.now() - 90 * DAY_MS).toISOString(),
    });
    if (allowance !== undefined) {
      await t.db.query(`INSERT INTO sms_credit_balances (account_id, monthly_allowance) VALUES ($1, $2)`, [
        account.id,
        allowance,
      ]);
    }
    const frontDesk = `+1202555${String(100 + seq++).padStart(4, '0')}`;
    await account.addNumber(frontDesk, 'Front desk');
    const email = `tom.${seq}@shop.test`;
    const tom = await account.technician('Tom Tech', email);
    await account.post(`/api/users/${tom.id}/console-password`, { password: 'tom password 1' }).expect(204);
    const mobile = `+1201555${String(100 + seq++).padStart(4, '0')}`;
    const { context, page } = await personIn(browser, baseURL);
    await signIn(page, email, 'tom password 1');
    return { account, adminEmail, tom: { ...tom, email }, mobile, frontDesk, context, page };
  }

  function comments(account: TestAccount, ticketId: string): Promise<{ body: string }[]> {
    return account
      .get(`/api/tickets/${ticketId}`)
      .expect(200)
      .then((r) => r.body.comments as { body: string }[]);
  }

  async function saveUpdate(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Save update' }).click();
    await page.locator('.alert').first().waitFor();
  }

  it('shows comments and texts as one stream: one entry per text with its status, number and author, updated live', async () => {
    const { account, tom, mobile, frontDesk, context, page } = await shop('Stream Shop');
    const customerId = await account.customer([{ number: mobile, type: 'mobile' }], { name: 'Carla Customer' });
    const ticket = await account.ticket(customerId, tom.token, 'Laptop will not boot', 'Black screen.');
    await page.goto(`/console/tickets/${ticket.id}`);
    await live(page);

    await page.getByLabel(/^SMS to Carla Customer/).fill(LONG_UPDATE);
    await counterShows(page, 'sms-counter', 'sent as 3 texts');
    await saveUpdate(page);
    expect(await page.locator('.alert-ok').textContent()).toBe(
      `Update saved and the SMS is on its way to ${national(mobile)}.`,
    );
    // Twilio gets the ticket's first text (one part) and the update's three parts.
    await eventually(
      () => Promise.resolve(t.twilio.sentMessages().filter((m) => m.to === mobile)),
      (list) => list.length === 4,
    );

    // The update is one entry with one text line (not one per part): from the front desk, by Tom, with its status.
    const update = page.getByTestId('stream-entry').filter({ hasText: 'Your laptop is repaired' });
    expect(await update.count()).toBe(1);
    const line = update.getByTestId('sms-line');
    expect(await line.count()).toBe(1);
    expect(await line.textContent()).toContain('3 parts');
    expect(await line.getByTestId('sms-number').textContent()).toBe(`Front desk (${national(frontDesk)})`);
    expect(await line.getByTestId('sms-author').textContent()).toBe('by Tom Tech');
    // The text as the customer got it, whole: the parts joined without their "(1/3)" markers.
    expect(await update.getByTestId('sms-text').textContent()).toContain('that your mail and calendar');
    expect(await update.getByTestId('sms-text').textContent()).not.toContain('(1/3)');
    // The page follows the parts to the provider without a reload.
    await line
      .getByTestId('sms-status')
      .filter({ hasText: /^(queued|sent|delivered)$/ })
      .waitFor({ timeout: 30_000 });
    // The ticket's first text (one SMS) is an entry too, written when Tom opened the ticket.
    const first = page.getByTestId('stream-entry').filter({ hasText: 'opened request' });
    expect(await first.getByTestId('sms-line').count()).toBe(1);
    expect(await first.getByTestId('sms-line').textContent()).not.toContain('parts');
    // Phone numbers show in the account's national format, with E.164 on hover.
    expect(await line.locator('.phone').first().getAttribute('title')).toBe(mobile);

    // The customer answers: the reply appears in the open page, newest first, with the number it came to.
    await textIn(t, mobile, frontDesk, 'Thanks, I will come at five');
    const reply = page.getByTestId('stream-entry').first();
    await reply.filter({ hasText: 'Thanks, I will come at five' }).waitFor();
    expect(await reply.getByTestId('sms-line').textContent()).toContain(
      `SMS from ${national(mobile)} to Front desk (${national(frontDesk)})`,
    );
    expect(await page.getByTestId('live-status').getAttribute('data-state')).toBe('live');
    // The reply changed the ticket's status; the form follows, so saving next does not set it back.
    await page.getByTestId('ticket-status').filter({ hasText: 'Customer Reply' }).waitFor();
    expect(await page.getByLabel('Status').inputValue()).toBe('Customer Reply');
    await screenshot(page, 'ticket-stream');
    await context.close();

    // On a phone the stream, its text lines and the form fit the width: nothing scrolls sideways.
    const phone = await personIn(browser, baseURL, { width: 390, height: 815 });
    await signIn(phone.page, tom.email, 'tom password 1');
    await phone.page.goto(`/console/tickets/${ticket.id}`);
    await phone.page.getByTestId('stream-entry').filter({ hasText: 'Thanks, I will come at five' }).waitFor();
    expect(await sidewaysOverflow(phone.page)).toBeLessThanOrEqual(0);
    await screenshot(phone.page, 'ticket-stream-phone');
    await phone.context.close();
  });

  it('sends the SMS from the number chosen in the form, and shows that number on the text', async () => {
    const { account, tom, mobile, context, page } = await shop('Two Numbers Shop');
    const supportLine = `+1202555${String(100 + seq++).padStart(4, '0')}`;
    await account.addNumber(supportLine, 'Support line');
    const customerId = await account.customer([{ number: mobile, type: 'mobile' }], { name: 'Nina Numbers' });
    const ticket = await account.ticket(customerId, tom.token, 'Phone line dead', 'No dial tone.');
    await page.goto(`/console/tickets/${ticket.id}`);
    await page.getByLabel(/^SMS to Nina Numbers/).fill('A technician calls you from the support line.');
    await page.getByLabel('Send the SMS from').selectOption({ label: `Support line (${national(supportLine)})` });
    await saveUpdate(page);
    const sent = await eventually(
      () => Promise.resolve(t.twilio.sentMessages().filter((m) => m.body.includes('calls you from the support'))),
      (list) => list.length === 1,
    );
    expect(sent[0].from).toBe(supportLine);
    const line = page
      .getByTestId('stream-entry')
      .filter({ hasText: 'calls you from the support line' })
      .getByTestId('sms-number');
    expect(await line.textContent()).toBe(`Support line (${national(supportLine)})`);
    await context.close();
  });

  it('refuses an empty update with the reason and adds no comment', async () => {
    const { account, tom, mobile, context, page } = await shop('Empty Shop');
    const customerId = await account.customer([{ number: mobile, type: 'mobile' }], { name: 'Eve Empty' });
    const ticket = await account.ticket(customerId, tom.token, 'Mouse broken', 'It clicks twice.');
    const before = await comments(account, ticket.id);
    await page.goto(`/console/tickets/${ticket.id}`);
    const answer = page.waitForResponse((r) => r.url().endsWith('/updates') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Save update' }).click();
    expect((await answer).status()).toBe(422);
    expect(await page.getByRole('alert').textContent()).toBe(
      'Nothing to save: write a comment or an SMS, or change the status',
    );
    expect(await comments(account, ticket.id)).toEqual(before);
    // Changing only the status is an update.
    await page.getByLabel('Status').selectOption('Waiting on Customer');
    await saveUpdate(page);
    expect(await page.locator('.alert-ok').textContent()).toBe('Update saved.');
    expect((await comments(account, ticket.id)).length).toBe(before.length + 1);
    await context.close();
  });

  it('says an SMS saved while closed is scheduled for Monday 09:00, and shows it so in the stream', async () => {
    const { account, tom, mobile, context, page } = await shop('Closed Shop');
    const customerId = await account.customer([{ number: mobile, type: 'mobile' }], { name: 'Sam Saturday' });
    const ticket = await account.ticket(customerId, tom.token, 'Printer jam', 'Paper stuck.');
    // Open Mondays only (Wednesdays when today is Monday, so that it is closed now).
    const today = DateTime.now().setZone(ZONE);
    const openDay = today.weekday === 1 ? 3 : 1;
    await account
      .put('/api/sms/settings', {
        businessHoursOnly: true,
        businessHours: { timezone: ZONE, weekly: [{ day: openDay, start: '09:00', end: '17:00' }], holidays: [] },
      })
      .expect(200);
    const dayName = openDay === 1 ? 'Monday' : 'Wednesday';
    const when = new RegExp(`${dayName}( \\d+ \\w+)? 09:00`);
    await page.goto(`/console/tickets/${ticket.id}`);
    await page.getByLabel(/^SMS to Sam Saturday/).fill('The part arrives next week.');
    await counterShows(page, 'sms-counter', `Goes out ${dayName} 09:00 (business hours)`);
    await saveUpdate(page);
    const notice = (await page.locator('.alert-ok').textContent()) ?? '';
    expect(notice).toMatch(
      new RegExp(`^Update saved\\. The SMS is scheduled for ${when.source} \\(business hours\\)\\.$`),
    );
    const line = page
      .getByTestId('stream-entry')
      .filter({ hasText: 'The part arrives next week.' })
      .getByTestId('sms-status');
    expect(await line.textContent()).toMatch(new RegExp(`^scheduled for ${when.source}$`));
    await context.close();
  });

  it('warns at 0 credits with texts held, and the counter and the notice say the text will be held', async () => {
    const { account, adminEmail, tom, mobile, context, page } = await shop('Broke Shop', 0);
    const customerId = await account.customer([{ number: mobile, type: 'mobile' }], { name: 'Hana Held' });
    const ticket = await account.ticket(customerId, tom.token, 'No network', 'Cable unplugged?');
    for (const body of ['First check the cable.', 'Then restart the router.'])
      await account.post(`/api/tickets/${ticket.id}/updates`, { smsBody: body }, tom.token).expect(201);
    await eventually(
      () => account.sms(ticket.id),
      // The first text goes whole or not at all: its first part is held, the second waits behind it.
      (rows) => rows.filter((r) => r.status === 'held_no_credit').length === 3,
    );
    await page.goto(`/console/tickets/${ticket.id}`);
    expect(await page.getByTestId('credit-warning').textContent()).toBe(
      'SMS credits have run out · 3 texts already held. New texts wait too, until credits are added.',
    );
    await page.getByLabel(/^SMS to Hana Held/).fill('Any luck?');
    await counterShows(
      page,
      'sms-counter',
      'Not enough credits (1 needed, 0 left): held until credits are added · 3 texts already held',
    );
    expect(await page.getByTestId('sms-counter').textContent()).not.toContain('Goes out now');
    await saveUpdate(page);
    expect(await page.locator('.alert-ok').textContent()).toBe(
      'Update saved. The SMS is held until credits are added (1 needed, 0 left).',
    );
    await page
      .getByTestId('stream-entry')
      .filter({ hasText: 'Any luck?' })
      .getByTestId('sms-status')
      .filter({ hasText: 'held: waiting for credits' })
      .waitFor({ timeout: 30_000 });
    await context.close();

    // The admin buys a pack: the notice says the held texts go out once the invoice is paid.
    await eventually(
      () => account.sms(ticket.id),
      (rows) => rows.filter((r) => r.status === 'held_no_credit').length === 4,
    );
    await account.post('/api/users/me/console-password', { password: 'broke admin pw' }).expect(204);
    const admin = await personIn(browser, baseURL);
    await signIn(admin.page, adminEmail, 'broke admin pw');
    await admin.page.goto('/console/credits');
    await admin.page.getByLabel('Packs of 2,500 credits').selectOption('1');
    await admin.page.getByRole('button', { name: 'Buy' }).click();
    expect(await admin.page.locator('.alert-ok').textContent()).toBe(
      'Invoiced 2,500 credits: they are added once the invoice is paid. The 4 texts waiting for credits go out then.',
    );
    await admin.context.close();
  });

  it('marks a guessed reply on the ticket and moves it from the triage page to the right ticket', async () => {
    const { account, tom, mobile, frontDesk, context, page } = await shop('Guess Shop');
    // No texts went out (SMS off for the customer), so a reply can only be matched by guessing among open tickets.
    const customerId = await account.customer([{ number: mobile, type: 'mobile' }], {
      name: 'Gus Guess',
      smsEnabled: false,
    });
    const printer = await account.ticket(customerId, tom.token, 'Printer offline', 'Shows offline.');
    const laptop = await account.ticket(customerId, tom.token, 'Laptop slow', 'Takes ages to start.');
    await textIn(t, mobile, frontDesk, 'The printer works again');

    await page.goto(`/console/tickets/${laptop.id}`);
    const guessed = page.getByTestId('stream-entry').filter({ hasText: 'The printer works again' });
    await guessed.getByTestId('guess').waitFor();

    await page.getByRole('link', { name: 'Triage' }).click();
    const item = page.getByTestId('triage-item').filter({ hasText: 'The printer works again' });
    expect(await item.textContent()).toContain('Ticket guessed among several open ones');
    await item.getByLabel('Ticket').selectOption({ label: `#${printer.number} Printer offline` });
    await item.getByRole('button', { name: 'Move here' }).click();
    await page.locator('.alert-ok').filter({ hasText: 'Reply moved.' }).waitFor();
    expect(await page.getByTestId('triage-item').filter({ hasText: 'The printer works again' }).count()).toBe(0);

    await page.goto(`/console/tickets/${printer.id}`);
    const moved = page.getByTestId('stream-entry').filter({ hasText: 'The printer works again' });
    expect(await moved.count()).toBe(1);
    expect(await moved.getByTestId('guess').count()).toBe(0);
    await page.goto(`/console/tickets/${laptop.id}`);
    expect(await page.getByTestId('stream-entry').filter({ hasText: 'The printer works again' }).count()).toBe(0);
    await context.close();
  });
});

/** The console's national format for a US number: (202) 555-0100. */
function national(e164: string): string {
  return `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;
}

function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

async function live(page: Page): Promise<void> {
  await page.locator('#live-status[data-state="live"]').waitFor();
}
