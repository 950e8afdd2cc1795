import { conversationWith, textIn } from '../support/conversations';
import { parseCsv } from '../../src/sms/csv/csv';
import { eventually, TestAccount, TestApp } from '../support/test-app';

jest.setTimeout(120_000);

const SUPPORT_LINE = '+12025550160';
const MAIN_LINE = '+12025550161';
const DANA_DIRECT = '+12025550162';
const DAY = '2025-03-03';
const at = (time: string, day = DAY) => new Date(`${day}T${time}:00Z`);

interface Totals {
  sessions: number;
  byType: Record<string, number>;
  messages: number;
  inboundMessages: number;
  outboundMessages: number;
  segments: number;
  credits: number;
  medianFirstResponseSeconds: number | null;
  claims: number;
  transfers: number;
}

const NO_SESSIONS = {
  'Messaging Inbound (SMS Direct)': 0,
  'Messaging Outbound (SMS Direct)': 0,
  'Messaging Inbound (SMS Team)': 0,
  'Messaging Outbound (SMS Team)': 0,
  'Messaging Inbound (SMS Shared)': 0,
  'Messaging Outbound (SMS Shared)': 0,
};

/**
 * A scripted day of traffic through the real API (signed Twilio webhooks, replies, a transfer, a ticket), each step
 * then placed at its scripted time of day by moving the rows' database timestamps, as if the day had been lived.
 */
