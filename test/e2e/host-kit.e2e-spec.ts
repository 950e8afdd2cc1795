import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { TICKET_GATEWAY, TicketGateway } from '../../src/sms';
import {
  ConformanceComment,
  GatewayConformanceFixture,
  SandboxPhone,
  ticketGatewayConformance,
} from '../../src/sms/testing';
import { plainPhoto } from '../fixtures/images';
import { TestAccount, TestApp } from '../support/test-app';

jest.setTimeout(60_000);

/** The kit a host gets at `ticket-sms/testing`, used on the reference helpdesk as a host would use it on theirs. */
describe('the host test kit', () => {
  let t: TestApp;
  let acme: TestAccount;
  let other: TestAccount;
  let storageDir: string;
  let fixture: GatewayConformanceFixture;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'ticket-sms-host-kit-'));
    t = await TestApp.start({ suite: 'host_kit', provider: 'sandbox', env: { STORAGE_DIR: storageDir } });
    acme = await t.account('Acme IT');
    other = await t.account('Other IT');
    await acme.addNumber('+12025550100', 'Front desk');
    const email = 'tess@acme.test';
    const tess = await acme.technician('Tess Tech', email);
    const team = (await acme.post('/api/teams', { name: 'Field Team' }).expect(201)).body as {
      id: string;
      name: string;
    };
    await acme.post(`/api/teams/${team.id}/members`, { userId: tess.id }).expect(201);
    const db = t.app.get(DataSource);
    fixture = {
      gateway: t.app.get<TicketGateway>(TICKET_GATEWAY),
      transaction: (work) => db.transaction(work),
      accounts: [acme.id, other.id],
      user: { id: tess.id, email },
      team,
      listComments: (accountId, ticketId) => comments(db, accountId, ticketId),
    };
  });

  afterAll(async () => {
    await t?.close();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  describe('the gateway conformance suite passes on the reference helpdesk', () => {
    for (const check of ticketGatewayConformance(() => fixture)) it(check.name, check.run);
  });

  it('fails a gateway that lets one account read another account’s tickets', async () => {
    const leaky: TicketGateway = Object.create(fixture.gateway, {
      findTicket: {
        value: (_accountId: string, ref: { id: string } | { number: number }, tx?: never) =>
          fixture.gateway.findTicket(acme.id, ref, tx),
      },
    });
    const [scoped] = ticketGatewayConformance({ ...fixture, gateway: leaky }).filter((c) =>
      c.name.startsWith('a ticket is found by id'),
    );
    await expect(scoped.run()).rejects.toThrow('another account must not find the ticket by id');
  });

  it('fails a gateway that writes outside the transaction it is given', async () => {
    const careless: TicketGateway = Object.create(fixture.gateway, {
      createCustomerFromPhone: {
        value: (accountId: string, phone: string) => fixture.gateway.createCustomerFromPhone(accountId, phone),
      },
    });
    const [inTransaction] = ticketGatewayConformance({ ...fixture, gateway: careless }).filter((c) =>
      c.name.startsWith('writes happen in the transaction'),
    );
    await expect(inTransaction.run()).rejects.toThrow('a rolled-back customer must not remain');
  });

  it('SandboxPhone reads the texts sent and texts back with a photo that lands on the ticket', async () => {
    const customerId = await acme.customer([{ number: '+12025550177', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    const phone = new SandboxPhone(t.app, acme.id);

    const [initial] = await phone.waitForTexts('+12025550177', 1);
    expect(initial).toMatchObject({ from: '+12025550100', to: '+12025550177' });
    expect(initial.body).toContain(`#${ticket.number}`);

    const { messageId } = await phone.send({
      from: '+12025550177',
      to: '+12025550100',
      body: 'Photo of the error',
      photos: [{ contentType: 'image/jpeg', bytes: await plainPhoto() }],
    });
    const landed = await phone.waitForLanding(messageId);
    expect(landed).toMatchObject({ status: 'processed', ticketId: ticket.id });
    const [comment] = (await comments(t.app.get(DataSource), acme.id, ticket.id)).filter(
      (c) => c.id === landed.commentId,
    );
    expect(comment).toMatchObject({ body: 'Photo of the error', public: true });
    expect(comment.attachments).toHaveLength(1);
    expect(await new SandboxPhone(t.app, other.id).received()).toEqual([]);
  });
});

async function comments(db: DataSource, accountId: string, ticketId: string): Promise<ConformanceComment[]> {
  const rows: { id: string; body: string; public: boolean; files: { storageKey: string; public: boolean }[] }[] =
    await db.query(
      `SELECT c.id, c.body, c.public,
            COALESCE((SELECT json_agg(json_build_object('storageKey', a.storage_key, 'public', a.public) ORDER BY a.created_at)
                      FROM attachments a WHERE a.comment_id = c.id), '[]') AS files
     FROM comments c WHERE c.account_id = $1 AND c.ticket_id = $2 ORDER BY c.created_at`,
      [accountId, ticketId],
    );
  return rows.map((r) => ({ id: r.id, body: r.body, public: r.public, attachments: r.files }));
}
