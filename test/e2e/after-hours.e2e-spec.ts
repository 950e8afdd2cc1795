import { randomBytes } from 'node:crypto';
import { AfterHoursOutcome, AfterHoursService, Clock } from '../../src/sms';
import { eventually, TestAccount, TestApp } from '../support/test-app';

/** The module's clock, moved forward by hand to cross the reply window and the agents' quiet time. */
class MovableClock extends Clock {
  private offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

const HOUR = 3600_000;
const SHARED = '+12025550100';
const GROUP = '+12025550101';
const DANA_DIRECT = '+12025550102';
const SOL_DIRECT = '+12025550103';
// Closed all the time, so any text is after hours whatever the wall clock says.
const NEVER_OPEN = { timezone: 'America/New_York', weekly: [], holidays: [] };
const ALWAYS_OPEN = {
  timezone: 'America/New_York',
  weekly: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' })),
  holidays: [],
};

describe('after-hours replies', () => {
  const clock = new MovableClock();
  let t: TestApp;
  let acme: TestAccount;
  let sut: AfterHoursService;
  let support: string;
  let dana: { id: string; token: string };
  let sol: { id: string; token: string };
  let numbers: Record<string, string>;
  let contactSeq = 1000;
  const newContact = () => `+1201555${contactSeq++}`;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'after_hours', customize: (b) => b.overrideProvider(Clock).useValue(clock) });
    sut = t.app.get(AfterHoursService);
    acme = await t.account('Acme IT');
    numbers = {};
    for (const [number, label] of [
      [SHARED, 'Main line'],
      [GROUP, 'Support line'],
      [DANA_DIRECT, 'Dana'],
      [SOL_DIRECT, 'Sol'],
    ]) {
      numbers[number] = await acme.addNumber(number, label);
    }
    support = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body.id;
    dana = await acme
      .post('/api/users', { name: 'Dana Scully', email: 'dana@acme.test', role: 'technician', teamIds: [support] })
      .expect(201)
      .then((r) => r.body);
    sol = await acme.technician('Sol Badguy', 'sol@acme.test');
    await acme.patch(`/api/sms/numbers/${numbers[GROUP]}`, { kind: 'group', teamId: support }).expect(200);
    await acme.patch(`/api/sms/numbers/${numbers[DANA_DIRECT]}`, { kind: 'direct', userId: dana.id }).expect(200);
    await acme
      .patch(`/api/sms/numbers/${numbers[SOL_DIRECT]}`, { kind: 'direct', userId: sol.id, label: 'Sol (mobile)' })
      .expect(200);

