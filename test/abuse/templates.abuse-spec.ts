import { eventually, TestAccount, TestApp } from '../support/test-app';
import { underAttack } from './support/attack';

/** Five levels of {{#each @root}}: each level repeats everything below it once per variable group. */
const RUNAWAY = `${'{{#each @root}}'.repeat(5)}{{@key}}${'{{/each}}'.repeat(5)}`;
/** Writes nothing, but runs its innermost block 8^5 times. */
const SILENT_RUNAWAY = `${'{{#each @root}}'.repeat(5)}${'{{/each}}'.repeat(5)}`;

describe('templates under attack', () => {
  let t: TestApp;
  let attacker: TestAccount;
  let bystander: TestAccount;
  let bystanderTicket: string;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'abuse-templates' });
    attacker = await t.account('Mallory IT');
    await attacker.addNumber('+12025550101', 'Front desk');
    bystander = await t.account('Bystander IT');
    const customerId = await bystander.customer([{ number: '+12015550199', type: 'landline' }]);
    bystanderTicket = (await bystander.ticket(customerId)).id;
  });

  afterAll(async () => {
    await t?.close();
  });

  const otherAccountReads = () => bystander.get(`/api/tickets/${bystanderTicket}`).expect(200);

  it.each([
    ['text that multiplies', RUNAWAY, /The template writes more than 6400 characters/],
    [
      'blocks that run and write nothing',
      SILENT_RUNAWAY,
      /The template repeats its blocks and helpers more than 1000 times/,
    ],
  ])(
    'refuses saving nested {{#each @root}} (%s) with 422 and a reason, stores nothing',
    async (_name, body, reason) => {
      const report = await underAttack(
        'template save, nested each @root',
        () => attacker.put('/api/sms/templates/initial_problem', { body }),
        otherAccountReads,
      );

      expect(report.result.status).toBe(422);
      expect(report.result.body.message).toMatch(reason);
      const templates = (await attacker.get('/api/sms/templates').expect(200)).body.templates as Array<{
        key: string;
        isDefault: boolean;
      }>;
      expect(templates.find((x) => x.key === 'initial_problem')?.isDefault).toBe(true);
      expect(report.bystanderMaxMs).toBeLessThan(1000);
    },
  );

  it('refuses a preview of it with 422 and a reason', async () => {
    const report = await underAttack(
      'template preview, nested each @root',
      () => attacker.post('/api/sms/templates/ticket_update/preview', { body: RUNAWAY }),
      otherAccountReads,
    );

    expect(report.result.status).toBe(422);
    expect(report.result.body.problems[0]).toMatchObject({
      message: expect.stringMatching(/more than 6400 characters/),
      line: 1,
    });
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('a runaway template saved before the budgets existed: the ticket saves, its text is recorded as failed with the reason', async () => {
    // Written straight to the table, as an older version accepted it.
    await t.db.query(
      `INSERT INTO sms_templates (account_id, key, body, updated_by_user_id) VALUES ($1, 'initial_problem', $2, NULL)
       ON CONFLICT (account_id, key) DO UPDATE SET body = EXCLUDED.body`,
      [attacker.id, RUNAWAY],
    );
    const customerId = await attacker.customer([{ number: '+12015550123', type: 'mobile' }]);

    const report = await underAttack(
      'ticket created with a runaway template',
      () => attacker.post('/api/tickets', { customerId, subject: 'Printer', problem: 'Jams' }),
      otherAccountReads,
    );

    expect(report.result.status).toBe(201);
    const rows = await eventually(
      () => attacker.sms(report.result.body.id as string),
      (r) => r.length > 0,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        status: 'failed',
        reason: expect.stringMatching(
          /^The initial_problem template stopped at line 1, column \d+: The template (writes more than 6400 characters|repeats its blocks and helpers more than 1000 times)/,
        ),
      }),
    ]);
    expect(t.twilio.sentMessages()).toHaveLength(0);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });
});
