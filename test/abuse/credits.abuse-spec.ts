import type { ChargeOutcome, CreditCharge, CreditPurchases } from '../../src/sms';
import { InvoiceBilling } from '../../src/helpdesk/billing/invoice-billing';
import { TestAccount, TestApp } from '../support/test-app';
import { underAttack } from './support/attack';

const OLD_ENOUGH = { subscribedAt: new Date(Date.now() - 60 * 86_400_000).toISOString() };

interface Credits {
  remaining: number;
  addonRemaining: number;
}

const creditsOf = async (account: TestAccount): Promise<Credits> =>
  (await account.get('/api/sms/credits').expect(200)).body;
const addOnEntries = async (t: TestApp, account: TestAccount): Promise<{ kind: string; amount: number }[]> =>
  t.db.query(
    `SELECT kind, amount FROM sms_credit_entries WHERE account_id = $1 AND kind IN ('purchase', 'grant') ORDER BY seq`,
    [account.id],
  );

/** An admin tries to mint credits: buying without paying, forging or replaying invoices, granting to themselves. */
describe('abuse: credits are bought, not taken (the reference helpdesk invoices purchases)', () => {
  let t: TestApp;
  let attacker: TestAccount;
  let bystanderAccount: TestAccount;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'abuse_credits' });
    attacker = await t.account('Mallory IT', OLD_ENOUGH);
    bystanderAccount = await t.account('Bystander IT', OLD_ENOUGH);
  });

  afterAll(() => t?.close());

  const bystander = () => bystanderAccount.get('/api/sms/credits').expect(200);

  it('adds nothing for purchases nobody paid for', async () => {
    const report = await underAttack(
      'unpaid purchases of 100 packs',
      () => Promise.all([1, 2, 3].map(() => attacker.post('/api/sms/credits/purchases', { packs: 100 }))),
      bystander,
    );

    for (const answer of report.result) {
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({
        status: 'pending',
        purchase: { id: null, packs: 100, credits: 250_000 },
        credits: { addonRemaining: 0, remaining: 200 },
      });
    }
    expect(report.bystanderMaxMs).toBeLessThan(1000);
    expect(await creditsOf(attacker)).toMatchObject({ addonRemaining: 0, remaining: 200 });
    expect(await addOnEntries(t, attacker)).toEqual([]);
  });

  it('refuses forged invoices and keeps the platform routes to the platform', async () => {
    const invoiced = await attacker.post('/api/sms/credits/purchases', { packs: 1 }).expect(202);
    const reference = invoiced.body.reference as string;
    // The invoice says 1 pack; rewritten to say 100, it is no invoice at all.
    const [payload, mac] = reference.slice('inv_'.length).split('.');
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `inv_${Buffer.from(JSON.stringify({ ...fields, p: 100, c: 250_000 })).toString('base64url')}.${mac}`;

    const report = await underAttack(
      'forged invoices and self-service grants',
      () =>
        Promise.all([
          t.platform().post(`/api/platform/invoices/${forged}/paid`),
          t.platform().post(`/api/platform/invoices/inv_${payload}.${'A'.repeat(43)}/paid`),
          t.platform().post('/api/platform/invoices/not-an-invoice/paid'),
          attacker.post(`/api/platform/invoices/${reference}/paid`, {}),
          attacker.post(`/api/platform/accounts/${attacker.id}/credits`, { credits: 1_000_000, reason: 'because' }),
          t
            .http()
            .post(`/api/platform/accounts/${attacker.id}/credits`)
            .send({ credits: 1_000_000, reason: 'because' }),
        ]),
      bystander,
    );

    expect(report.result.map((r) => r.status)).toEqual([404, 404, 404, 403, 403, 403]);
    expect(report.result[0].body.message).toBe('No such invoice');
    expect(report.result[4].body.message).toBe('Wrong platform token');
    expect(report.bystanderMaxMs).toBeLessThan(1000);
    expect(await creditsOf(attacker)).toMatchObject({ addonRemaining: 0 });
    expect(await addOnEntries(t, attacker)).toEqual([]);

    // Bad grants are refused with the reason, and add nothing either.
    for (const body of [
      { credits: 0, reason: 'x' },
      { credits: 1_000_001, reason: 'x' },
      { credits: 2.5, reason: 'x' },
      { credits: 10 },
      { credits: '10', reason: 'x' },
    ]) {
      const refused = await t.platform().post(`/api/platform/accounts/${attacker.id}/credits`).send(body).expect(400);
      expect(JSON.stringify(refused.body.message)).toMatch(/credits|reason/);
    }
    await t
      .platform()
      .post('/api/platform/accounts/00000000-0000-4000-8000-000000000000/credits')
      .send({ credits: 10, reason: 'x' })
      .expect(404);
    expect(await addOnEntries(t, attacker)).toEqual([]);
  });

  it('credits a paid invoice once, however often the purchase is retried or the invoice paid', async () => {
    const buy = (key: { header?: string; body?: string }) => {
      const request = t.http().post('/api/sms/credits/purchases').set('Authorization', `Bearer ${attacker.adminToken}`);
      if (key.header) request.set('Idempotency-Key', key.header);
      return request.send({ packs: 1, ...(key.body ? { idempotencyKey: key.body } : {}) });
    };
    const first = await buy({ header: 'order-1' }).expect(202);
    // The same purchase by its body key: the same invoice.
    expect((await buy({ body: 'order-1' }).expect(202)).body.reference).toBe(first.body.reference);
    const pay = () => t.platform().post(`/api/platform/invoices/${first.body.reference}/paid`).expect(200);

    const paid = await Promise.all([pay(), pay(), pay()]);
    expect(paid.map((p) => p.body.credited).sort()).toEqual([false, false, true]);
    for (const retry of [await buy({ header: 'order-1' }).expect(201), await buy({ body: 'order-1' }).expect(201)]) {
      expect(retry.body).toMatchObject({ status: 'paid', replayed: true, purchase: { credits: 2500 } });
    }
    expect((await buy({ header: 'order-1', body: 'order-2' }).expect(400)).body.message).toMatch(/differ/);
    expect(await creditsOf(attacker)).toMatchObject({ addonRemaining: 2500 });
    expect(await addOnEntries(t, attacker)).toEqual([{ kind: 'purchase', amount: 2500 }]);

    // A platform grant with an Idempotency-Key grants once too.
    const grant = () =>
      t
        .platform()
        .post(`/api/platform/accounts/${attacker.id}/credits`)
        .set('Idempotency-Key', 'goodwill-7')
        .send({ credits: 300, reason: 'Outage' });
    expect((await grant().expect(201)).body).toMatchObject({ credits: 300, replayed: false });
    expect((await grant().expect(201)).body).toMatchObject({ credits: 300, replayed: true });
    expect(await creditsOf(attacker)).toMatchObject({ addonRemaining: 2800 });
  });
});

