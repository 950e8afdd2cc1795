import { eventually, TestAccount, TestApp } from '../support/test-app';
import { underAttack } from './support/attack';
import { photoBystander } from './support/service';

interface CommentView {
  body: string;
  smsBody: string | null;
  public: boolean;
}

describe('private stays private', () => {
  let t: TestApp;
  let acme: TestAccount;
  let bystander: () => Promise<void>;
  let phones = 0;

  async function ticketFor(): Promise<{ id: string; phone: string }> {
    const phone = `+1201555${String(2000 + phones++).padStart(4, '0')}`;
    const customerId = await acme.customer([{ number: phone, type: 'mobile' }]);
    return { id: (await acme.ticket(customerId)).id, phone };
  }

  const comments = async (ticketId: string) =>
    (await acme.get(`/api/tickets/${ticketId}`).expect(200)).body.comments as CommentView[];
  const portalPage = async (ticketId: string) => {
    const [{ portal_token: token }] = (await t.db.query(`SELECT portal_token FROM tickets WHERE id = $1`, [
      ticketId,
    ])) as { portal_token: string }[];
    return (await t.http().get(`/portal/tickets/${token}`).expect(200)).text;
  };
  /** Waits until `text` reached the provider, and returns every text the customer's phone got so far. */
  const textedTo = async (phone: string, text: string) =>
    (
      await eventually(
        async () => t.twilio.sentMessages().filter((m) => m.to === phone),
        (sent) => sent.some((m) => m.body.includes(text)),
      )
    ).map((m) => m.body);

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'abuse-privacy' });
    acme = await t.account('Acme IT');
    await acme.addNumber('+12025550100');
    bystander = await photoBystander(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('keeps a private note private when an SMS goes with it: the texted words are their own public entry, the note never reaches the customer', async () => {
    const ticket = await ticketFor();
    const note = 'Internal: customer is on the 40% VIP discount, do not mention it';
    const report = await underAttack(
      'a private update with an SMS',
      () =>
        acme.post(`/api/tickets/${ticket.id}/updates`, {
          emailBody: note,
          smsBody: 'Your printer is fixed',
          public: false,
        }),
      bystander,
    );
    expect(report.result.status).toBe(201);
    expect(report.result.body.comment).toMatchObject({ body: note, public: false, smsBody: null });

    const all = await comments(ticket.id);
    expect(all.filter((c) => c.body === note)).toEqual([expect.objectContaining({ public: false, smsBody: null })]);
    expect(all.filter((c) => c.body === 'Your printer is fixed')).toEqual([
      expect.objectContaining({ public: true, smsBody: 'Your printer is fixed' }),
    ]);
    const page = await portalPage(ticket.id);
    expect(page).toContain('Your printer is fixed');
    expect(page).not.toContain('VIP discount');
    expect((await textedTo(ticket.phone, 'Your printer is fixed')).join('\n')).not.toContain('VIP discount');
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('records a private update that is only an SMS text once, as the public entry of what was texted', async () => {
    const ticket = await ticketFor();
    const report = await underAttack(
      'a private update that is only an SMS',
      () => acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'We will call you at 3 pm', public: false }),
      bystander,
    );
    expect(report.result.status).toBe(201);
    const texts = (await comments(ticket.id)).filter((c) => c.smsBody !== null || c.body.includes('3 pm'));
    expect(texts).toEqual([
      expect.objectContaining({ body: 'We will call you at 3 pm', public: true, smsBody: 'We will call you at 3 pm' }),
    ]);
    expect(await portalPage(ticket.id)).toContain('We will call you at 3 pm');
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('still publishes a public update with its email text and SMS text as one entry', async () => {
    const ticket = await ticketFor();
    const report = await underAttack(
      'a public update with an SMS',
      () =>
        acme.post(`/api/tickets/${ticket.id}/updates`, {
          emailBody: 'The part arrived; fitting it tomorrow.',
          smsBody: 'Part arrived',
        }),
      bystander,
    );
    expect(report.result.status).toBe(201);
    const added = (await comments(ticket.id)).filter((c) => c.body.startsWith('The part') || c.body === 'Part arrived');
    expect(added).toEqual([
      expect.objectContaining({
        body: 'The part arrived; fitting it tomorrow.',
        public: true,
        smsBody: 'Part arrived',
      }),
    ]);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });
});
