import { SmsQueue } from '../../src/sms/queues/queues';
import { eventually, SmsRow, TestAccount, TestApp } from '../support/test-app';

interface PartRow extends SmsRow {
  sendId: string;
  part: { index: number; count: number };
  encoding: string;
  credits: number;
}

// About 420 GSM-7 characters once the ticket_update template wraps it: three one-segment parts.
const LONG_UPDATE =
  'We replaced the fuser unit and the pickup rollers on the second-floor printer, cleaned the paper path and updated the firmware to the latest release. ' +
  'Test pages print cleanly from every tray. If you still see streaks or paper jams, reply to this text with a photo of a test page and we will come back the same day. ' +
  'The old parts are in a box next to the printer in case your accountant wants them.';
const COUNTER = / \((\d+)\/(\d+)\)$/;

describe('splitting long texts', () => {
  let t: TestApp;
  let acme: TestAccount;
  let phoneSeq = 200;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'splitting' });
    acme = await t.account('Acme IT', { subscribedAt: new Date(Date.now() - 60 * 86_400_000).toISOString() });
    await acme.addNumber('+12025550300', 'Front desk');
  });

  afterAll(() => t?.close());

  beforeEach(() => t.twilio.reset());

  async function customerTicket(account = acme) {
    const mobile = `+1201555${String(phoneSeq++).padStart(4, '0')}`;
    const customerId = await account.customer([{ number: mobile, type: 'mobile' }]);
    const ticket = await account.ticket(customerId);
    await settled(account, ticket.id, 1);
    t.twilio.reset(); // the initial-problem text is not what these tests look at
    return { mobile, ticket };
  }

  async function settled(account: TestAccount, ticketId: string, count: number): Promise<PartRow[]> {
    return (await eventually(
      () => account.sms(ticketId),
      (rows) => rows.length >= count && rows.every((r) => !['pending', 'submitting', 'scheduled'].includes(r.status)),
    )) as PartRow[];
  }

  const sentTo = (to: string) => t.twilio.sentMessages().filter((m) => m.to === to && m.responseStatus === 201);
  const updates = (rows: PartRow[]) => rows.filter((r) => r.kind === 'ticket_update');

  it('splits a long text into one-segment parts with counters, each handed over only after the one before it was accepted', async () => {
    const { mobile, ticket } = await customerTicket();
    t.twilio.setLatency(250);

    const res = await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: LONG_UPDATE }).expect(201);
    expect(res.body.smsMessageIds).toHaveLength(3);

    const parts = updates(await settled(acme, ticket.id, 1 + 3));
    expect(parts.map((p) => p.part)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
    expect(new Set(parts.map((p) => p.sendId)).size).toBe(1);
    for (const [i, part] of parts.entries()) {
      expect(part).toMatchObject({ status: 'queued', segments: 1, credits: 1, encoding: 'GSM-7' });
      expect(part.body).toMatch(new RegExp(` \\(${i + 1}/3\\)$`));
    }
    // Re-joined without counters, the parts are the text the template rendered; no word is cut.
    const rejoined = parts.map((p) => p.body.replace(COUNTER, '')).join(' ');
    expect(rejoined.replace(/\s+/g, ' ')).toContain(LONG_UPDATE);

    const sent = sentTo(mobile).filter((m) => COUNTER.test(m.body));
    expect(sent.map((m) => m.body)).toEqual(parts.map((p) => p.body));
    // Part n+1 reached Twilio only after part n was answered (250 ms later).
    for (let i = 1; i < sent.length; i++)
      expect(sent[i].request.time - sent[i - 1].request.time).toBeGreaterThanOrEqual(240);
  });

  it('sends one carrier-joined SMS counted per segment in concatenate mode', async () => {
    const account = await t.account('Joined Up', {
      subscribedAt: new Date(Date.now() - 60 * 86_400_000).toISOString(),
    });
    await account.addNumber('+12025550301', 'Main');
    await account.put('/api/sms/settings', { splitMode: 'concatenate' }).expect(200);
    const { mobile, ticket } = await customerTicket(account);

    await account.post(`/api/tickets/${ticket.id}/updates`, { smsBody: LONG_UPDATE }).expect(201);
    const [row] = updates(await settled(account, ticket.id, 2));
    expect(row).toMatchObject({ part: { index: 1, count: 1 }, segments: 3, credits: 3, status: 'queued' });
    expect(row.body).not.toMatch(COUNTER);
    const sent = sentTo(mobile).filter((m) => m.body === row.body);
    expect(sent).toHaveLength(1);
    expect(sent[0].numSegments).toBe('3');
  });

  it('refuses a text over 1,600 characters after the template is applied, with the length, and stores nothing', async () => {
    const { ticket } = await customerTicket();
    const before = await acme.sms(ticket.id);
    // 1,580 characters typed fit; the template adds the account name, ticket number and a reply line.
    const res = await acme
      .post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'word '.repeat(316).trim() })
      .expect(422);
    expect(res.body.message).toMatch(/^The SMS would be 16\d\d characters; the limit is 1600$/);
    expect(await acme.sms(ticket.id)).toHaveLength(before.length);
    expect((await acme.get(`/api/tickets/${ticket.id}`).expect(200)).body.comments).toHaveLength(0);
    expect(t.twilio.sentMessages()).toHaveLength(0);
  });

  it('sends typographic punctuation as GSM-7 with smart encoding (the default), and as typed when it is off', async () => {
    const { mobile, ticket } = await customerTicket();
    const typed = '“Fixed” – we’ve swapped the toner…';

    await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: typed }).expect(201);
    const [smart] = updates(await settled(acme, ticket.id, 2));
    expect(smart).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(smart.body).toContain(`"Fixed" - we've swapped the toner...`);

    await acme.put('/api/sms/settings', { smartEncoding: false }).expect(200);
    try {
      await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: typed }).expect(201);
      const plain = updates(await settled(acme, ticket.id, 3))[1];
      expect(plain.encoding).toBe('UCS-2');
      expect(plain.body).toContain(typed);
      expect(sentTo(mobile).map((m) => m.body)).toEqual(expect.arrayContaining([smart.body, plain.body]));
    } finally {
      await acme.put('/api/sms/settings', { smartEncoding: true }).expect(200);
    }
  });

  it('previews a template as the account sends it: its parts and what they cost', async () => {
    const account = await t.account('Preview Co');
    const split = (await account.post('/api/sms/templates/ticket_update/preview', { body: LONG_UPDATE }).expect(200))
      .body;
    expect(split).toMatchObject({ encoding: 'GSM-7', segments: 3, credits: 3 });
    expect(split.parts.map((p: { text: string }) => p.text.match(COUNTER)?.[0])).toEqual([
      ' (1/3)',
      ' (2/3)',
      ' (3/3)',
    ]);

    await account.put('/api/sms/settings', { splitMode: 'concatenate', smartEncoding: false }).expect(200);
    const joined = (
      await account.post('/api/sms/templates/ticket_update/preview', { body: '“Done” – thanks' }).expect(200)
    ).body;
    expect(joined).toMatchObject({
      text: '“Done” – thanks',
      encoding: 'UCS-2',
      segments: 1,
      credits: 1,
      parts: [{ text: '“Done” – thanks', segments: 1 }],
    });
  });

  it('shows the split settings with their defaults and refuses bad values', async () => {
    const account = await t.account('Settings Co');
    expect((await account.get('/api/sms/settings').expect(200)).body).toMatchObject({
      smartEncoding: true,
      splitMode: 'split',
    });
    const bad = await account.put('/api/sms/settings', { splitMode: 'words' }).expect(400);
    expect(JSON.stringify(bad.body.message)).toContain('splitMode must be split or concatenate');
    await account.put('/api/sms/settings', { smartEncoding: 'yes' }).expect(400);
    expect((await account.put('/api/sms/settings', { splitMode: 'concatenate' }).expect(200)).body).toMatchObject({
      splitMode: 'concatenate',
      smartEncoding: true,
    });
  });

  it('ends every part unsent and charges nothing when Twilio refuses the first part', async () => {
    const { mobile, ticket } = await customerTicket();
    t.twilio.rejectRecipient(mobile, 21211);
    const credits = async () => (await acme.get('/api/sms/credits').expect(200)).body.remaining as number;
    const before = await credits();

    await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: LONG_UPDATE }).expect(201);
    const parts = updates(await settled(acme, ticket.id, 4));
    expect(parts.map((p) => [p.status, p.credits])).toEqual([
      ['failed', 0],
      ['failed', 0],
      ['failed', 0],
    ]);
    expect(parts[0].errorCode).toBe('21211');
    expect(parts[1].reason).toMatch(/^Part 1 of 3 was not sent: /);
    // The first part's job has ended; the later parts never get one.
    await t.jobEnds(SmsQueue.Outbound, parts[0].id);
    expect(t.twilio.sendAttempts()).toHaveLength(1);
    expect(await credits()).toBe(before);
  });

  it('retries a middle part after a 429 while the part after it keeps waiting its turn', async () => {
    const { mobile, ticket } = await customerTicket();
    t.twilio.setLatency(400);

    await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: LONG_UPDATE }).expect(201);
    // Part 1 has reached Twilio and waits for its answer: the next two POSTs (part 2 and its first retry) get 429.
    await eventually(
      async () => t.twilio.sendAttempts().length,
      (n) => n >= 1,
    );
    t.twilio.failNext(2, { status: 429 });

    const parts = updates(await settled(acme, ticket.id, 4));
    expect(parts.map((p) => p.status)).toEqual(['queued', 'queued', 'queued']);
    const attempts = t.twilio.sendAttempts().map((r) => ({ body: String(r.form.Body), status: r.status }));
    expect(attempts.map((a) => [a.body.match(COUNTER)?.[1], a.status])).toEqual([
      ['1', 201],
      ['2', 429],
      ['2', 429],
      ['2', 201],
      ['3', 201],
    ]);
    expect(sentTo(mobile)).toHaveLength(3);
  });

  it('sends a later part whose job was lost after the part before it was accepted (outbox sweep)', async () => {
    const { mobile, ticket } = await customerTicket();
    // A crash between part 1's acceptance and enqueueing part 2: part 1 is queued at Twilio, part 2 has no job.
    const sendId = '3f0d3c55-1111-4c1e-9a55-0123456789ab';
    await t.db.query(
      `INSERT INTO sms_messages (account_id, direction, kind, ticket_id, send_id, part_index, part_count, to_number, from_number, body, status, provider, provider_message_id, segments, credits, updated_at)
       VALUES ($1, 'outbound', 'ticket_update', $2, $3, 1, 2, $4, '+12025550300', 'First half (1/2)', 'queued', 'twilio', 'SMlostjobpart1', 1, 1, now() - interval '1 minute'),
              ($1, 'outbound', 'ticket_update', $2, $3, 2, 2, $4, '+12025550300', 'Second half (2/2)', 'pending', 'twilio', NULL, 1, 1, now() - interval '1 minute')`,
      [acme.id, ticket.id, sendId, mobile],
    );
    const sent = await eventually(
      async () => sentTo(mobile),
      (m) => m.length > 0,
      5000,
    );
    expect(sent.map((m) => m.body)).toEqual(['Second half (2/2)']);
  });

  it('does not let the outbox sweep send a later part before the part before it', async () => {
    const { mobile, ticket } = await customerTicket();
    // Part 1 is being handed over (a slow provider call); part 2 has no job and must wait however often the sweep runs.
    const sendId = '3f0d3c55-2222-4c1e-9a55-0123456789ab';
    await t.db.query(
      `INSERT INTO sms_messages (account_id, direction, kind, ticket_id, send_id, part_index, part_count, to_number, from_number, body, status, provider, segments, updated_at, created_at)
       VALUES ($1, 'outbound', 'ticket_update', $2, $3, 1, 2, $4, '+12025550300', 'Waiting (1/2)', 'submitting', 'twilio', 1, now() + interval '1 hour', now()),
              ($1, 'outbound', 'ticket_update', $2, $3, 2, 2, $4, '+12025550300', 'Waiting (2/2)', 'pending', 'twilio', 1, now() - interval '1 minute', now())`,
      [acme.id, ticket.id, sendId, mobile],
    );
    await t.sweeps(2);
    expect(sentTo(mobile)).toHaveLength(0);
    await t.db.query(`UPDATE sms_messages SET status = 'failed', error_message = 'test over' WHERE send_id = $1`, [
      sendId,
    ]);
  });
});