/**
 * A host that charges a card: paid at once, declined above a limit. As the port asks, a key it has seen gets the first
 * outcome again; `charged` is what it actually took from the card.
 */
class CardBilling implements CreditPurchases {
  readonly charged: CreditCharge[] = [];
  readonly available = true;
  private readonly outcomes = new Map<string, ChargeOutcome>();

  charge(_accountId: string, charge: CreditCharge): Promise<ChargeOutcome> {
    let outcome = this.outcomes.get(charge.idempotencyKey);
    if (!outcome) {
      outcome =
        charge.packs > 10
          ? { status: 'declined', reason: 'the card limit is 10 packs' }
          : { status: 'paid', reference: `ch_${this.outcomes.size + 1}` };
      if (outcome.status === 'paid') this.charged.push(charge);
      this.outcomes.set(charge.idempotencyKey, outcome);
    }
    return Promise.resolve(outcome);
  }

  read(): null {
    return null;
  }
}

describe('abuse: credits through a host that charges at once, and a host that sells none', () => {
  let card: TestApp;
  let none: TestApp;
  const billing = new CardBilling();

  beforeAll(async () => {
    card = await TestApp.start({
      suite: 'abuse_credits_card',
      customize: (b) => b.overrideProvider(InvoiceBilling).useValue(billing),
    });
    none = await TestApp.start({
      suite: 'abuse_credits_none',
      customize: (b) => b.overrideProvider(InvoiceBilling).useValue({ available: false, read: () => null }),
    });
  });

  afterAll(async () => {
    await card?.close();
    await none?.close();
  });

  it('charges first and credits once per key; a declined charge adds nothing', async () => {
    const account = await card.account('Card IT', OLD_ENOUGH);
    const buy = (packs: number) =>
      card
        .http()
        .post('/api/sms/credits/purchases')
        .set('Authorization', `Bearer ${account.adminToken}`)
        .set('Idempotency-Key', `order-${packs}`)
        .send({ packs });

    const declined = await buy(100).expect(402);
    expect(declined.body.message).toBe('The payment was declined: the card limit is 10 packs');
    expect(await creditsOf(account)).toMatchObject({ addonRemaining: 0 });

    const results = await Promise.all([buy(2), buy(2), buy(2)]);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(results.map((r) => r.body.replayed).sort()).toEqual([false, true, true]);
    expect(await creditsOf(account)).toMatchObject({ addonRemaining: 5000 });
    expect(await addOnEntries(card, account)).toEqual([{ kind: 'purchase', amount: 5000 }]);
    expect(billing.charged).toEqual([
      { packs: 2, credits: 5000, userId: expect.any(String), idempotencyKey: `purchase:${account.id}:order-2` },
    ]);
  });

  it('refuses every purchase with the reason when the host sells no credits; only the platform grants', async () => {
    const account = await none.account('Nobill IT', OLD_ENOUGH);
    const refused = await account.post('/api/sms/credits/purchases', { packs: 1 }).expect(403);
    expect(refused.body.message).toBe(
      'Credits cannot be bought here: the platform grants them. Ask the platform for more credits.',
    );
    expect(await creditsOf(account)).toMatchObject({ addonRemaining: 0, remaining: 200 });
    await account.grantCredits(1000, 'Starter credits');
    expect(await creditsOf(account)).toMatchObject({ addonRemaining: 1000 });
  });
});