describe('sessions report', () => {
  let t: TestApp;
  let acme: TestAccount;
  let support: string;
  let ann: { id: string; token: string };
  let ben: { id: string; token: string };
  let dana: { id: string; token: string };
  let startedAt: Date;

  /** Everything the account wrote since the script began and not yet placed in the day happened at `when`. */
  async function happenedAt(when: Date): Promise<void> {
    await t.db.query(`UPDATE sms_messages SET created_at = $1 WHERE account_id = $2 AND created_at >= $3`, [
      when,
      acme.id,
      startedAt,
    ]);
    await t.db.query(`UPDATE sms_conversation_claims SET created_at = $1 WHERE account_id = $2 AND created_at >= $3`, [
      when,
      acme.id,
      startedAt,
    ]);
  }

  const reply = async (contact: string, business: string, member: { token: string }, body: string) => {
    const { id } = await conversationWith(acme, contact, business);
    await acme.post(`/api/sms/conversations/${id}/messages`, { body }, member.token).expect(201);
    return id;
  };

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'reports' });
    acme = await t.account('Acme IT');
    support = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body.id;
    const user = async (name: string, email: string) =>
      (await acme.post('/api/users', { name, email, role: 'technician', teamIds: [support] }).expect(201)).body;
    ann = await user('Ann Archer', 'ann@acme.test');
    ben = await user('Ben Baker', 'ben@acme.test');
    dana = await user('Dana Scully', 'dana@acme.test');
    await acme.addNumber(MAIN_LINE, 'Main line');
    const supportLine = await acme.addNumber(SUPPORT_LINE, 'Support line');
    const danaDirect = await acme.addNumber(DANA_DIRECT, 'Dana');
    await acme.patch(`/api/sms/numbers/${supportLine}`, { kind: 'group', teamId: support }).expect(200);
    await acme.patch(`/api/sms/numbers/${danaDirect}`, { kind: 'direct', userId: dana.id }).expect(200);
    await acme.put('/api/sms/templates/initial_problem', { body: 'Ticket #{{ticket.number}} opened' }).expect(200);
    startedAt = new Date(Date.now() - 1000);

    // The evening before: a contact starts a conversation that carries on into the day (not the day's session).
    await textIn(t, '+12015550105', SUPPORT_LINE, 'Late night: server alarm');
    await happenedAt(at('22:00', '2025-03-02'));
    await textIn(t, '+12015550105', SUPPORT_LINE, 'Alarm again this morning');
    await happenedAt(at('07:00'));

    // 08:00 a team conversation: Ann answers, hands it to Ben, Ben answers; the contact writes again at 20:00.
    await textIn(t, '+12015550101', SUPPORT_LINE, 'Printer down');
    await happenedAt(at('08:00'));
    const s1 = await reply('+12015550101', SUPPORT_LINE, ann, 'Looking at it');
    await happenedAt(at('08:03'));
    await textIn(t, '+12015550101', SUPPORT_LINE, 'Thanks');
    await happenedAt(at('08:10'));
    await acme.post(`/api/sms/conversations/${s1}/transfer`, { userId: ben.id }, ann.token).expect(200);
    await happenedAt(at('08:12'));
    await reply('+12015550101', SUPPORT_LINE, ben, 'Fixed, try again');
    await happenedAt(at('08:15'));

    // 09:00 Dana opens a ticket: its first text goes from her direct number; the customer answers at 09:30.
    const customer = await acme.customer([{ number: '+12015550102', type: 'mobile' }]);
    await acme.ticket(customer, dana.token);
    await happenedAt(at('09:00'));
    await textIn(t, '+12015550102', DANA_DIRECT, 'OK thanks');
    await happenedAt(at('09:30'));

    // 10:00 a two-segment text to the shared number; Ben answers an hour later, twice.
    await textIn(
      t,
      '+12015550103',
      MAIN_LINE,
      'Need help with the VPN, it drops every few minutes since the update',
      2,
    );
    await happenedAt(at('10:00'));
    await reply('+12015550103', MAIN_LINE, ben, 'Sure');
    await happenedAt(at('11:00'));
    await reply('+12015550103', MAIN_LINE, ben, 'Calling you now');
    await happenedAt(at('11:05'));

    // 13:00 an unanswered text to Dana's direct number.
    await textIn(t, '+12015550104', DANA_DIRECT, 'hello?');
    await happenedAt(at('13:00'));

    await textIn(t, '+12015550101', SUPPORT_LINE, 'It broke again');
    await happenedAt(at('20:00'));

    // After midnight: the next day's session.
    await textIn(t, '+12015550106', MAIN_LINE, 'Good morning');
    await happenedAt(at('01:00', '2025-03-04'));

    // Credits are counted once the provider took each reply.
    await eventually(
      () =>
        t.db.query(
          `SELECT count(*)::int AS n FROM sms_messages WHERE account_id = $1 AND direction = 'outbound' AND provider_message_id IS NULL`,
          [acme.id],
        ),
      (rows: { n: number }[]) => rows[0].n === 0,
    );
  });

  afterAll(() => t?.close());

  const report = (query: string, accept = 'application/json') =>
    acme
      .get(`/api/sms/reports/sessions?from=${DAY}T00:00:00Z&to=2025-03-04T00:00:00Z&${query}`)
      .set('Accept', accept)
      .expect(200);

  it('counts the day by session type, exactly', async () => {
    const { body } = await report('groupBy=type');
    expect(body).toMatchObject({ groupBy: 'type', sessionGapHours: 24 });
    const total: Totals = body.total;
    expect(total).toEqual({
      sessions: 4,
      byType: {
        ...NO_SESSIONS,
        'Messaging Inbound (SMS Direct)': 1,
        'Messaging Outbound (SMS Direct)': 1,
        'Messaging Inbound (SMS Team)': 1,
        'Messaging Inbound (SMS Shared)': 1,
      },
      messages: 11,
      inboundMessages: 6,
      outboundMessages: 5,
      segments: 12,
      credits: 5,
      // First responses: 3 minutes (team) and 60 minutes (shared).
      medianFirstResponseSeconds: 1890,
      claims: 2,
      transfers: 1,
    });
    const team = body.groups.find((g: { key: string }) => g.key === 'Messaging Inbound (SMS Team)');
    expect(team).toMatchObject({
      sessions: 1,
      messages: 5,
      inboundMessages: 3,
      outboundMessages: 2,
      segments: 5,
      credits: 2,
      medianFirstResponseSeconds: 180,
      claims: 1,
      transfers: 1,
    });
    expect(body.groups.map((g: { key: string }) => g.key)).toEqual(Object.keys(NO_SESSIONS));
  });

  it('groups by user, number and team', async () => {
    const byUser = (await report('groupBy=user')).body.groups.map((g: Totals & { label: string }) => [
      g.label,
      g.sessions,
      g.messages,
      g.segments,
      g.credits,
      g.medianFirstResponseSeconds,
      g.claims,
      g.transfers,
    ]);
    expect(byUser).toEqual([
      ['Ann Archer', 1, 5, 5, 2, 180, 1, 1],
      ['Ben Baker', 1, 3, 4, 2, 3600, 1, 0],
      ['Dana Scully', 2, 3, 3, 1, null, 0, 0],
    ]);
    const byNumber = (await report('groupBy=number')).body.groups.map((g: Totals & { key: string }) => [
      g.key,
      g.sessions,
      g.messages,
    ]);
    expect(byNumber).toEqual([
      [DANA_DIRECT, 2, 3],
      [MAIN_LINE, 1, 3],
      [SUPPORT_LINE, 1, 5],
    ]);
    const byTeam = (await report('groupBy=team')).body.groups.map(
      (g: Totals & { key: string | null; label: string }) => [g.label, g.key, g.sessions],
    );
    expect(byTeam).toEqual([
      ['Support', support, 1],
      ['(no team)', null, 3],
    ]);
  });

  it('a shorter idle gap splits conversations into more sessions', async () => {
    const { body } = await report('groupBy=type&gapHours=2');
    expect(body.sessionGapHours).toBe(2);
    // The 07:00 text now starts its own session, and so does the 20:00 one.
    expect(body.total).toMatchObject({ sessions: 6, messages: 12, claims: 2, transfers: 1 });
    expect(body.total.byType['Messaging Inbound (SMS Team)']).toBe(3);
  });

  it('answers CSV to Accept: text/csv, one line per group and the total', async () => {
    const res = await report('groupBy=type', 'text/csv');
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    // Cells are quoted on the wire; a spreadsheet (and parseCsv) reads them back as written.
    const lines = parseCsv(res.text).map((r) => r.fields.join(','));
    expect(lines[0]).toBe(
      'type,type_key,sessions,Messaging Inbound (SMS Direct),Messaging Outbound (SMS Direct),Messaging Inbound (SMS Team),Messaging Outbound (SMS Team),' +
        'Messaging Inbound (SMS Shared),Messaging Outbound (SMS Shared),messages,inbound_messages,outbound_messages,segments,credits,median_first_response_seconds,claims,transfers',
    );
    expect(lines).toHaveLength(8);
    expect(lines[3]).toBe('Messaging Inbound (SMS Team),Messaging Inbound (SMS Team),1,0,0,1,0,0,0,5,3,2,5,2,180,1,1');
    expect(lines[4]).toBe('Messaging Outbound (SMS Team),Messaging Outbound (SMS Team),0,0,0,0,0,0,0,0,0,0,0,0,,0,0');
    expect(lines[7]).toBe('Total,,4,1,1,1,0,1,0,11,6,5,12,5,1890,2,1');
    const byUser = await acme
      .get(`/api/sms/reports/sessions?from=${DAY}T00:00:00Z&to=2025-03-04T00:00:00Z&groupBy=user&format=csv`)
      .expect(200);
    expect(parseCsv(byUser.text)[1].fields.join(',')).toBe(`Ann Archer,${ann.id},1,0,0,1,0,0,0,5,3,2,5,2,180,1,1`);
  });

  it('is for admins of the account, and refuses bad ranges with the reason', async () => {
    await acme.get('/api/sms/reports/sessions', ann.token).expect(403);
    const other = await t.account('Other IT');
    expect(
      (await other.get(`/api/sms/reports/sessions?from=${DAY}T00:00:00Z&to=2025-03-04T00:00:00Z`).expect(200)).body
        .total.sessions,
    ).toBe(0);
    expect(
      (await acme.get('/api/sms/reports/sessions?from=2025-03-04T00:00:00Z&to=2025-03-03T00:00:00Z').expect(400)).body
        .message,
    ).toBe('from must be before to');
    await acme.get('/api/sms/reports/sessions?groupBy=day').expect(400);
    await acme.get('/api/sms/reports/sessions?from=yesterday').expect(400);
    expect(
      (await acme.get('/api/sms/reports/sessions?from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z').expect(400)).body
        .message,
    ).toMatch(/at most 400 days/);
  });
});
