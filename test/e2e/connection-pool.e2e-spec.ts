import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SmsQueue } from '../../src/sms/queues/queues';
import { TestAccount, TestApp } from '../support/test-app';

const BUSINESS = '+12025550140';
const CUSTOMERS = 4;
const UPDATES_EACH = 4;

const phoneOf = (i: number) => `+1201555${String(7100 + i).padStart(4, '0')}`;

/**
 * Samples, from a connection of its own, how many connections the service holds to its database, for as long as it
 * runs; `stop()` gives the most it saw and how many samples it took.
 */
async function watchConnections(databaseUrl: string): Promise<{ stop(): Promise<{ most: number; samples: number }> }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  let most = 0;
  let samples = 0;
  let running = true;
  const sampling = (async () => {
    while (running) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      most = Math.max(most, rows[0].n);
      samples++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  let stopped: Promise<{ most: number; samples: number }> | null = null;
  return {
    stop: () =>
      (stopped ??= (async () => {
        running = false;
        await sampling;
        await client.end();
        return { most, samples };
      })()),
  };
}

/**
 * `DATABASE_POOL_SIZE` bounds the PostgreSQL connections a process keeps. Nothing on a text's way may hold one
 * connection while it waits for another: with a small pool under load, every connection would end up held by work
 * waiting for a free one, and the process would stall for good. So the whole way runs here on a pool of one: tickets
 * opened at once, ticket updates with texts racing each other, their sends, and the customers' replies landing.
 */
describe('a process with one PostgreSQL connection', () => {
  let t: TestApp;
  let acme: TestAccount;
  let tech: { id: string; token: string };
  let watcher: Awaited<ReturnType<typeof watchConnections>>;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'pool_of_one', env: { DATABASE_POOL_SIZE: '1' } });
    watcher = await watchConnections(t.env.DATABASE_URL);
    acme = await t.account('Acme IT');
    await acme.addNumber(BUSINESS, 'Front desk');
    tech = await acme.technician('Tess Tech');
  });

  afterAll(async () => {
    await watcher?.stop();
    await t?.close();
  });

  it('sends every text of tickets and updates made at once exactly once, lands the replies, on one connection', async () => {
    const tickets = await Promise.all(
      Array.from({ length: CUSTOMERS }, async (_, i) => {
        const customerId = await acme.customer([{ number: phoneOf(i), type: 'mobile' }]);
        return { id: (await acme.ticket(customerId, tech.token)).id, phone: phoneOf(i) };
      }),
    );
    const bodies = tickets.flatMap((ticket, i) =>
      Array.from({ length: UPDATES_EACH }, (_, k) => ({ ticket, body: `Update ${i}.${k} on your ticket` })),
    );
    const answers = await Promise.all(
      bodies.map(({ ticket, body }) => acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: body }, tech.token)),
    );
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 201));

    expect(answers.flatMap((a) => a.body.smsMessageIds as string[])).toHaveLength(bodies.length);
    // Every send job, the tickets' first texts' too, has run for good before the texts are counted, so a second send
    // of any of them would be among them.
    const rows = (await Promise.all(tickets.map((ticket) => acme.sms(ticket.id)))).flat();
    expect(rows).toHaveLength(bodies.length + CUSTOMERS);
    for (const row of rows) expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
    // The template puts the account and the ticket's number before the technician's words.
    const words = (body: string) => /Update \d+\.\d+ on your ticket/.exec(body)?.[0];
    const sent = t.twilio.sentMessages().filter((m) => m.responseStatus === 201 && words(m.body));
    expect(sent.map((m) => words(m.body)).sort()).toEqual(bodies.map((b) => b.body).sort());
    for (const { ticket, body } of bodies) expect(sent.find((m) => words(m.body) === body)?.to).toBe(ticket.phone);
    expect(t.twilio.sentMessages().filter((m) => m.responseStatus === 201)).toHaveLength(bodies.length + CUSTOMERS);

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

    const { most, samples } = await watcher.stop();
    expect(samples).toBeGreaterThan(10);
    expect(most).toBe(1);
  });
});
