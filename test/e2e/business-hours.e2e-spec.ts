import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Clock } from '../../src/sms';
import { SmsQueue } from '../../src/sms/queues/queues';
import { eventually, SmsRow, TestAccount, TestApp } from '../support/test-app';

/** The module's clock standing at any instant we like; it keeps running from there, so BullMQ delays stay real. */
class StandingClock extends Clock {
  private offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  standAt(at: string): void {
    this.offsetMs = Date.parse(at) - Date.now();
  }
  /** Real (wall-clock) epoch ms at which this clock will read `at`. */
  realTimeOf(at: string): number {
    return Date.parse(at) - this.offsetMs;
  }
}

const NINE_TO_FIVE = [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' }));
const NEW_YORK = (weekly = NINE_TO_FIVE, holidays: string[] = []) => ({
  timezone: 'America/New_York',
  weekly,
  holidays,
});

describe('business hours and scheduled sends', () => {
  const clock = new StandingClock();
  let t: TestApp;
  let queue: Queue;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'business_hours', customize: (b) => b.overrideProvider(Clock).useValue(clock) });
    queue = t.app.get<Queue>(getQueueToken(SmsQueue.Outbound));
  });

  afterAll(() => t?.close());

  let phoneSeq = 100;
  /**
   * An account with a number, these settings, and a one-segment initial-problem text unless told otherwise. `allowance`:
   * its monthly credits, as a smaller plan would set them, and old enough to buy credit packs.
   */
  async function setUp(
    name: string,
    settings: object,
    initialProblem = 'Got your request #{{ticket.number}}.',
    allowance?: number,
  ) {
    const subscribedAt =
      allowance === undefined ? undefined : new Date(clock.now().getTime() - 60 * 86_400_000).toISOString();
    const account = await t.account(name, subscribedAt ? { subscribedAt } : {});
    if (allowance !== undefined) {
      await t.db.query(`INSERT INTO sms_credit_balances (account_id, monthly_allowance) VALUES ($1, $2)`, [
        account.id,
        allowance,
      ]);
    }
    await account.addNumber(`+1202555${String(phoneSeq++).padStart(4, '0')}`, 'Front desk');
    await account.put('/api/sms/settings', settings).expect(200);
    await account.put('/api/sms/templates/initial_problem', { body: initialProblem }).expect(200);
    const mobile = `+1201555${String(phoneSeq++).padStart(4, '0')}`;
    const customerId = await account.customer([{ number: mobile, type: 'mobile' }]);
    return { account, mobile, customerId };
  }
  const sentTo = (to: string) => t.twilio.sentMessages().filter((m) => m.to === to && m.responseStatus === 201);
  const onlyRow = async (account: TestAccount, ticketId: string): Promise<SmsRow & { sendAt: string | null }> => {
    const rows = await account.sms(ticketId);
    expect(rows).toHaveLength(1);
    return rows[0] as SmsRow & { sendAt: string | null };
  };

  it('writes a text created after hours as scheduled for the opening, holds it as a delayed job, and sends it at opening', async () => {
    clock.standAt('2027-01-11T08:59:57-05:00'); // a Monday, three seconds before nine in New York
    const { account, mobile, customerId } = await setUp('Early Birds', {
      businessHours: NEW_YORK(),
      businessHoursOnly: true,
    });

    const settings = await account.get('/api/sms/settings').expect(200);
    expect(settings.body).toMatchObject({
      businessHoursOnly: true,
      businessHoursDefault: false,
      openNow: false,
      nextChange: { at: '2027-01-11T14:00:00.000Z', local: '2027-01-11T09:00:00-05:00', opens: true },
    });

    const ticket = await account.ticket(customerId);
    const row = await onlyRow(account, ticket.id);
    expect(row).toMatchObject({ kind: 'initial_problem', status: 'scheduled', sendAt: '2027-01-11T14:00:00.000Z' });
    await eventually(
      () => queue.getJobState(row.id),
      (state) => state === 'delayed',
    );
    expect(sentTo(mobile)).toHaveLength(0);

    const sent = await eventually(
      async () => sentTo(mobile),
      (m) => m.length > 0,
      10_000,
    );
    expect(sent[0].request.time).toBeGreaterThanOrEqual(clock.realTimeOf('2027-01-11T14:00:00Z'));
    expect(sent[0].body).toBe(row.body);
    const after = await eventually(
      () => onlyRow(account, ticket.id),
      (r) => r.status === 'queued',
    );
    expect(after.sendAt).toBe('2027-01-11T14:00:00.000Z');
    expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
    expect(sentTo(mobile)).toHaveLength(1);
  });

  it('holds every part of a split text and sends them at opening, in order', async () => {
    clock.standAt('2027-01-12T08:59:57-05:00'); // Tuesday, three seconds before nine
    const { account, mobile, customerId } = await setUp(
      'Long Talkers',
      { businessHours: NEW_YORK(), businessHoursOnly: true, splitMode: 'split' },
      'Request #{{ticket.number}}: {{ticket.problem}}',
    );
    const problem = 'The printer on the second floor prints every page twice and then jams. '.repeat(3).trim();
    const ticket = (await account.post('/api/tickets', { customerId, subject: 'Printer', problem }).expect(201)).body;
    const rows = (await account.sms(ticket.id)) as (SmsRow & { sendAt: string })[];
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.map((r) => [r.status, r.sendAt])).toEqual(rows.map(() => ['scheduled', '2027-01-12T14:00:00.000Z']));

    const sent = await eventually(
      async () => sentTo(mobile),
      (m) => m.length === rows.length,
      10_000,
    );
    expect(sent.map((m) => m.body)).toEqual(rows.map((r) => r.body));
    expect(sent[0].request.time).toBeGreaterThanOrEqual(clock.realTimeOf('2027-01-12T14:00:00Z'));
  });

  it('shows the default hours in the account time zone, open now and the next change', async () => {
    clock.standAt('2027-01-16T12:00:00Z'); // Saturday noon in London
    const account = await t.account('London Desk', { timezone: 'Europe/London' });
    const settings = await account.get('/api/sms/settings').expect(200);
    expect(settings.body).toMatchObject({
      businessHours: { timezone: 'Europe/London', weekly: NINE_TO_FIVE, holidays: [] },
      businessHoursDefault: true,
      businessHoursOnly: false,
      allowSendNow: false,
      openNow: false,
      nextChange: { at: '2027-01-18T09:00:00.000Z', local: '2027-01-18T09:00:00+00:00', opens: true },
    });

    clock.standAt('2027-07-13T10:30:00+01:00'); // a Tuesday in British Summer Time
    const summer = await account.get('/api/sms/settings').expect(200);
    expect(summer.body).toMatchObject({
      openNow: true,
      nextChange: { at: '2027-07-13T16:00:00.000Z', local: '2027-07-13T17:00:00+01:00', opens: false },
    });

    const tech = await account.technician();
    await account.get('/api/sms/settings', tech.token).expect(403);
  });

  it('refuses hours with problems (422 listing each) and hours that never open with businessHoursOnly, changing nothing', async () => {
    clock.standAt('2027-01-13T12:00:00-05:00');
    const account = await t.account('Picky Admin');
    const bad = await account
      .put('/api/sms/settings', {
        businessHours: {
          timezone: 'Mars/Olympus_Mons',
          weekly: [
            { day: 8, start: '9:00', end: '17:00' },
            { day: 2, start: '10:00', end: '10:00' },
          ],
          holidays: ['2027-02-30'],
        },
        businessHoursOnly: true,
      })
      .expect(422);
    expect(bad.body.problems.map((p: { field: string }) => p.field)).toEqual([
      'businessHours.timezone',
      'businessHours.weekly[0].day',
      'businessHours.weekly[0].start',
      'businessHours.weekly[1].end',
      'businessHours.holidays[0]',
    ]);
    expect(bad.body.message).toContain('Mars/Olympus_Mons');

    const never = await account
      .put('/api/sms/settings', { businessHours: NEW_YORK([]), businessHoursOnly: true })
      .expect(422);
    expect(never.body.message).toMatch(/never open/);
    await account.put('/api/sms/settings', { businessHours: 'weekdays' }).expect(400);

    const settings = await account.get('/api/sms/settings').expect(200);
    expect(settings.body).toMatchObject({ businessHoursDefault: true, businessHoursOnly: false });

    // Closed for good is fine while texts are not held for opening hours.
    await account.put('/api/sms/settings', { businessHours: NEW_YORK([]) }).expect(200);
  });

  it('skips holidays, re-plans waiting texts when the hours change, and sends at the new opening', async () => {
    clock.standAt('2027-01-15T17:59:57-05:00'); // Friday after closing; Monday the 18th is a holiday
    const { account, mobile, customerId } = await setUp('Replanners', {
      businessHours: NEW_YORK(NINE_TO_FIVE, ['2027-01-18']),
      businessHoursOnly: true,
    });
    const ticket = await account.ticket(customerId);
    const row = await onlyRow(account, ticket.id);
    expect(row).toMatchObject({ status: 'scheduled', sendAt: '2027-01-19T14:00:00.000Z' }); // Tuesday 09:00
    await eventually(
      () => queue.getJobState(row.id),
      (state) => state === 'delayed',
    );

    // An evening shift from 18:00 on Fridays: the waiting text moves to it and goes three seconds from now.
    const changed = await account
      .put('/api/sms/settings', {
        businessHours: NEW_YORK([...NINE_TO_FIVE, { day: 5, start: '18:00', end: '20:00' }], ['2027-01-18']),
      })
      .expect(200);
    expect(changed.body.nextChange).toMatchObject({ at: '2027-01-15T23:00:00.000Z', opens: true });
    expect((await onlyRow(account, ticket.id)).sendAt).toBe('2027-01-15T23:00:00.000Z');
    expect(await queue.getJobState(row.id)).toBe('delayed');

    const sent = await eventually(
      async () => sentTo(mobile),
      (m) => m.length > 0,
      10_000,
    );
    // Not before the new opening; and sent within the wait above, not on Tuesday where it was planned first.
    expect(sent[0].request.time).toBeGreaterThanOrEqual(clock.realTimeOf('2027-01-15T23:00:00Z'));
    await eventually(
      () => onlyRow(account, ticket.id),
      (r) => r.status === 'queued',
    );
  });

  it('sends every waiting text at once when businessHoursOnly is turned off', async () => {
    clock.standAt('2027-01-16T11:00:00-05:00'); // Saturday
    const { account, mobile, customerId } = await setUp('Weekend Off', {
      businessHours: NEW_YORK(),
      businessHoursOnly: true,
    });
    const first = await account.ticket(customerId);
    const second = await account.ticket(customerId);
    const waiting = [await onlyRow(account, first.id), await onlyRow(account, second.id)];
    expect(waiting.map((r) => [r.status, r.sendAt])).toEqual(
      waiting.map(() => ['scheduled', '2027-01-18T14:00:00.000Z']),
    );
    // Their only jobs wait for Monday: nothing can have gone yet.
    for (const r of waiting)
      await eventually(
        () => queue.getJobState(r.id),
        (state) => state === 'delayed',
      );
    expect(sentTo(mobile)).toHaveLength(0);

    await account.put('/api/sms/settings', { businessHoursOnly: false }).expect(200);
    await eventually(
      async () => sentTo(mobile),
      (m) => m.length === 2,
    );
    await eventually(
      () => onlyRow(account, second.id),
      (r) => r.status === 'queued',
    );
  });

  it('re-checks the hours when the job runs: hours changed behind its back hold the text again', async () => {
    clock.standAt('2027-01-20T08:59:57-05:00'); // Wednesday, three seconds before nine
    const { account, mobile, customerId } = await setUp('Late Openers', {
      businessHours: NEW_YORK(),
      businessHoursOnly: true,
    });
    const ticket = await account.ticket(customerId);
    const row = await onlyRow(account, ticket.id);
    expect(row.sendAt).toBe('2027-01-20T14:00:00.000Z');

    // Straight in the table, so no re-plan moves the job: it fires at nine and must find the door still shut.
    const ten = NEW_YORK([1, 2, 3, 4, 5].map((day) => ({ day, start: '10:00', end: '17:00' })));
    await t.db.query('UPDATE sms_settings SET business_hours = $1 WHERE account_id = $2', [
      JSON.stringify(ten),
      account.id,
    ]);
    await eventually(
      () => onlyRow(account, ticket.id),
      (r) => r.sendAt === '2027-01-20T15:00:00.000Z',
      10_000,
    );
    expect((await onlyRow(account, ticket.id)).status).toBe('scheduled');
    expect(await queue.getJobState(row.id)).toBe('delayed');
    expect(sentTo(mobile)).toHaveLength(0);
  });

  it('gets a scheduled text whose delayed job was lost (flushed Redis) back through the sweep, on time', async () => {
    clock.standAt('2027-01-21T08:59:56-05:00'); // Thursday, four seconds before nine
    const { account, mobile, customerId } = await setUp('Flushed', {
      businessHours: NEW_YORK(),
      businessHoursOnly: true,
    });
    const ticket = await account.ticket(customerId);
    const row = await onlyRow(account, ticket.id);
    await eventually(
      () => queue.getJobState(row.id),
      (state) => state === 'delayed',
    );
    await queue.remove(row.id);
    expect(await queue.getJobState(row.id)).toBe('unknown');

    const sent = await eventually(
      async () => sentTo(mobile),
      (m) => m.length > 0,
      10_000,
    );
    expect(sent[0].request.time).toBeGreaterThanOrEqual(clock.realTimeOf('2027-01-21T14:00:00Z'));
    // The job the sweep rebuilt has run, and a later sweep leaves the sent row alone.
    expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
    await t.sweeps(1);
    expect(sentTo(mobile)).toHaveLength(1);
  });

  it('lets an admin send now while closed, a technician only when an admin allows it (403 and nothing written otherwise)', async () => {
    clock.standAt('2027-01-22T21:00:00-05:00'); // Friday night
    const { account, mobile, customerId } = await setUp('Night Shift', {
      businessHours: NEW_YORK(),
      businessHoursOnly: true,
    });
    const tech = await account.technician('Nina Night');
    const ticket = await account.ticket(customerId, tech.token);
    const update = (token: string, body: object) => account.post(`/api/tickets/${ticket.id}/updates`, body, token);

    const refused = await update(tech.token, { smsBody: 'Server is back up.', sendNow: true }).expect(403);
    expect(refused.body.message).toMatch(/allowSendNow/);
    expect((await account.get(`/api/tickets/${ticket.id}`).expect(200)).body.comments).toHaveLength(0);
    expect(await account.sms(ticket.id)).toHaveLength(1);

    const held = await update(tech.token, { smsBody: 'Server is back up.' }).expect(201);
    const byAdmin = await update(account.adminToken, { smsBody: 'Admin here: all fixed.', sendNow: true }).expect(201);
    await account.put('/api/sms/settings', { allowSendNow: true }).expect(200);
    const byTech = await update(tech.token, { smsBody: 'Tech here: confirmed.', sendNow: true }).expect(201);

    const rows = await eventually(
      () => account.sms(ticket.id),
      (r) => r.filter((m) => m.status === 'queued').length === 2,
    );
    const status = (id: string) => rows.find((r) => r.id === id)?.status;
    expect(status(held.body.smsMessageIds[0])).toBe('scheduled');
    expect(status(byAdmin.body.smsMessageIds[0])).toBe('queued');
    expect(status(byTech.body.smsMessageIds[0])).toBe('queued');
    expect(rows.find((r) => r.kind === 'initial_problem')?.status).toBe('scheduled');
    expect(sentTo(mobile).map((m) => m.body.includes('Admin here') || m.body.includes('Tech here'))).toEqual([
      true,
      true,
    ]);
  });

  describe('texts that waited for credits', () => {
    /**
     * During Monday's hours: the ticket's first text takes the account's only credit, so the update written next waits
     * for credits. Returns the update's row.
     */
    async function heldUpdate(name: string, body: object) {
      clock.standAt('2027-02-01T12:00:00-05:00'); // Monday noon in New York
      const { account, mobile, customerId } = await setUp(
        name,
        { businessHours: NEW_YORK(), businessHoursOnly: true },
        undefined,
        1,
      );
      const ticket = await account.ticket(customerId);
      await eventually(
        async () => sentTo(mobile),
        (m) => m.length === 1,
      );
      const [id] = (await account.post(`/api/tickets/${ticket.id}/updates`, body).expect(201)).body
        .smsMessageIds as string[];
      const rowOf = async () =>
        (await account.sms(ticket.id)).find((r) => r.id === id) as SmsRow & { sendAt: string | null };
      const held = await eventually(rowOf, (r) => r.status === 'held_no_credit');
      return { account, mobile, held, rowOf, sentUpdate: () => sentTo(mobile).filter((m) => m.body === held.body) };
    }

    it('holds one released while closed for the next opening, as a delayed job, and sends it then, once', async () => {
      const { account, held, rowOf, sentUpdate } = await heldUpdate('Night Buyers', {
        smsBody: 'Your laptop is ready for pickup.',
      });

      clock.standAt('2027-02-02T08:59:56-05:00'); // Tuesday, before opening
      await account.buyCredits(1);
      expect(await rowOf()).toMatchObject({ status: 'scheduled', sendAt: '2027-02-02T14:00:00.000Z', reason: null });
      // Its only job waits for the opening: nothing can have gone yet.
      await eventually(
        () => queue.getJobState(held.id),
        (state) => state === 'delayed',
      );
      expect(sentUpdate()).toHaveLength(0);

      const sent = await eventually(
        async () => sentUpdate(),
        (m) => m.length > 0,
        10_000,
      );
      expect(sent[0].request.time).toBeGreaterThanOrEqual(clock.realTimeOf('2027-02-02T14:00:00Z'));
      await eventually(rowOf, (r) => r.status === 'queued');
      expect(await t.jobEnds(SmsQueue.Outbound, held.id)).toBe('completed');
      expect(sentUpdate()).toHaveLength(1);
    });

    it('sends one written with sendNow at once when it is released while closed', async () => {
      const { account, held, rowOf, sentUpdate } = await heldUpdate('Night Senders', {
        smsBody: 'The outage is over.',
        sendNow: true,
      });

      clock.standAt('2027-02-01T23:30:00-05:00'); // Monday night
      await account.buyCredits(1);
      const sent = await eventually(
        async () => sentUpdate(),
        (m) => m.length > 0,
      );
      expect(sent[0].request.time).toBeLessThan(clock.realTimeOf('2027-02-02T14:00:00Z'));
      expect(await eventually(rowOf, (r) => r.status === 'queued')).toMatchObject({ sendAt: null });
      expect(await t.jobEnds(SmsQueue.Outbound, held.id)).toBe('completed');
      expect(sentUpdate()).toHaveLength(1);
    });

    it('sends one released during hours at once', async () => {
      const { account, held, rowOf, sentUpdate } = await heldUpdate('Day Buyers', {
        smsBody: 'Your new monitor arrived.',
      });

      clock.standAt('2027-02-01T15:00:00-05:00'); // the same Monday afternoon
      await account.buyCredits(1);
      await eventually(
        async () => sentUpdate(),
        (m) => m.length > 0,
      );
      expect(await eventually(rowOf, (r) => r.status === 'queued')).toMatchObject({ sendAt: null });
      expect(await t.jobEnds(SmsQueue.Outbound, held.id)).toBe('completed');
      expect(sentUpdate()).toHaveLength(1);
    });

    it('holds one released by the new month at midnight for the opening; the sweep runs it once that has passed', async () => {
      const { held, rowOf, sentUpdate } = await heldUpdate('Month Enders', { smsBody: 'We replaced the toner.' });

      // Nobody buys: the sweep grants March's credits at midnight on the 1st (a Monday) and releases the text.
      clock.standAt('2027-03-01T00:00:05-05:00');
      const released = await eventually(rowOf, (r) => r.status !== 'held_no_credit', 10_000);
      expect(released).toMatchObject({ status: 'scheduled', sendAt: '2027-03-01T14:00:00.000Z' });
      // Its only job waits for the opening (the release adds it once its transaction commits): nothing can have gone.
      await eventually(
        () => queue.getJobState(held.id),
        (state) => state === 'delayed',
      );
      expect(sentUpdate()).toHaveLength(0);

      // Past the opening, its job still delayed for hours of real time: the sweep runs it and the gate lets it go.
      clock.standAt('2027-03-01T09:00:12-05:00');
      const sent = await eventually(
        async () => sentUpdate(),
        (m) => m.length > 0,
        10_000,
      );
      expect(sent[0].request.time).toBeGreaterThanOrEqual(clock.realTimeOf('2027-03-01T14:00:00Z'));
      await eventually(rowOf, (r) => r.status === 'queued');
      expect(await t.jobEnds(SmsQueue.Outbound, held.id)).toBe('completed');
      await t.sweeps(1);
      expect(sentUpdate()).toHaveLength(1);
    });
  });
});
