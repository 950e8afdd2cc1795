import { randomBytes } from 'node:crypto';
import { eventually, TestAccount, TestApp } from '../support/test-app';

const BUSINESS = '+12025550140';
const CUSTOMERS = 4;
const UPDATES_EACH = 4;

const phoneOf = (i: number) => `+1201555${String(7100 + i).padStart(4, '0')}`;

/**
 * `DATABASE_POOL_SIZE` bounds the PostgreSQL connections a process keeps. Nothing on a text's way may hold one
 * connection while it waits for another: with a small pool under load, every connection would end up held by work
 * waiting for a free one, and the process would stall for good. So the whole way runs here on a pool of one: ticket
 * updates with texts racing each other, their sends, and the customers' replies landing on the tickets.
 */
describe('a process with one PostgreSQL connection', () => {
  let t: TestApp;
  let acme: TestAccount;
  let tech: { id: string; token: string };
  const tickets: { id: string; phone: string }[] = [];

  /** The service's connections to its database, this query's own included. */
  const connections = async (): Promise<number> =>
    (
      await t.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`,
      )
    )[0].n;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'pool_of_one', env: { DATABASE_POOL_SIZE: '1' } });
    acme = await t.account('Acme IT');
    await acme.addNumber(BUSINESS, 'Front desk');
    tech = await acme.technician('Tess Tech');
    for (let i = 0; i < CUSTOMERS; i++) {
      const customerId = await acme.customer([{ number: phoneOf(i), type: 'mobile' }]);
      tickets.push({ id: (await acme.ticket(customerId, tech.token)).id, phone: phoneOf(i) });
    }
  });

  afterAll(() => t?.close());

  it('sends every text of ticket updates made at once exactly once, and lands the replies', async () => {
    const bodies = tickets.flatMap((ticket, i) =>
      Array.from({ length: UPDATES_EACH }, (_, k) => ({ ticket, body: `Update ${i}.${k} on your ticket` })),
    );
    const answers = await Promise.all(
      bodies.map(({ ticket, body }) => acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: body }, tech.token)),
    );
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 201));
    // The template puts the account and the ticket's number before the technician's words.
    const sent = await eventually(
      async () => t.twilio.sentMessages().filter((m) => m.responseStatus === 201 && /Update \d/.test(m.body)),
      (messages) => messages.length >= bodies.length,
    );
    const words = (body: string) => /Update \d+\.\d+ on your ticket/.exec(body)?.[0];
    expect(sent.map((m) => words(m.body)).sort()).toEqual(bodies.map((b) => b.body).sort());
    for (const { ticket, body } of bodies) expect(sent.find((m) => words(m.body) === body)?.to).toBe(ticket.phone);

    const replies = tickets.map((ticket, i) => ({ ticket, body: `Reply ${i}: still offline` }));
    await Promise.all(
      replies.map(({ ticket, body }) =>
        t
          .postTwilio('/webhooks/twilio/inbound', {
            MessageSid: `SM${randomBytes(16).toString('hex')}`,
            AccountSid: t.twilio.accountSid,
            From: ticket.phone,
            To: BUSINESS,
            Body: body,
            NumMedia: '0',
          })
          .expect(200),
      ),
    );
    for (const { ticket, body } of replies) {
      await t.inboundHandled(ticket.phone);
      const { comments } = (await acme.get(`/api/tickets/${ticket.id}`, tech.token).expect(200)).body as {
        comments: { body: string }[];
      };
      expect(comments.map((c) => c.body)).toContain(body);
    }

    expect(await connections()).toBe(1);
  });
});
