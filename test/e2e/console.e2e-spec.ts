import { Browser } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { plainPhoto } from '../fixtures/images';
import { eventually, TestAccount, TestApp } from '../support/test-app';
import {
  counterItems,
  counterShows,
  launchChromium,
  listen,
  personIn,
  screenshot,
  signIn,
  until,
} from '../support/browser';

jest.setTimeout(120_000);

const DAY_MS = 86_400_000;
const ADMIN_PASSWORD = 'admin password 1';

describe('web console in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let baseURL: string;
  let acme: TestAccount;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'console' });
    baseURL = await listen(t);
    browser = await launchChromium();
    acme = await t.account('Acme IT', {
      adminEmail: 'ada@acme.test',
      adminName: 'Ada Admin',
      subscribedAt: new Date(Date.now() - 90 * DAY_MS).toISOString(),
    });
    await acme.post('/api/users/me/console-password', { password: ADMIN_PASSWORD }).expect(204);
    await acme.addNumber('+12025550100', 'Front desk');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  describe('sign-in', () => {
    it('refuses a wrong password and lets the right one in', async () => {
      const { context, page } = await personIn(browser, baseURL);
      await page.goto('/console/tickets');
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
      await screenshot(page, 'sign-in');
      await page.getByLabel('Email').fill('ada@acme.test');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong email or password');
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/console/tickets');
      await expect(page.locator('header .account').textContent()).resolves.toBe('Acme IT');
      await expect(page.locator('header .user').textContent()).resolves.toContain('Ada Admin');
      const cookie = (await context.cookies()).find((c) => c.name === 'tsms_console');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      // The cookie is no API credential, and signing out ends the session.
      expect((await page.request.get('/api/sms/credits')).status()).toBe(401);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/console/sign-in');
      await page.goto('/console/tickets');
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
      await context.close();
    });

    it('locks out an email from one address after five wrong passwords, even for the right one', async () => {
      const sam = await acme.technician('Sam Slow', 'sam@acme.test');
      await acme.post(`/api/users/${sam.id}/console-password`, { password: 'sam password 1' }).expect(204);
      const { context, page } = await personIn(browser, baseURL);
      await page.goto('/console/sign-in');
      for (let i = 0; i < 5; i++) {
        await page.getByLabel('Email').fill('sam@acme.test');
        await page.getByLabel('Password').fill(`guess ${i}`);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong email or password');
      }
      await page.getByLabel('Password').fill('sam password 1');
      const answer = page.waitForResponse(
        (r) => r.url().endsWith('/console/sign-in') && r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect((await answer).status()).toBe(429);
      expect(await page.getByRole('alert').textContent()).toMatch(
        /Too many failed sign-ins; try again in 1[45] minutes/,
      );
      // Other people signing in from the same address are not affected.
      await signIn(page, 'ada@acme.test', ADMIN_PASSWORD);
      await context.close();
    });

    it('refuses a form post without the CSRF token, and changes nothing', async () => {
      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'ada@acme.test', ADMIN_PASSWORD);
      const customerId = await acme.customer([{ number: '+12015550123', type: 'mobile' }]);
      const ticket = await acme.ticket(customerId);
      // The browser sends its session cookie, as a cross-site form would with a top-level POST, but no token.
      const forged = await page.request.post(`/console/tickets/${ticket.id}/updates`, {
        form: { emailBody: 'forged comment' },
      });
      expect(forged.status()).toBe(403);
      expect(await forged.text()).toContain('CSRF');
      const comments = (await acme.get(`/api/tickets/${ticket.id}`).expect(200)).body.comments as { body: string }[];
      expect(comments.map((c) => c.body)).not.toContain('forged comment');
      await context.close();
    });
  });
  describe('templates (admin)', () => {
    it('shows a syntax error with line and column, then the segment count changing as the fix is typed', async () => {
      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'ada@acme.test', ADMIN_PASSWORD);
      await page.getByRole('link', { name: 'Templates' }).click();
      await screenshot(page, 'templates');
      await page.getByRole('link', { name: 'ticket_update' }).click();
      const body = page.getByLabel('Template text');
      await body.fill('Hi {{customer.firstName}},\n{{#if message}}{{message}}\nThanks');
      await page.getByRole('button', { name: 'Save template' }).click();
      const problem = page.getByTestId('template-problem');
      await expect(problem.textContent()).resolves.toMatch(/Line \d+, column \d+/);
      expect(await page.getByRole('alert').textContent()).toMatch(/Line \d+, column \d+/);
      await screenshot(page, 'template-error');
      // Nothing was saved: the API still has the default.
      const listed = (await acme.get('/api/sms/templates').expect(200)).body.templates as {
        key: string;
        isDefault: boolean;
      }[];
      expect(listed.find((x) => x.key === 'ticket_update')?.isDefault).toBe(true);

      await body.fill('Hi {{customer.firstName}}: {{message}}');
      await counterShows(page, 'preview-counter', '1 segment');
      expect(await problem.textContent()).toBe('');
      // Typing more text past 160 characters makes it two segments, without saving.
      await body.pressSequentially(
        ' ' + 'Your new laptop is configured and ready for pickup at the front desk. '.repeat(2),
        { delay: 2 },
      );
      await counterShows(page, 'preview-counter', '2 segments');
      expect(await counterItems(page, 'preview-counter')).toContain('2 credits');
      await expect(page.getByTestId('preview-warning').textContent()).resolves.toMatch(/needs 2 SMS segments/);
      await page.getByRole('button', { name: 'Save template' }).click();
      await expect(page.getByRole('status').first().textContent()).resolves.toContain('Template saved');
      await screenshot(page, 'template-edit');
      await page.getByRole('button', { name: 'Reset to default' }).click();
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('reset to the default');
      await context.close();
    });
  });

  describe('credits (admin)', () => {
    it("shows a young account when it may buy packs, and adds 2,500 credits for an old account's pack", async () => {
      const young = await t.account('Fresh Start IT', { adminEmail: 'yan@fresh.test', adminName: 'Yan Young' });
      await young.post('/api/users/me/console-password', { password: 'young admin pw' }).expect(204);
      const youngBrowser = await personIn(browser, baseURL);
      await signIn(youngBrowser.page, 'yan@fresh.test', 'young admin pw');
      await youngBrowser.page.goto('/console/credits');
      const eligibleFrom = (await young.get('/api/sms/credits').expect(200)).body.purchase.eligibleFrom as string;
      const expected = DateTime.fromISO(eligibleFrom).setZone('America/New_York').toFormat('d LLL yyyy');
      await expect(youngBrowser.page.getByTestId('purchase-eligibility').textContent()).resolves.toContain(expected);
      expect(await youngBrowser.page.getByRole('button', { name: 'Buy' }).count()).toBe(0);
      await screenshot(youngBrowser.page, 'credits-young-account');
      await youngBrowser.context.close();

      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'ada@acme.test', ADMIN_PASSWORD);
      await page.goto('/console/credits');
      const before = Number((await page.getByTestId('addon-remaining').textContent())!.replace(/,/g, ''));
      await page.getByLabel('Packs of 2,500 credits').selectOption('1');
      await page.getByRole('button', { name: 'Buy' }).click();
      // The reference helpdesk invoices the pack: nothing is added until the platform marks the invoice paid.
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain(
        'Invoiced 2,500 credits: they are added once the invoice is paid.',
      );
      expect(Number((await page.getByTestId('addon-remaining').textContent())!.replace(/,/g, ''))).toBe(before);
      const invoice = (await page.getByTestId('invoice').textContent())!;
      await t.platform().post(`/api/platform/invoices/${invoice}/paid`).expect(200);
      await page.goto('/console/credits');
      const after = Number((await page.getByTestId('addon-remaining').textContent())!.replace(/,/g, ''));
      expect(after - before).toBe(2500);
      expect(await page.getByTestId('ledger').textContent()).toContain('2,500');
      await screenshot(page, 'credits');
      await context.close();
    });
  });

  describe('ticket page (technician)', () => {
    it('counts the SMS as it is typed, sends it, and the fake Twilio receives it', async () => {
      const tech = await acme.technician('Tom Tech', 'tom@acme.test');
      await acme.post(`/api/users/${tech.id}/console-password`, { password: 'tom password 1' }).expect(204);
      const customerId = await acme.customer([{ number: '+12015550199', type: 'mobile' }], { name: 'Carla Customer' });
      await acme.ticket(customerId, tech.token, 'Laptop will not boot', 'Black screen after the update.');
      const toCarla = () => Promise.resolve(t.twilio.sentMessages().filter((m) => m.to === '+12015550199'));
      await eventually(toCarla, (list) => list.length > 0);

      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'tom@acme.test', 'tom password 1');
      await page.goto('/console/tickets');
      await screenshot(page, 'tickets');
      await page.getByRole('link', { name: 'Laptop will not boot' }).click();
      await page.getByLabel('Email / comment').fill('Replaced the SSD and reinstalled; internal note for the team.');
      const sms = page.getByLabel(/^SMS to Carla Customer/);
      await sms.fill('Your laptop is fixed, pick it up any time.');
      await counterShows(page, 'sms-counter', '1 segment');
      const counter = await counterItems(page, 'sms-counter');
      expect(counter).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^\d+ characters$/),
          'GSM-7',
          '1 segment',
          '1 credit',
          'Goes out now',
        ]),
      );
      await sms.pressSequentially(' 😀', { delay: 5 });
      await counterShows(page, 'sms-counter', 'Unicode (UCS-2)');
      await screenshot(page, 'ticket-typing');
      await sms.fill('Your laptop is fixed, pick it up any time.');
      await counterShows(page, 'sms-counter', 'GSM-7');
      await page.getByRole('button', { name: 'Save update' }).click();
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('SMS is on its way');

      const sent = await eventually(toCarla, (list) =>
        list.some((m) => m.body.includes('Your laptop is fixed, pick it up any time.')),
      );
      expect(sent.map((m) => m.body).join('\n')).not.toContain('internal note');
      await page.reload();
      await until(
        () => page.getByTestId('ticket-stream').textContent(),
        (text) => /queued|sent|delivered/.test(text ?? ''),
      );
      expect(await page.getByTestId('ticket-stream').textContent()).toContain('Your laptop is fixed');
      await screenshot(page, 'ticket');

      // With business-hours-only on and the account closed, the counter says when the text will go.
      const zone = 'America/New_York';
      // Open only two days from now, so it is closed now and the next opening is that day at 08:00.
      const openDay = ((DateTime.now().setZone(zone).weekday + 1) % 7) + 1;
      await acme
        .put('/api/sms/settings', {
          businessHoursOnly: true,
          businessHours: { timezone: zone, weekly: [{ day: openDay, start: '08:00', end: '12:00' }], holidays: [] },
        })
        .expect(200);
      await sms.fill('See you soon');
      const dayName = DateTime.fromObject({ weekday: openDay as 1 }, { zone }).toFormat('cccc');
      await counterShows(page, 'sms-counter', `Goes out ${dayName} 08:00 (business hours)`);
      await acme.put('/api/sms/settings', { businessHoursOnly: false, businessHours: null }).expect(200);
      await context.close();
    });
  });
  describe('inbox (technicians)', () => {
    const CONTACT = '+12015550777';

    /** The customer's phone sends an MMS with one photo through Twilio's signed webhook. */
    async function customerTexts(body: string): Promise<void> {
      const messageSid = `MM${randomBytes(16).toString('hex')}`;
      const url = t.twilio.addMedia(messageSid, {
        contentType: 'image/jpeg',
        body: await plainPhoto(800, 600, 'orange'),
      });
      const params: Record<string, string> = {
        MessageSid: messageSid,
        SmsMessageSid: messageSid,
        SmsSid: messageSid,
        AccountSid: t.twilio.accountSid,
        From: CONTACT,
        To: '+12025550100',
        Body: body,
        NumMedia: '1',
        MediaUrl0: url,
        MediaContentType0: 'image/jpeg',
        NumSegments: '1',
        ApiVersion: '2010-04-01',
      };
      await t.postTwilio('/webhooks/twilio/inbound', params).expect(200);
    }

    it("shows a customer's MMS in an open inbox without a reload, and a claimed thread as held to the other technician", async () => {
      const tess = await acme.technician('Tess Tech', 'tess@acme.test');
      const theo = await acme.technician('Theo Tech', 'theo@acme.test');
      await acme.post(`/api/users/${tess.id}/console-password`, { password: 'tess password 1' }).expect(204);
      await acme.post(`/api/users/${theo.id}/console-password`, { password: 'theo password 1' }).expect(204);
      await acme.customer([{ number: CONTACT, type: 'mobile' }], { name: 'Maya Customer' });

      const theoBrowser = await personIn(browser, baseURL);
      await signIn(theoBrowser.page, 'theo@acme.test', 'theo password 1');
      await theoBrowser.page.goto('/console/inbox');
      await until(
        () => theoBrowser.page.getByTestId('live-status').textContent(),
        (s) => (s ?? '').startsWith('Live'),
      );

      await customerTexts('The printer shows this error');
      // Theo's page, never reloaded, lists the new conversation.
      const link = theoBrowser.page.getByTestId('thread-list').getByRole('link', { name: /Maya Customer/ });
      await link.waitFor({ timeout: 20_000 });
      await link.click();
      const thumbnail = theoBrowser.page.getByTestId('thread-messages').getByRole('img', { name: /Photo/ });
      await thumbnail.waitFor({ timeout: 20_000 });
      expect(
        await thumbnail.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);
      await screenshot(theoBrowser.page, 'inbox');

      // Tess claims the thread; Theo's open page shows it held and his reply is disabled until it is released.
      const tessBrowser = await personIn(browser, baseURL);
      await signIn(tessBrowser.page, 'tess@acme.test', 'tess password 1');
      await tessBrowser.page.goto('/console/inbox');
      await tessBrowser.page
        .getByTestId('thread-list')
        .getByRole('link', { name: /Maya Customer/ })
        .click();
      await tessBrowser.page.getByRole('button', { name: 'Claim' }).click();
      await expect(tessBrowser.page.getByTestId('claim-bar').textContent()).resolves.toContain('You hold this thread');

      await until(
        () => theoBrowser.page.getByTestId('claim-bar').textContent(),
        (s) => (s ?? '').includes('Held by Tess Tech'),
      );
      expect(await theoBrowser.page.getByLabel('Reply by SMS').isDisabled()).toBe(true);
      expect(await theoBrowser.page.getByRole('button', { name: 'Send reply' }).isDisabled()).toBe(true);
      await screenshot(theoBrowser.page, 'inbox-held');

      // Even a reply posted past the disabled form is refused while Tess holds it.
      const before = t.twilio.sentMessages().filter((m) => m.to === CONTACT).length;
      const conversationId = new URL(theoBrowser.page.url()).pathname.split('/').pop()!;
      const csrf = await theoBrowser.page.locator('meta[name="csrf-token"]').getAttribute('content');
      const refused = await theoBrowser.page.request.post(`/console/inbox/${conversationId}/reply`, {
        form: { _csrf: csrf!, body: 'Theo jumping in' },
      });
      expect(refused.status()).toBe(409);
      expect(await refused.text()).toContain('Tess Tech');

      await tessBrowser.page.getByRole('button', { name: 'Release' }).click();
      await until(
        () => theoBrowser.page.getByTestId('claim-bar').textContent(),
        (s) => (s ?? '').includes('Nobody holds this thread'),
      );
      expect(await theoBrowser.page.getByLabel('Reply by SMS').isDisabled()).toBe(false);
      await theoBrowser.page.getByLabel('Reply by SMS').fill('Thanks Maya, we are on it.');
      await counterShows(theoBrowser.page, 'reply-counter', '1 segment');
      await theoBrowser.page.getByRole('button', { name: 'Send reply' }).click();
      await eventually(
        () => Promise.resolve(t.twilio.sentMessages().filter((m) => m.to === CONTACT)),
        (list) => list.length > before && list.some((m) => m.body.includes('Thanks Maya')),
      );
      await screenshot(theoBrowser.page, 'inbox-replied');

      // Replying made Theo the holder; he hands the thread to Tess, whose open page shows it is hers now.
      await theoBrowser.page.getByLabel('Transfer to').selectOption({ label: 'Tess Tech' });
      await theoBrowser.page.getByRole('button', { name: 'Transfer' }).click();
      await until(
        () => tessBrowser.page.getByTestId('claim-bar').textContent(),
        (s) => (s ?? '').includes('You hold this thread'),
      );
      expect(await theoBrowser.page.getByTestId('claim-bar').textContent()).toContain('Held by Tess Tech');

      // Tess answers with a canned reply, rendered for Maya's conversation.
      await acme
        .post('/api/sms/canned-replies', {
          name: 'Looking into it',
          body: 'Hi {{customer.firstName}}, {{technician.firstName}} is looking into it.',
        })
        .expect(201);
      await tessBrowser.page.reload();
      await tessBrowser.page.getByLabel('Or send a canned reply').selectOption({ label: 'Looking into it' });
      await tessBrowser.page.getByRole('button', { name: 'Send reply' }).click();
      await eventually(
        () => Promise.resolve(t.twilio.sentMessages().filter((m) => m.to === CONTACT)),
        (list) => list.some((m) => m.body === 'Hi Maya, Tess is looking into it.'),
      );
      await theoBrowser.context.close();
      await tessBrowser.context.close();
    });
  });
  describe('settings, numbers and users (admin)', () => {
    it('shows open now / next change, refuses bad hours with the reason, and saves good ones', async () => {
      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'ada@acme.test', ADMIN_PASSWORD);
      await page.goto('/console/settings');
      expect(await page.getByTestId('open-now').textContent()).toMatch(/(Open|Closed) now\s+·\s+(opens|closes) \w+day/);
      await page.getByLabel('Opens').first().fill('18:00');
      await page.getByLabel('Closes').first().fill('18:00');
      await page.getByRole('button', { name: 'Save hours' }).click();
      expect(await page.locator('.alert-error').first().textContent()).toMatch(/weekly/i);
      await page.goto('/console/settings');
      await page.getByLabel('Time zone').fill('Europe/Berlin');
      await page.getByLabel('Holidays (closed all day)').fill('2026-12-25');
      await page.getByRole('button', { name: 'Save hours' }).click();
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('Settings saved');
      const saved = (await acme.get('/api/sms/settings').expect(200)).body;
      expect(saved.businessHours).toMatchObject({ timezone: 'Europe/Berlin', holidays: ['2026-12-25'] });
      await screenshot(page, 'settings');
      await acme.put('/api/sms/settings', { businessHours: null }).expect(200);
      await context.close();
    });

    it('assigns numbers in bulk from CSV and lists the refused lines with their reasons', async () => {
      await acme.post('/api/teams', { name: 'Support' }).expect(201);
      await acme.assignNumber('+12025550111');
      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'ada@acme.test', ADMIN_PASSWORD);
      await page.goto('/console/numbers');
      await page
        .getByLabel('Or paste the CSV')
        .fill(
          'number,user_email,team,label\n+12025550111,,Support,Support line\n+12025550112,nobody@acme.test,,Ghost\n',
        );
      await page.getByRole('button', { name: 'Import' }).click();
      const report = page.getByTestId('import-report');
      expect(await report.textContent()).toContain('1 of 2 lines applied, 1 refused.');
      expect(await report.locator('tbody tr').count()).toBe(1);
      expect(await report.locator('tbody tr td').first().textContent()).toBe('3');
      expect(await page.getByTestId('numbers').textContent()).toContain('Team Support');
      await screenshot(page, 'numbers');
      await context.close();
    });

    it("moves a person's number to another only once the admin says what happens to its past threads", async () => {
      const from = await acme.technician('Flo From', 'flo@acme.test');
      const to = await acme.technician('Tim To', 'tim@acme.test');
      await acme.assignNumber('+12025550114');
      const { id } = (
        await acme
          .post('/api/sms/numbers', { number: '+12025550114', label: 'Flo', kind: 'direct', userId: from.id })
          .expect(201)
      ).body;
      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'ada@acme.test', ADMIN_PASSWORD);
      await page.goto(`/console/numbers/${id}`);
      const kinds = await page
        .locator('input[name="kind"]')
        .evaluateAll((inputs) => inputs.map((input) => input.getAttribute('value')));
      expect(kinds).toEqual(['unassigned', 'shared', 'users', 'group', 'direct']);
      await page.getByLabel('Person (for a direct number)').selectOption({ label: 'Tim To' });
      await page.getByRole('button', { name: 'Save number', exact: true }).click();
      await expect(page.getByTestId('form-errors').textContent()).resolves.toMatch(/keep.*hand_over|hand_over.*keep/);
      expect((await acme.get(`/api/sms/numbers/${id}`).expect(200)).body).toMatchObject({ userId: from.id });
      await page.getByLabel('Person (for a direct number)').selectOption({ label: 'Tim To' });
      await page.getByLabel('Past threads stay with the people who saw them').check();
      await page.getByRole('button', { name: 'Save number', exact: true }).click();
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('Number saved');
      expect((await acme.get(`/api/sms/numbers/${id}`).expect(200)).body).toMatchObject({ userId: to.id });
      await context.close();
    });

    it('lets an admin invite a technician, who chooses a password and signs in', async () => {
      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'ada@acme.test', ADMIN_PASSWORD);
      await page.goto('/console/users');
      await page.getByLabel('Name').fill('Ivy Invited');
      await page.getByLabel('Email').fill('ivy@acme.test');
      await page.getByRole('button', { name: 'Add and create invite link' }).click();
      const link = await page.getByLabel('Invite link for Ivy Invited').inputValue();
      await screenshot(page, 'users');
      await context.close();

      const ivy = await personIn(browser, baseURL);
      await ivy.page.goto(new URL(link).pathname);
      await ivy.page.getByLabel('New password').fill('ivy chose this');
      await ivy.page.getByRole('button', { name: 'Set password' }).click();
      await expect(ivy.page.getByRole('status').textContent()).resolves.toContain('Your password is set');
      await ivy.page.getByLabel('Password').fill('ivy chose this');
      await ivy.page.getByRole('button', { name: 'Sign in' }).click();
      await ivy.page.waitForURL('**/console/tickets');
      // A used link does not work twice; a technician cannot open admin pages.
      expect((await ivy.page.goto(new URL(link).pathname))?.status()).toBe(404);
      expect((await ivy.page.goto('/console/credits'))?.status()).toBe(403);
      await ivy.context.close();
    });

    it('works on a phone-sized screen and by keyboard, with a visible focus ring', async () => {
      const { context, page } = await personIn(browser, baseURL, { width: 390, height: 844 });
      await signIn(page, 'tom@acme.test', 'tom password 1');
      await page.goto('/console/tickets');
      await page.getByRole('link', { name: 'Laptop will not boot' }).click();
      const overflow = await page.evaluate(() => {
        const root = (
          globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
        ).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, 'ticket-phone');
      // Tab from the top: the skip link comes first, then the header's sign-out, then the navigation.
      await page.keyboard.press('Tab');
      expect(
        await page.evaluate(
          () =>
            (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement
              .textContent,
        ),
      ).toBe('Skip to content');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      const outline = await page.evaluate(() => {
        const g = globalThis as unknown as {
          document: { activeElement: unknown };
          getComputedStyle: (e: unknown) => { outlineStyle: string; outlineWidth: string };
        };
        const style = g.getComputedStyle(g.document.activeElement);
        return `${style.outlineStyle} ${style.outlineWidth}`;
      });
      expect(outline).toBe('solid 3px');
      await context.close();
    });
  });
});