    await acme.put('/api/sms/settings', { businessHours: NEVER_OPEN }).expect(200);
    await acme.put('/api/sms/templates/after_hours', { body: 'ACCOUNT: {{account.name}} is closed.' }).expect(200);
    await acme.put('/api/sms/after-hours/account', { enabled: true }).expect(200);
  });

  afterAll(() => t?.close());

  const inbound = (
    businessNumber: string,
    contactPhone: string,
    extra: { ticketId?: string; receivedAt?: Date } = {},
  ) => sut.onInbound({ accountId: acme.id, businessNumber, contactPhone, receivedAt: clock.now(), ...extra });

  /** The reply row, once the send pipeline handed it to the provider. */
  async function delivered(outcome: AfterHoursOutcome) {
    if (!outcome.replied) throw new Error(`expected a reply, got ${outcome.reason}`);
    return eventually(
      async () => (await acme.get(`/api/sms/messages/${outcome.messageId}`).expect(200)).body,
      (m) => m.status === 'queued',
    );
  }

  describe('precedence', () => {
    beforeAll(async () => {
      await acme
        .put(`/api/sms/after-hours/teams/${support}`, { enabled: true, body: 'TEAM: Support is closed.' })
        .expect(200);
      await acme
        .put(`/api/sms/after-hours/users/${dana.id}`, {
          enabled: true,
          body: 'USER: {{technician.firstName}} is off today.',
        })
        .expect(200);
    });

    it("a direct number answers with its user's reply, sent from that number through the provider and metered", async () => {
      const contact = newContact();
      const outcome = await inbound(DANA_DIRECT, contact);
      expect(outcome).toMatchObject({ replied: true, level: 'user' });
      const row = await delivered(outcome);
      expect(row).toMatchObject({
        direction: 'outbound',
        kind: 'after_hours',
        from: DANA_DIRECT,
        to: contact,
        body: 'USER: Dana is off today.',
        segments: 1,
        credits: 1,
      });
      const sent = t.twilio.sentMessages().filter((m) => m.to === contact);
      expect(sent.map((m) => [m.from, m.body])).toEqual([[DANA_DIRECT, 'USER: Dana is off today.']]);
    });

    it("a direct number of a user without an override answers with their team's, else the account's", async () => {
      expect(await inbound(SOL_DIRECT, newContact())).toMatchObject({ replied: true, level: 'account' });
      await acme.delete(`/api/sms/after-hours/users/${dana.id}`).expect(200);
      const outcome = await inbound(DANA_DIRECT, newContact());
      expect(outcome).toMatchObject({ replied: true, level: 'team' });
      expect((await delivered(outcome)).body).toBe('TEAM: Support is closed.');
    });

    it("a group number answers with its team's reply, a shared number with the account's", async () => {
      const group = await inbound(GROUP, newContact());
      expect(group).toMatchObject({ replied: true, level: 'team' });
      const shared = await inbound(SHARED, newContact());
      expect(shared).toMatchObject({ replied: true, level: 'account' });
      expect((await delivered(shared)).body).toBe('ACCOUNT: Acme IT is closed.');
    });

    it('"reset to account" makes a team answer with the account reply again', async () => {
      await acme.delete(`/api/sms/after-hours/teams/${support}`).expect(200);
      expect(await inbound(GROUP, newContact())).toMatchObject({ replied: true, level: 'account' });
      await acme
        .put(`/api/sms/after-hours/teams/${support}`, { enabled: true, body: 'TEAM: Support is closed.' })
        .expect(200);
    });

    it('an override that is off silences the levels above it; its own open hours mean no reply', async () => {
      await acme.put(`/api/sms/after-hours/users/${dana.id}`, { enabled: false }).expect(200);
      expect(await inbound(DANA_DIRECT, newContact())).toEqual({ replied: false, reason: 'disabled' });
      await acme.put(`/api/sms/after-hours/users/${dana.id}`, { enabled: true, hours: ALWAYS_OPEN }).expect(200);
      expect(await inbound(DANA_DIRECT, newContact())).toEqual({ replied: false, reason: 'open' });
      await acme.delete(`/api/sms/after-hours/users/${dana.id}`).expect(200);
    });

    it('splits a long reply like any other text and sends the parts in order', async () => {
      const long =
        'We are closed for the night. ' +
        'For an outage affecting the whole office, call the emergency line on 555-0100 and leave a message. '.repeat(2);
      await acme.put(`/api/sms/after-hours/users/${sol.id}`, { enabled: true, body: long }).expect(200);
      try {
        const contact = newContact();
        expect(await inbound(SOL_DIRECT, contact)).toMatchObject({ replied: true, level: 'user' });
        const parts = await t.db.query(
          `SELECT body, part_index FROM sms_messages WHERE kind = 'after_hours' AND to_number = $1 ORDER BY part_index`,
          [contact],
        );
        expect(parts.length).toBeGreaterThan(1);
        const sent = await eventually(
          async () => t.twilio.sentMessages().filter((m) => m.to === contact),
          (m) => m.length === parts.length,
        );
        expect(sent.map((m) => m.body)).toEqual(parts.map((p: { body: string }) => p.body));
      } finally {
        await acme.delete(`/api/sms/after-hours/users/${sol.id}`).expect(200);
      }
    });

    it('names the ticket the text landed on', async () => {
      const contact = newContact();
      const customerId = await acme.customer([{ number: contact, type: 'landline' }]);
      const ticket = await acme.ticket(customerId);
      await acme
        .put('/api/sms/templates/after_hours', { body: 'ACCOUNT: closed; saved on #{{ticket.number}}.' })
        .expect(200);
      try {
        const outcome = await inbound(SHARED, contact, { ticketId: ticket.id });
        const row = await delivered(outcome);
        expect(row).toMatchObject({ body: `ACCOUNT: closed; saved on #${ticket.number}.`, ticketId: ticket.id });
      } finally {
        await acme.put('/api/sms/templates/after_hours', { body: 'ACCOUNT: {{account.name}} is closed.' }).expect(200);
      }
    });
  });

  describe('through the Twilio inbound webhook', () => {
    const text = (from: string, to: string, body: string, sid = `SM${randomBytes(16).toString('hex')}`) => {
      const params = {
        MessageSid: sid,
        AccountSid: t.twilio.accountSid,
        From: from,
        To: to,
        Body: body,
        NumMedia: '0',
      };
      return t.postTwilio('/webhooks/twilio/inbound', params).expect(200);
    };

    it('answers a text that arrives while closed once, from the number texted, on the ticket it landed on; retries and follow-ups get no second reply', async () => {
      const contact = newContact();
      const sid = `SM${randomBytes(16).toString('hex')}`;
      await text(contact, SHARED, 'My laptop will not boot', sid);
      await text(contact, SHARED, 'My laptop will not boot', sid); // Twilio retrying the same webhook
      const sent = await eventually(
        async () => t.twilio.sentMessages().filter((m) => m.to === contact),
        (m) => m.length > 0,
      );
      expect(sent.map((m) => [m.from, m.body])).toEqual([[SHARED, 'ACCOUNT: Acme IT is closed.']]);

      await text(contact, SHARED, 'Also the screen flickers');
      await eventually(
        () =>
          t.db.query(`SELECT count(*)::int AS n FROM sms_messages WHERE direction = 'inbound' AND from_number = $1`, [
            contact,
          ]),
        (rows: { n: number }[]) => rows[0].n === 2,
      );
      // The follow-up's job decides on a reply after its comment is written: once it has ended, no reply was written.
      await t.inboundHandled(contact);
      expect(
        await t.db.query(`SELECT id FROM sms_messages WHERE kind = 'after_hours' AND to_number = $1`, [contact]),
      ).toHaveLength(1);
      expect(t.twilio.sentMessages().filter((m) => m.to === contact)).toHaveLength(1);

      const [reply] = await t.db.query(
        `SELECT ticket_id FROM sms_messages WHERE kind = 'after_hours' AND to_number = $1`,
        [contact],
      );
      const [landed] = await t.db.query(
        `SELECT ticket_id FROM sms_messages WHERE direction = 'inbound' AND provider_message_id = $1`,
        [sid],
      );
      expect(reply.ticket_id).toBeTruthy();
      expect(reply.ticket_id).toBe(landed.ticket_id);
    });
  });

  describe('rate limit', () => {
    it('answers a contact once per window (12 h by default), then again after it', async () => {
      const contact = newContact();
      expect(await inbound(SHARED, contact)).toMatchObject({ replied: true });
      expect(await inbound(SHARED, contact)).toEqual({ replied: false, reason: 'already_replied' });
      // Once per contact, whichever number of the account they text.
      expect(await inbound(GROUP, contact)).toEqual({ replied: false, reason: 'already_replied' });
      clock.advance(11 * HOUR);
      expect(await inbound(SHARED, contact)).toEqual({ replied: false, reason: 'already_replied' });
      clock.advance(1 * HOUR + 1000);
      expect(await inbound(SHARED, contact)).toMatchObject({ replied: true });
      const rows = await t.db.query(
        `SELECT count(*)::int AS n FROM sms_messages WHERE kind = 'after_hours' AND to_number = $1`,
        [contact],
      );
      expect(rows[0].n).toBe(2);
    });

    it('follows the window the admin sets', async () => {
      await acme.put('/api/sms/after-hours/account', { enabled: true, windowHours: 1 }).expect(200);
      try {
        const contact = newContact();
        expect(await inbound(SHARED, contact)).toMatchObject({ replied: true });
        clock.advance(HOUR - 60_000);
        expect(await inbound(SHARED, contact)).toEqual({ replied: false, reason: 'already_replied' });
        clock.advance(61_000);
        expect(await inbound(SHARED, contact)).toMatchObject({ replied: true });
      } finally {
        await acme.put('/api/sms/after-hours/account', { enabled: true }).expect(200);
      }
    });

    it('gives ten texts arriving at once exactly one reply', async () => {
      const contact = newContact();
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => inbound(SHARED, contact)));
      expect(outcomes.filter((o) => o.replied)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.replied)).toEqual(Array(9).fill({ replied: false, reason: 'already_replied' }));
      const rows = await t.db.query(
        `SELECT count(*)::int AS n FROM sms_messages WHERE kind = 'after_hours' AND to_number = $1`,
        [contact],
      );
      expect(rows[0].n).toBe(1);
    });

    it('stays quiet when an agent texted the contact in the last five minutes', async () => {
      const contact = newContact();
      const customerId = await acme.customer([{ number: contact, type: 'mobile' }]);
      const ticket = await acme.ticket(customerId, sol.token);
      await acme
        .post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'On it, back online in ten.' }, sol.token)
        .expect(201);
      // Rows carry the database's time, so the texts arrive by the wall clock here, not the moved module clock.
      const justNow = new Date();
      expect(await inbound(SHARED, contact, { receivedAt: justNow })).toEqual({
        replied: false,
        reason: 'agent_replied',
      });
      expect(
        await inbound(SHARED, contact, { receivedAt: new Date(justNow.getTime() + 5 * 60_000 + 1000) }),
      ).toMatchObject({ replied: true });
    });
  });

  describe('when nothing is sent', () => {
    it('not for a number of another account, nor with SMS off, nor with the account reply off', async () => {
      const other = await t.account('Other Co');
      await other.addNumber('+12025550199', 'Theirs');
      expect(await inbound('+12025550199', newContact())).toEqual({ replied: false, reason: 'unknown_number' });

      await acme.put('/api/sms/settings', { enabled: false }).expect(200);
      expect(await inbound(SHARED, newContact())).toEqual({ replied: false, reason: 'sms_off' });
      await acme.put('/api/sms/settings', { enabled: true }).expect(200);

      await acme.put('/api/sms/after-hours/account', { enabled: false }).expect(200);
      expect(await inbound(SHARED, newContact())).toEqual({ replied: false, reason: 'disabled' });
      await acme.put('/api/sms/after-hours/account', { enabled: true }).expect(200);
    });

    it('not while the business hours are open (the account reply follows them unless it has its own)', async () => {
      await acme.put('/api/sms/settings', { businessHours: ALWAYS_OPEN }).expect(200);
      expect(await inbound(SHARED, newContact())).toEqual({ replied: false, reason: 'open' });
      await acme.put('/api/sms/after-hours/account', { enabled: true, hours: NEVER_OPEN }).expect(200);
      expect(await inbound(SHARED, newContact())).toMatchObject({ replied: true, level: 'account' });
      await acme.put('/api/sms/after-hours/account', { enabled: true, hours: null }).expect(200);
      await acme.put('/api/sms/settings', { businessHours: NEVER_OPEN }).expect(200);
    });
  });

  describe('settings API', () => {
    it('shows every level to admins and nothing to technicians', async () => {
      await acme.put(`/api/sms/after-hours/users/${sol.id}`, { enabled: true, body: 'Sol is away.' }).expect(200);
      const overview = await acme.get('/api/sms/after-hours').expect(200);
      expect(overview.body.account).toMatchObject({
        enabled: true,
        usesBusinessHours: true,
        windowHours: 12,
        template: 'after_hours',
        answeringNow: true,
      });
      expect(overview.body.teams).toEqual([
        { teamId: support, override: expect.objectContaining({ enabled: true, body: 'TEAM: Support is closed.' }) },
      ]);
      expect(overview.body.users).toEqual([
        { userId: sol.id, override: expect.objectContaining({ body: 'Sol is away.', usesAccountTemplate: false }) },
      ]);
      await acme.get('/api/sms/after-hours', sol.token).expect(403);
      await acme.put('/api/sms/after-hours/account', { enabled: false }, sol.token).expect(403);
      await acme.put(`/api/sms/after-hours/teams/${support}`, { enabled: false }, sol.token).expect(403);
      await acme.delete(`/api/sms/after-hours/users/${sol.id}`).expect(200);
    });

    it('lets a user edit their own reply only when an admin allowed it, and never anyone else’s', async () => {
      const own = `/api/sms/after-hours/users/${dana.id}`;
      expect((await acme.get(own, dana.token).expect(200)).body).toEqual({
        userId: dana.id,
        override: null,
        selfEdit: false,
      });
      const refused = await acme.put(own, { enabled: true, body: 'Dana is out.' }, dana.token).expect(403);
      expect(refused.body.message).toMatch(/admin has not allowed/);
      await acme.delete(own, dana.token).expect(403);

      await acme.put(`${own}/self-edit`, { allowed: true }, dana.token).expect(403);
      await acme.put(`${own}/self-edit`, { allowed: true }).expect(200);
      const saved = await acme.put(own, { enabled: true, body: 'Dana is out.' }, dana.token).expect(200);
      expect(saved.body).toMatchObject({ selfEdit: true, override: { enabled: true, body: 'Dana is out.' } });
      expect(await inbound(DANA_DIRECT, newContact())).toMatchObject({ replied: true, level: 'user' });

      await acme.get(`/api/sms/after-hours/users/${sol.id}`, dana.token).expect(403);
      await acme.put(`/api/sms/after-hours/users/${sol.id}`, { enabled: false }, dana.token).expect(403);

      const reset = await acme.delete(own, dana.token).expect(200);
      expect(reset.body).toEqual({ userId: dana.id, override: null, selfEdit: true });
      await acme.put(`${own}/self-edit`, { allowed: false }).expect(200);
      await acme.put(own, { enabled: true }, dana.token).expect(403);
    });

    it("answers 404 for another account's team or user, 422 for a broken template or hours, and saves nothing", async () => {
      const other = await t.account('Elsewhere');
      const theirTeam = (await other.post('/api/teams', { name: 'Theirs' }).expect(201)).body.id;
      const theirUser = await other.technician('Their Tech');
      await acme.put(`/api/sms/after-hours/teams/${theirTeam}`, { enabled: true }).expect(404);
      await acme.put(`/api/sms/after-hours/users/${theirUser.id}`, { enabled: true }).expect(404);
      await acme.put(`/api/sms/after-hours/users/${theirUser.id}/self-edit`, { allowed: true }).expect(404);

      const broken = await acme
        .put(`/api/sms/after-hours/users/${sol.id}`, { enabled: true, body: 'Hi {{#if customer.name}}there' })
        .expect(422);
      expect(broken.body.message).toMatch(/^body: line \d+, column \d+: /);
      const unknown = await acme
        .put(`/api/sms/after-hours/users/${sol.id}`, { enabled: true, body: 'Hi {{customer.password}}' })
        .expect(422);
      expect(unknown.body.message).toMatch(/customer\.password/);
      const hours = await acme
        .put('/api/sms/after-hours/account', {
          enabled: true,
          hours: { timezone: 'Nowhere/Land', weekly: [], holidays: [] },
        })
        .expect(422);
      expect(hours.body.problems).toEqual([expect.objectContaining({ field: 'hours.timezone' })]);
      await acme.put('/api/sms/after-hours/account', { enabled: 'yes' }).expect(400);

      expect((await acme.get(`/api/sms/after-hours/users/${sol.id}`).expect(200)).body.override).toBeNull();
      expect((await acme.get('/api/sms/after-hours/account').expect(200)).body).toMatchObject({
        enabled: true,
        usesBusinessHours: true,
      });
    });
  });

  describe('number kinds', () => {
    it('refuses assignments that do not fit the kind, or people of another account', async () => {
      const id = numbers[SHARED];
      const other = await t.account('Numberless');
      const outsider = await other.technician('Out Sider');
      const path = `/api/sms/numbers/${id}`;
      expect((await acme.patch(path, { kind: 'direct' }).expect(422)).body.message).toMatch(/needs userId/);
      expect((await acme.patch(path, { kind: 'group' }).expect(422)).body.message).toMatch(/needs teamId/);
      expect((await acme.patch(path, { userId: sol.id }).expect(422)).body.message).toMatch(/Only a direct number/);
      expect(
        (await acme.patch(path, { kind: 'direct', userId: sol.id, teamId: support }).expect(422)).body.message,
      ).toMatch(/Only a group number/);
      await acme.patch(path, { kind: 'direct', userId: outsider.id }).expect(404);
      await acme.patch(path, { kind: 'bogus' }).expect(400);
      await acme.patch(path, { label: null }).expect(400);
      await acme.patch(path, { kind: 'direct', userId: sol.id }, sol.token).expect(403);
      await other.patch(path, { label: 'Mine now' }).expect(404);

      const numbersNow = (await acme.get('/api/sms/numbers').expect(200)).body;
      expect(numbersNow.find((n: { id: string }) => n.id === id)).toMatchObject({
        kind: 'shared',
        userId: null,
        teamId: null,
        label: 'Main line',
      });
      expect(numbersNow.find((n: { id: string }) => n.id === numbers[GROUP])).toMatchObject({
        kind: 'group',
        teamId: support,
        userId: null,
      });
      expect(numbersNow.find((n: { id: string }) => n.id === numbers[SOL_DIRECT])).toMatchObject({
        kind: 'direct',
        userId: sol.id,
        label: 'Sol (mobile)',
      });

      // Changing the kind drops the assignment that no longer applies.
      const moved = await acme
        .patch(`/api/sms/numbers/${numbers[SOL_DIRECT]}`, { kind: 'shared', history: 'keep' })
        .expect(200);
      expect(moved.body).toMatchObject({ kind: 'shared', userId: null, teamId: null });
      await acme.patch(`/api/sms/numbers/${numbers[SOL_DIRECT]}`, { kind: 'direct', userId: sol.id }).expect(200);
    });
  });
});
