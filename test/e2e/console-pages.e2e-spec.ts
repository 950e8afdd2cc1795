import { readFileSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { ConsoleCreditsService } from '../../src/console/credits/console-credits.service';
import { eventually, TestAccount, TestApp } from '../support/test-app';
import { counterShows, launchChromium, listen, personIn, screenshot, signIn } from '../support/browser';

jest.setTimeout(180_000);

const DAY_MS = 86_400_000;
const ADMIN_PASSWORD = 'admin password 1';

/** Clicks a form's button and waits until the page it leads to (after any redirect) has loaded. */
async function submit(page: Page, name: string): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
  await page.getByRole('button', { name, exact: true }).click();
  await navigated;
  await page.waitForLoadState('load');
}

/** The value the browser holds in a form field now (what the person sees in it). */
function valueOf(page: Page, selector: string): Promise<string> {
  return page.locator(selector).inputValue();
}

describe('console management pages in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let baseURL: string;
  let acme: TestAccount;
  let tess: { id: string; token: string };
  let supportTeamId: string;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'console_pages' });
    baseURL = await listen(t);
    browser = await launchChromium();
    acme = await t.account('Acme IT', {
      adminEmail: 'ada@acme.test',
      adminName: 'Ada Admin',
      subscribedAt: new Date(Date.now() - 90 * DAY_MS).toISOString(),
    });
    await acme.post('/api/users/me/console-password', { password: ADMIN_PASSWORD }).expect(204);
    await acme.addNumber('+12025550100', 'Front desk');
    tess = await acme.technician('Tess Tech', 'tess@acme.test');
    await acme.post(`/api/users/${tess.id}/console-password`, { password: 'tess password 1' }).expect(204);
    supportTeamId = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body.id;
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function admin() {
    const person = await personIn(browser, baseURL);
    await signIn(person.page, 'ada@acme.test', ADMIN_PASSWORD);
    return person;
  }

  describe('forms keep what was typed', () => {
    it('keeps typed business hours after an error, with each error next to its field in plain words', async () => {
      const before = (await acme.get('/api/sms/settings').expect(200)).body.businessHours;
      const { context, page } = await admin();
      await page.goto('/console/settings');
      await page.getByLabel('Time zone').fill('Europe/Berln');
      // The first empty row becomes a new interval: Saturday 10:00 to 14:00.
      const rows = page.getByTestId('hours-row');
      const fresh = (await rows.count()) - 3;
      await page.locator(`#day-${fresh}`).selectOption({ label: 'Saturday' });
      await page.locator(`#start-${fresh}`).fill('10:00');
      await page.locator(`#end-${fresh}`).fill('14:00');
      await page.getByLabel('Holidays (closed all day)').fill('2026-12-25\n2026-02-30');
      await submit(page, 'Save hours');

      const timezoneError = page.locator('#timezone-error');
      await expect(timezoneError.textContent()).resolves.toContain('"Europe/Berln" is not a known IANA time zone');
      expect(await page.getByLabel('Time zone').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('Time zone').getAttribute('aria-describedby')).toContain('timezone-error');
      expect(await page.locator('#holidays-error').textContent()).toContain('"2026-02-30" is not a real calendar date');
      // Everything typed is still there: the zone, both holidays, and the new row.
      expect(await valueOf(page, '#timezone')).toBe('Europe/Berln');
      expect(await valueOf(page, '#holidays')).toBe('2026-12-25\n2026-02-30');
      expect(await page.locator(`#day-${fresh} option:checked`).textContent()).toBe('Saturday');
      expect(await valueOf(page, `#start-${fresh}`)).toBe('10:00');
      expect(await valueOf(page, `#end-${fresh}`)).toBe('14:00');
      await screenshot(page, 'settings-errors');
      // The summary names the fields as the form does, never the API's paths.
      const summary = (await page.getByTestId('form-errors').textContent()) ?? '';
      expect(summary).toContain('Time zone');
      expect(await page.locator('main').textContent()).not.toMatch(/businessHours|weekly\[|holidays\[/);
      expect((await acme.get('/api/sms/settings').expect(200)).body.businessHours).toEqual(before);

      // An interval that opens and closes at once is pointed out on its own row, with the day the person chose.
      await page.getByLabel('Time zone').fill('Europe/Berlin');
      await page.getByLabel('Holidays (closed all day)').fill('2026-12-25');
      await page.locator(`#end-${fresh}`).fill('10:00');
      await submit(page, 'Save hours');
      await expect(page.locator(`#end-${fresh}-error`).textContent()).resolves.toContain('starts and ends at 10:00');
      expect(await page.getByTestId('form-errors').textContent()).toContain('(Saturday), closes');
      await page.locator(`#end-${fresh}`).fill('14:00');
      // Emptying a row's times drops that interval, though its day is still chosen.
      expect(await page.locator('#day-0 option:checked').textContent()).toBe('Monday');
      await page.locator('#start-0').fill('');
      await page.locator('#end-0').fill('');
      await submit(page, 'Save hours');
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('Settings saved');
      const saved = (await acme.get('/api/sms/settings').expect(200)).body.businessHours;
      expect(saved).toMatchObject({ timezone: 'Europe/Berlin', holidays: ['2026-12-25'] });
      expect(saved.weekly).toContainEqual({ day: 6, start: '10:00', end: '14:00' });
      expect(saved.weekly.map((w: { day: number }) => w.day)).not.toContain(1);
      await acme.put('/api/sms/settings', { businessHours: null }).expect(200);
      await context.close();
    });

    it('keeps a bad override template and its team, with the error at the text', async () => {
      const { context, page } = await admin();
      await page.goto('/console/settings');
      await page.getByLabel('For', { exact: true }).selectOption({ label: 'Team Support' });
      const text = 'We are closed {{#if customer}}until Monday';
      await page.getByLabel("Own text (empty: the account's template)").fill(text);
      await submit(page, 'Save override');
      await expect(page.locator('#override-body-error').textContent()).resolves.toMatch(/^Line 1, column \d+: /);
      expect(await valueOf(page, '#override-body')).toBe(text);
      expect(await page.locator('#target option:checked').textContent()).toBe('Team Support');
      const team = (await acme.get(`/api/sms/after-hours/teams/${supportTeamId}`).expect(200)).body;
      expect(team.override).toBeNull();
      await context.close();
    });

    it('takes the old preview away while the template draft is broken, and shows the error in the error style', async () => {
      const { context, page } = await admin();
      await page.goto('/console/templates/ticket_update');
      const body = page.getByLabel('Template text');
      await body.fill('Hi {{customer.firstName}}: {{message}}');
      await counterShows(page, 'preview-counter', '1 segment');
      expect(await page.getByTestId('preview-text').isVisible()).toBe(true);
      await body.fill('Hi {{customer.firstName}: {{message}}');
      await page.getByTestId('preview-broken').waitFor();
      expect(await page.getByTestId('preview-text').isVisible()).toBe(false);
      expect(await page.locator('#preview-counter li').count()).toBe(0);
      const problem = page.getByTestId('template-problem');
      expect(await problem.textContent()).toMatch(/Line 1, column \d+/);
      expect(await problem.evaluate((e) => e.className)).toBe('field-error');
      expect(await body.getAttribute('aria-invalid')).toBe('true');
      await context.close();
    });
  });

  describe('tickets list', () => {
    it('searches, filters by status and assignee, and pages through more than 25 tickets', async () => {
      const customerId = await acme.customer([{ number: '+12015550140', type: 'landline' }], { name: 'Rita Reyes' });
      const created: { id: string; number: number }[] = [];
      for (let i = 0; i < 27; i++)
        created.push(await acme.ticket(customerId, acme.adminToken, i < 3 ? `Router down ${i}` : `Printer jam ${i}`));
      await acme.post(`/api/tickets/${created[1].id}/updates`, { emailBody: 'Fixed.', status: 'Resolved' }).expect(201);

      const { context, page } = await admin();
      await page.goto('/console/tickets');
      await expect(page.getByTestId('ticket-count').textContent()).resolves.toContain('1–25 of 27');
      expect(await page.getByTestId('tickets').locator('tbody tr').count()).toBe(25);
      await page.getByRole('link', { name: 'Next page' }).click();
      await page.waitForURL(/page=2/);
      expect(await page.getByTestId('ticket-count').textContent()).toContain('26–27 of 27');

      await page.getByLabel('Search').fill('router');
      await submit(page, 'Show tickets');
      await page.waitForURL(/q=router/);
      expect(await page.getByTestId('ticket-count').textContent()).toContain('1–3 of 3');
      // Status colours differ: a resolved ticket's badge is not drawn like a new one's.
      const resolved = page.locator('.ticket-status', { hasText: 'Resolved' });
      const fresh = page.locator('.ticket-status', { hasText: 'New' }).first();
      const colour = (l: typeof fresh) =>
        l.evaluate(
          (e) =>
            (
              globalThis as unknown as { getComputedStyle: (e: unknown) => { backgroundColor: string } }
            ).getComputedStyle(e).backgroundColor,
        );
      expect(await colour(resolved)).not.toBe(await colour(fresh));

      await page.getByLabel('Resolved').check();
      await submit(page, 'Show tickets');
      await page.waitForURL(/status=Resolved/);
      expect(await page.getByTestId('tickets').locator('tbody tr').count()).toBe(1);
      expect(await page.getByTestId('tickets').textContent()).toContain('Router down 1');

      // Assign a ticket from the list; the filters stay, and "Assignee: Tess Tech" finds it.
      await page.goto('/console/tickets?q=router');
      await page.getByLabel(`Assignee of ticket ${created[2].number}`).selectOption({ label: 'Tess Tech' });
      await page.getByRole('button', { name: `Assign ticket ${created[2].number}` }).click();
      await page.waitForURL(/q=router/);
      await page.getByLabel('Assignee', { exact: true }).selectOption({ label: 'Tess Tech' });
      await submit(page, 'Show tickets');
      await page.waitForURL(/assignee=/);
      expect(await page.getByTestId('ticket-count').textContent()).toContain('1–1 of 1');
      expect(await page.getByTestId('tickets').textContent()).toContain('Router down 2');
      await context.close();
    });
  });

  describe('numbers', () => {
    it('edits label, kind, team, history, claim timeout and default; re-verifies; deletes after a confirmation', async () => {
      const id = await acme.addNumber('+12025550160', 'Spare line');
      const { context, page } = await admin();
      await page.goto('/console/numbers');
      await page.getByRole('link', { name: 'Edit (202) 555-0160' }).click();
      await page.getByLabel('Label').fill('Support line');
      await page.getByRole('radio', { name: /^Direct/ }).check();
      await page.getByLabel('Claim timeout (minutes)').fill('15');
      await submit(page, 'Save number');
      // A direct number without its person: said at the person field, what was typed kept.
      await expect(page.locator('#userId-error').textContent()).resolves.toBe(
        'Choose the person whose own number this is.',
      );
      expect(await valueOf(page, '#label')).toBe('Support line');
      expect(await valueOf(page, '#claimTimeoutMinutes')).toBe('15');
      expect(await page.getByRole('radio', { name: /^Direct/ }).isChecked()).toBe(true);

      await page.getByRole('radio', { name: /^Group/ }).check();
      await page.getByLabel('Team (for a group number)').selectOption({ label: 'Support' });
      await page.getByLabel('A member sees past threads only of conversations they handled').check();
      await page.getByLabel("Make this the account's default number").check();
      await submit(page, 'Save number');
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('Number saved');
      const saved = (await acme.get('/api/sms/numbers').expect(200)).body.find((n: { id: string }) => n.id === id);
      expect(saved).toMatchObject({
        label: 'Support line',
        kind: 'group',
        teamId: supportTeamId,
        historyVisibility: 'handler',
        claimTimeoutMinutes: 15,
        isDefault: true,
      });

      await submit(page, 'Check verification again');
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('Verification checked again');
      expect(await page.getByTestId('verification').textContent()).toContain('Last checked');

      await submit(page, 'Delete number');
      await expect(page.locator('#confirm-delete-error').textContent()).resolves.toContain('Tick the box');
      expect((await acme.get('/api/sms/numbers').expect(200)).body.map((n: { id: string }) => n.id)).toContain(id);
      await page.getByLabel('Yes, delete (202) 555-0160').check();
      await submit(page, 'Delete number');
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('(202) 555-0160 was deleted');
      expect((await acme.get('/api/sms/numbers').expect(200)).body.map((n: { id: string }) => n.id)).not.toContain(id);
      await context.close();
    });
  });

  describe('users', () => {
    it("changes a user's role and teams, refuses to deactivate yourself, and deactivating signs the user out", async () => {
      const vic = await acme.technician('Vic Victor', 'vic@acme.test');
      await acme.post(`/api/users/${vic.id}/console-password`, { password: 'vic password 1' }).expect(204);
      const vicBrowser = await personIn(browser, baseURL);
      await signIn(vicBrowser.page, 'vic@acme.test', 'vic password 1');

      const { context, page } = await admin();
      await page.goto('/console/users');
      await page.getByRole('link', { name: 'Edit Vic Victor' }).click();
      await page.getByLabel('Role', { exact: true }).selectOption('admin');
      await page.getByLabel('Support').check();
      await submit(page, 'Save changes');
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('Saved');
      const teams = (await acme.get('/api/teams').expect(200)).body as { name: string; memberIds: string[] }[];
      expect(teams.find((x) => x.name === 'Support')?.memberIds).toContain(vic.id);
      await page.goto('/console/users');
      const row = page.getByTestId('users').locator('tr', { hasText: 'Vic Victor' });
      expect(await row.textContent()).toMatch(/admin[\s\S]*Support/);

      await page.getByRole('link', { name: 'Edit Vic Victor' }).click();
      await page.getByRole('radio', { name: /^Deactivated/ }).check();
      await submit(page, 'Save changes');
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('Saved');
      // Vic's open session ends, his API token stops working, and he cannot sign in again.
      await vicBrowser.page.goto('/console/tickets');
      expect(new URL(vicBrowser.page.url()).pathname).toBe('/console/sign-in');
      await acme.get('/api/sms/availability/me', vic.token).expect(401);
      // Texts to his direct numbers now reach his teams.
      expect((await acme.get(`/api/sms/availability/users/${vic.id}`).expect(200)).body.status).toBe('away');
      await vicBrowser.page.getByLabel('Email').fill('vic@acme.test');
      await vicBrowser.page.getByLabel('Password').fill('vic password 1');
      await submit(vicBrowser.page, 'Sign in');
      await expect(vicBrowser.page.getByRole('alert').textContent()).resolves.toContain('Wrong email or password');
      await page.goto('/console/users');
      expect(await page.getByTestId('users').locator('tr', { hasText: 'Vic Victor' }).textContent()).toContain(
        'deactivated',
      );

      // The REST API does the same: active again, his token works again.
      expect((await acme.patch(`/api/users/${vic.id}`, { active: true }).expect(200)).body).toMatchObject({
        active: true,
        role: 'admin',
      });
      await acme.get('/api/sms/availability/me', vic.token).expect(200);

      // Ada cannot lock herself out.
      await page.getByRole('link', { name: 'Edit Ada Admin' }).click();
      await page.getByRole('radio', { name: /^Deactivated/ }).check();
      await submit(page, 'Save changes');
      await expect(page.getByTestId('form-errors').textContent()).resolves.toContain('You cannot deactivate yourself');
      expect(await page.getByRole('radio', { name: /^Deactivated/ }).isChecked()).toBe(true);
      await page.goto('/console/tickets');
      expect(new URL(page.url()).pathname).toBe('/console/tickets');
      await vicBrowser.context.close();
      await context.close();
    });
  });

  describe('my profile (technician)', () => {
    it('changes the own password, sets away and available, and edits the own after-hours reply once allowed', async () => {
      const { context, page } = await personIn(browser, baseURL);
      await signIn(page, 'tess@acme.test', 'tess password 1');
      await page.getByRole('link', { name: 'My profile' }).click();

      await page.getByLabel('Current password').fill('not my password');
      await page.getByLabel('New password', { exact: true }).fill('tess new password');
      await page.getByLabel('New password again').fill('tess new password');
      await submit(page, 'Change password');
      await expect(page.locator('#current-password-error').textContent()).resolves.toBe(
        'This is not your current password.',
      );
      await page.getByLabel('Current password').fill('tess password 1');
      await page.getByLabel('New password', { exact: true }).fill('tess new password');
      await page.getByLabel('New password again').fill('tess new password');
      await submit(page, 'Change password');
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('Password changed');
      // This session stays; a new sign-in takes the new password.
      const again = await personIn(browser, baseURL);
      await signIn(again.page, 'tess@acme.test', 'tess new password');
      await again.context.close();

      await submit(page, 'I am away');
      await expect(page.getByTestId('availability').textContent()).resolves.toContain('away');
      expect((await acme.get('/api/sms/availability/me', tess.token).expect(200)).body).toMatchObject({
        status: 'away',
        textsAlsoReachTeams: true,
      });
      await submit(page, 'I am available');
      await expect(page.getByTestId('availability').textContent()).resolves.toContain('available');
      expect((await acme.get('/api/sms/availability/me', tess.token).expect(200)).body.status).toBe('available');
      // The API offers the same two, and still refuses to set what only the rules set.
      expect((await acme.put('/api/sms/availability/me', { status: 'away' }, tess.token).expect(200)).body.status).toBe(
        'away',
      );
      await acme.put('/api/sms/availability/me', { status: 'missed' }, tess.token).expect(400);
      await page.reload();
      await submit(page, 'I am available');
      await expect(page.getByTestId('availability').textContent()).resolves.toContain('available');

      // Not allowed yet: no form. An admin ticks the permission on Tess's user page.
      expect(await page.getByRole('button', { name: 'Save my reply' }).count()).toBe(0);
      const adminBrowser = await admin();
      await adminBrowser.page.goto(`/console/users/${tess.id}`);
      await adminBrowser.page.getByLabel('May edit their own after-hours reply on their profile').check();
      await submit(adminBrowser.page, 'Save changes');
      await expect(adminBrowser.page.locator('.alert-ok').textContent()).resolves.toContain('Saved');
      await adminBrowser.context.close();

      await page.reload();
      const reply = page.getByLabel("Your own text (empty: the account's template)");
      await reply.fill('Tess is out {{#if x}}');
      await submit(page, 'Save my reply');
      await expect(page.locator('#reply-body-error').textContent()).resolves.toMatch(/^Line 1, column \d+/);
      expect(await reply.inputValue()).toBe('Tess is out {{#if x}}');
      await reply.fill('Tess is off today; the team has your text.');
      await submit(page, 'Save my reply');
      await expect(page.locator('.alert-ok').textContent()).resolves.toContain('after-hours reply is saved');
      const own = (await acme.get(`/api/sms/after-hours/users/${tess.id}`).expect(200)).body;
      expect(own.override).toMatchObject({ enabled: true, body: 'Tess is off today; the team has your text.' });
      await context.close();
    });
  });

  describe('credits', () => {
    it('lists ledger entries with their ticket and person in pages, exports them all as CSV, and shows usage by person and kind', async () => {
      const customerId = await acme.customer([{ number: '+12015550150', type: 'mobile' }], { name: 'Lena Ledger' });
      const ticket = await acme.ticket(customerId, tess.token, 'Monitor flickers');
      await eventually(
        () => Promise.resolve(t.twilio.sentMessages().filter((m) => m.to === '+12015550150')),
        (sent) => sent.length > 0,
      );
      const ledger = () => acme.get('/api/sms/credits/ledger?limit=1').expect(200);
      await eventually(
        async () => (await acme.get('/api/sms/credits/ledger?limit=5').expect(200)).body.entries,
        (entries: { kind: string }[]) => entries.some((e) => e.kind === 'debit'),
      );
      for (let i = 0; i < 50; i++) await acme.grantCredits(10, `Goodwill ${i}`);
      const total = (await ledger()).body.total as number;
      expect(total).toBeGreaterThan(50);

      const { context, page } = await admin();
      await page.goto('/console/credits');
      await expect(page.getByTestId('ledger-count').textContent()).resolves.toContain(`1–50 of ${total}`);
      await page.getByRole('link', { name: 'Older entries' }).click();
      await page.waitForURL(/page=2/);
      expect(await page.getByTestId('ledger-count').textContent()).toContain(`51–${total} of ${total}`);
      const debit = page
        .getByTestId('ledger')
        .locator('tr', { hasText: `#${ticket.number}` })
        .first();
      expect(await debit.textContent()).toMatch(/Text sent[\s\S]*\(201\) 555-0150[\s\S]*Tess Tech[\s\S]*-1/);
      await page
        .getByRole('link', { name: `#${ticket.number}` })
        .first()
        .click();
      await page.waitForURL(`**/console/tickets/${ticket.id}`);

      await page.goto('/console/credits');
      expect(await page.getByTestId('usage-by-user').textContent()).toMatch(/Tess Tech\s*\d+\s*\d+/);
      expect(await page.getByTestId('usage-by-kind').textContent()).toContain('Ticket opened');
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: 'Download the whole ledger (CSV)' }).click();
      const file = await (await download).path();
      const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
      expect(lines[0]).toBe('"when","time_zone","entry","kind","bucket","period","credits","ticket","to","user"');
      expect(lines).toHaveLength(total + 1);
      // Read in pages of 7 rather than 1,000, the export holds the same lines: none lost or repeated at page edges.
      const zone = /^"[^"]*","([^"]*)"/.exec(lines[1])?.[1] ?? '';
      const small: string[] = [];
      for await (const line of t.app.get(ConsoleCreditsService).ledgerCsv(acme.id, zone, 7)) small.push(line.trimEnd());
      expect(small).toEqual(lines);
      expect(
        lines.some(
          (l) => l.includes(`"Text sent","debit"`) && l.includes(`,${ticket.number},`) && l.includes('"Tess Tech"'),
        ),
      ).toBe(true);
      await context.close();
    });
  });
});
