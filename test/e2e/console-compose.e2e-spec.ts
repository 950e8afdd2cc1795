import { Browser, Page } from 'playwright-core';
import { textIn } from '../support/conversations';
import { eventually, TestAccount, TestApp } from '../support/test-app';
import { counterShows, launchChromium, listen, personIn, screenshot, signIn } from '../support/browser';

jest.setTimeout(180_000);

const DAY_MS = 86_400_000;
const FRONT_DESK = '+12025550100';
const MAYA = '+12015550777';
const NEW_CONTACT = '+19175550142';
const STOPPED = '+19175550166';
const CANNED_BODY = 'Hi {{customer.firstName}}, {{technician.firstName}} is on the way.';

/** What the fake Twilio was asked to send to `to`, once something was. */
function sentTo(t: TestApp, to: string) {
  return eventually(
    () => Promise.resolve(t.twilio.sentMessages().filter((m) => m.to === to)),
    (sent) => sent.length > 0,
    30_000,
  );
}

describe('console canned replies, sign-off and compose in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let baseURL: string;
  let acme: TestAccount;
  let admin: Page;
  let tess: Page;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'console_compose' });
    baseURL = await listen(t);
    browser = await launchChromium();
    acme = await t.account('Acme IT', {
      adminEmail: 'ada@acme.test',
      adminName: 'Ada Admin',
      subscribedAt: new Date(Date.now() - 90 * DAY_MS).toISOString(),
    });
    // The front desk is the Support team's number, and Tess is in the team.
    const frontDesk = await acme.addNumber(FRONT_DESK, 'Front desk');
    const tech = await acme.technician('Tess Tech', 'tess@acme.test');
    const team = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body as { id: string };
    await acme.post(`/api/teams/${team.id}/members`, { userId: tech.id }).expect(201);
    await acme.patch(`/api/sms/numbers/${frontDesk}`, { kind: 'group', teamId: team.id }).expect(200);
    await acme.post(`/api/users/${tech.id}/console-password`, { password: 'tess password 1' }).expect(204);
    await acme.post('/api/users/me/console-password', { password: 'admin password 1' }).expect(204);
    await acme.customer([{ number: MAYA, type: 'mobile' }], { name: 'Maya Customer' });
    admin = (await personIn(browser, baseURL)).page;
    tess = (await personIn(browser, baseURL)).page;
    await signIn(admin, 'ada@acme.test', 'admin password 1');
    await signIn(tess, 'tess@acme.test', 'tess password 1');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lets an admin add a team canned reply with a variable, previewed as typed, refusing a broken one at its field', async () => {
    await admin.goto('/console');
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Canned replies' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Canned replies' }).waitFor();
    // The variables are listed beside the editor.
    await admin.getByRole('cell', { name: '{{customer.firstName}}' }).waitFor();

    await admin.getByLabel('Name').fill('On my way');
    await admin.getByLabel('Who uses it').selectOption({ label: 'Team Support' });
    // A broken draft: the preview goes, the error shows at the text with its line and column.
    await admin.getByLabel('Text', { exact: true }).fill('Hi {{customer.firstName');
    await admin
      .getByTestId('template-problem')
      .filter({ hasText: /Line 1, column \d+/ })
      .waitFor();
    expect(await admin.getByTestId('preview-broken').isVisible()).toBe(true);
    const refused = admin.waitForResponse(
      (r) => r.url().endsWith('/console/canned-replies') && r.request().method() === 'POST',
    );
    await admin.getByRole('button', { name: 'Add canned reply' }).click();
    expect((await refused).status()).toBe(422);
    await admin
      .getByTestId('template-problem')
      .filter({ hasText: /Line 1, column \d+/ })
      .waitFor();
    expect(await admin.getByLabel('Text', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await admin.getByLabel('Name').inputValue()).toBe('On my way');
    expect(await admin.getByLabel('Who uses it').locator('option:checked').textContent()).toBe('Team Support');
    expect(await admin.getByTestId('canned-reply').count()).toBe(0);

    // Fixed: the preview renders the variables with example values and counts the segments.
    await admin.getByLabel('Text', { exact: true }).fill(CANNED_BODY);
    await admin
      .getByTestId('preview-text')
      .filter({ hasText: /^Hi \S+, \S+ is on the way\.$/ })
      .waitFor();
    await admin.getByTestId('preview-counter').filter({ hasText: '1 segment' }).waitFor();
    expect(await admin.getByTestId('template-problem').isVisible()).toBe(false);
    await screenshot(admin, 'canned-replies-preview');
    await admin.getByRole('button', { name: 'Add canned reply' }).click();
    await admin.getByRole('status').filter({ hasText: 'Canned reply added.' }).waitFor();
    const row = admin.getByTestId('canned-reply').filter({ hasText: 'On my way' });
    await row.filter({ hasText: 'Team Support' }).filter({ hasText: CANNED_BODY }).waitFor();

    // The technician of the team sees it, read-only.
    await tess.goto('/console/canned-replies');
    await tess.getByTestId('canned-reply').filter({ hasText: 'On my way' }).waitFor();
    expect(await tess.getByRole('button', { name: 'Add canned reply' }).count()).toBe(0);
    expect(await tess.getByRole('link', { name: 'Edit On my way' }).count()).toBe(0);
  });

  it('sends the canned reply from the inbox picker, rendered for the customer, with the sign-off set on My profile', async () => {
    await tess.goto('/console/profile');
    await tess.getByLabel('Sign-off', { exact: true }).fill('- Tess');
    await tess.getByRole('button', { name: 'Save my sign-off' }).click();
    await tess.getByRole('status').filter({ hasText: 'Your sign-off is saved.' }).waitFor();
    await tess
      .getByTestId('sign-off-example')
      .filter({ hasText: /on it\.\s*- Tess$/ })
      .waitFor();

    await textIn(t, MAYA, FRONT_DESK, 'Is someone coming today?');
    await tess.goto('/console/inbox');
    await tess
      .getByTestId('thread-list')
      .getByRole('link', { name: /Maya Customer/ })
      .click();
    await tess.waitForURL(/\/console\/inbox\/[0-9a-f-]{36}$/);
    await tess.getByLabel('Or send a canned reply').selectOption({ label: 'On my way' });
    await tess.getByRole('button', { name: 'Send reply' }).click();

    const [sent] = await sentTo(t, MAYA);
    expect(sent.body).toBe('Hi Maya, Tess is on the way.\n- Tess');
    expect(sent.from).toBe(FRONT_DESK);
    await tess.getByTestId('bubble').filter({ hasText: 'Hi Maya, Tess is on the way.' }).waitFor();
  });

  it('composes a text to a new phone: the thread opens in the inbox and the text reaches Twilio', async () => {
    await tess.goto('/console/inbox');
    await tess.getByRole('link', { name: 'New text' }).click();
    await tess.getByRole('heading', { level: 1, name: 'New text' }).waitFor();
    // Only numbers Tess may send from, besides the automatic choice.
    expect(await tess.getByLabel('From').locator('option').allTextContents()).toEqual([
      'Automatic',
      'Front desk ((202) 555-0100)',
    ]);
    await tess.getByLabel('To (phone)').fill('(917) 555-0142');
    await tess.getByLabel('Text', { exact: true }).fill('Your replacement laptop is ready for pickup.');
    await counterShows(tess, 'compose-counter', '1 segment');
    await tess.getByRole('button', { name: 'Send text' }).click();
    await tess.waitForURL(/\/console\/inbox\/[0-9a-f-]{36}$/);
    await tess.getByTestId('bubble').filter({ hasText: 'Your replacement laptop is ready for pickup.' }).waitFor();
    await tess.getByRole('heading', { level: 2, name: '(917) 555-0142' }).waitFor();

    const [sent] = await sentTo(t, NEW_CONTACT);
    expect(sent.body).toBe('Your replacement laptop is ready for pickup.\n- Tess');
    expect(sent.from).toBe(FRONT_DESK);
  });

  it('refuses a text to a phone that texted STOP, or to no phone, at the To field with what was typed kept', async () => {
    await textIn(t, STOPPED, FRONT_DESK, 'STOP');
    await tess.goto('/console/compose');
    await tess.getByLabel('To (phone)').fill(STOPPED);
    await tess.getByLabel('Text', { exact: true }).fill('Are you still having trouble?');
    const refused = tess.waitForResponse(
      (r) => r.url().endsWith('/console/compose') && r.request().method() === 'POST',
    );
    await tess.getByRole('button', { name: 'Send text' }).click();
    expect((await refused).status()).toBe(422);
    await tess.locator('#compose-to-error').filter({ hasText: 'texted STOP' }).waitFor();
    expect(await tess.getByLabel('To (phone)').getAttribute('aria-invalid')).toBe('true');
    expect(await tess.getByLabel('To (phone)').inputValue()).toBe(STOPPED);
    expect(await tess.getByLabel('Text', { exact: true }).inputValue()).toBe('Are you still having trouble?');
    await tess.getByTestId('form-errors').getByRole('link', { name: 'To' }).waitFor();
    await screenshot(tess, 'compose-stopped');
    const written = (await t.db.query(
      `SELECT count(*)::int AS n FROM sms_messages WHERE body LIKE 'Are you still%'`,
    )) as {
      n: number;
    }[];
    expect(written[0].n).toBe(0);

    await tess.getByLabel('To (phone)').fill('12');
    await tess.getByRole('button', { name: 'Send text' }).click();
    await tess
      .locator('#compose-to-error')
      .filter({ hasText: /^12 is not a/ })
      .waitFor();
    expect(await tess.getByLabel('Text', { exact: true }).inputValue()).toBe('Are you still having trouble?');
  });

  it('refuses a text to a customer whose thread another member holds, naming them at To', async () => {
    // Tess holds Maya's thread since her canned reply.
    await admin.goto('/console/compose');
    await admin.getByLabel('To (phone)').fill('(201) 555-0777');
    await admin.getByLabel('Text', { exact: true }).fill('Ada here, following up.');
    const refused = admin.waitForResponse(
      (r) => r.url().endsWith('/console/compose') && r.request().method() === 'POST',
    );
    await admin.getByRole('button', { name: 'Send text' }).click();
    expect((await refused).status()).toBe(422);
    await admin.locator('#compose-to-error').filter({ hasText: 'Tess Tech is handling this conversation' }).waitFor();
    expect(await admin.locator('#compose-to-error').textContent()).not.toContain('takeOver');
    expect(await admin.getByLabel('Text', { exact: true }).inputValue()).toBe('Ada here, following up.');
    expect(t.twilio.sentMessages().filter((m) => m.body.startsWith('Ada here'))).toEqual([]);
  });

  it('lets an admin edit a canned reply on its own page and delete it', async () => {
    await admin.goto('/console/canned-replies');
    await admin.getByRole('link', { name: 'Edit On my way' }).click();
    await admin.getByRole('heading', { level: 1, name: 'On my way' }).waitFor();
    expect(await admin.getByTestId('editing-scope').textContent()).toBe('Team Support');
    await admin
      .getByLabel('Text', { exact: true })
      .fill('{{technician.firstName}} is on the way, {{customer.firstName}}.');
    await admin
      .getByTestId('preview-text')
      .filter({ hasText: /^\S+ is on the way, \S+\.$/ })
      .waitFor();
    await admin.getByRole('button', { name: 'Save canned reply' }).click();
    await admin.getByRole('status').filter({ hasText: 'Canned reply saved.' }).waitFor();
    await admin
      .getByTestId('canned-reply')
      .filter({ hasText: '{{technician.firstName}} is on the way, {{customer.firstName}}.' })
      .waitFor();

    await admin.getByRole('link', { name: 'Edit On my way' }).click();
    await admin.getByRole('button', { name: 'Delete canned reply' }).click();
    await admin.getByRole('status').filter({ hasText: 'Canned reply deleted.' }).waitFor();
    expect(await admin.getByTestId('canned-reply').count()).toBe(0);
  });
});
