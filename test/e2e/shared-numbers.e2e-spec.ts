import { Clock } from '../../src/sms';
import { conversationsOf, conversationWith, MINUTE, MovableClock, SseClient, textIn } from '../support/conversations';
import { SmsQueue } from '../../src/sms/queues/queues';
import { TestAccount, TestApp } from '../support/test-app';

jest.setTimeout(120_000);

interface Member {
  id: string;
  token: string;
}

/**
 * Shared numbers as phone-system teams know them: a number is nobody's until assigned, changing hands never shows old
 * threads to new people unless an admin hands them over, and timers act when due with nobody looking.
 */
describe('shared numbers: assignment, history, timers and visibility', () => {
  const clock = new MovableClock();
  let t: TestApp;
  let acme: TestAccount;
  let support: string;
  let tina: Member;
  let tom: Member;
  let ursula: Member;
  let dana: Member;
  let lineSeq = 200;
  let contactSeq = 3000;
  const newLine = () => `+12025550${lineSeq++}`;
  const newContact = () => `+1201555${contactSeq++}`;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'shared_numbers', customize: (b) => b.overrideProvider(Clock).useValue(clock) });
    acme = await t.account('Acme IT');
    support = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body.id;
    const user = async (name: string, email: string, teamIds: string[]) =>
      (await acme.post('/api/users', { name, email, role: 'technician', teamIds }).expect(201)).body as Member;
    tina = await user('Tina Turner', 'tina@acme.test', [support]);
    tom = await user('Tom Thumb', 'tom@acme.test', [support]);
    ursula = await user('Ursula Up', 'ursula@acme.test', []);
    dana = await user('Dana Scully', 'dana@acme.test', [support]);
    await acme.put('/api/sms/settings', { responseTimeMinutes: 5, claimTimeoutMinutes: 5 }).expect(200);
  });

  afterAll(() => t?.close());

  /** A platform number the admin adds; `assignment` as POST /api/sms/numbers takes it (none: unassigned). */
  async function addLine(assignment: Record<string, unknown> = {}): Promise<{ id: string; number: string }> {
    const number = newLine();
    await acme.assignNumber(number);
    const added = await acme.post('/api/sms/numbers', { number, label: 'Line', ...assignment }).expect(201);
    return { id: added.body.id, number };
  }
  const listed = async (member: Member | 'admin') =>
    (await conversationsOf(acme, member === 'admin' ? acme.adminToken : member.token)).map((c) => c.id);
  const bodiesFor = async (member: Member, conversationId: string) =>
    (await acme.get(`/api/sms/conversations/${conversationId}`, member.token).expect(200)).body.messages.map(
      (m: { body: string }) => m.body,
    );
  const mine = async (member: Member) =>
    (await acme.get('/api/sms/numbers/mine', member.token).expect(200)).body.map((n: { id: string }) => n.id);

  it('a new number is the admins’ alone and sends nothing; assigned to Tina it is hers; unassigned, Tina keeps her threads and nobody else gains them', async () => {
    const line = await addLine();
    expect((await acme.get(`/api/sms/numbers/${line.id}`).expect(200)).body).toMatchObject({ kind: 'unassigned' });
    const early = newContact();
    await textIn(t, early, line.number, 'Anyone there?');
    const earlyThread = await conversationWith(acme, early, line.number);
    expect(await listed(tina)).not.toContain(earlyThread.id);
    expect(await listed(tom)).not.toContain(earlyThread.id);
    expect(await mine(tina)).not.toContain(line.id);
    // Not even an admin sends from a number nobody holds.
    const refused = await acme.post(`/api/sms/conversations/${earlyThread.id}/messages`, { body: 'Hi' }).expect(422);
    expect(refused.body.message).toMatch(/is not assigned to anyone/);

    await acme.patch(`/api/sms/numbers/${line.id}`, { kind: 'direct', userId: tina.id }).expect(200);
    expect(await mine(tina)).toContain(line.id);
    // What came in before it was hers stays with the admins.
    expect(await listed(tina)).not.toContain(earlyThread.id);
    const contact = newContact();
    await textIn(t, contact, line.number, 'Printer jammed');
    const thread = await conversationWith(acme, contact, line.number);
    expect(await listed(tina)).toContain(thread.id);
    expect(await listed(tom)).not.toContain(thread.id);
    await acme.post(`/api/sms/conversations/${thread.id}/messages`, { body: 'Coming over' }, tina.token).expect(201);

    await acme.patch(`/api/sms/numbers/${line.id}`, { kind: 'unassigned' }).expect(200);
    expect(await listed(tina)).toContain(thread.id);
    expect(await listed(tom)).not.toContain(thread.id);
    expect(await listed('admin')).toContain(thread.id);
    expect(await mine(tina)).not.toContain(line.id);
    // The contact writes again: that text is the admins' (the number is nobody's), Tina keeps what she saw.
    await textIn(t, contact, line.number, 'Still jammed');
    expect(await bodiesFor(tina, thread.id)).toEqual(['Printer jammed', 'Coming over']);
    // She reads her history but no longer answers from a number that is not hers.
    await acme.post(`/api/sms/conversations/${thread.id}/messages`, { body: 'Hm' }, tina.token).expect(404);
  });

  it("moving Tina's direct number to Tom needs the choice: keep leaves her threads with her, hand_over gives them to Tom", async () => {
    const line = await addLine({ kind: 'direct', userId: tina.id });
    const contact = newContact();
    const firstText = await textIn(t, contact, line.number, 'Laptop will not boot');
    const thread = await conversationWith(acme, contact, line.number);

    const unsaid = await acme.patch(`/api/sms/numbers/${line.id}`, { kind: 'direct', userId: tom.id }).expect(422);
    expect(unsaid.body.message).toMatch(/history: 'keep'.*'hand_over'/);
    expect((await acme.get(`/api/sms/numbers/${line.id}`).expect(200)).body).toMatchObject({ userId: tina.id });
    await acme.patch(`/api/sms/numbers/${line.id}`, { kind: 'direct', userId: tom.id, history: 'later' }).expect(400);

    await acme.patch(`/api/sms/numbers/${line.id}`, { kind: 'direct', userId: tom.id, history: 'keep' }).expect(200);
    expect(await listed(tina)).toContain(thread.id);
    expect(await listed(tom)).not.toContain(thread.id);
    await acme.get(`/api/sms/messages/${firstText}`, tom.token).expect(404);
    await acme.get(`/api/sms/messages/${firstText}`, tina.token).expect(200);
    // The contact writes again: Tom sees the thread from that text on, Tina what she had.
    await textIn(t, contact, line.number, 'Now it boots but slowly');
    expect(await bodiesFor(tom, thread.id)).toEqual(['Now it boots but slowly']);
    expect(await bodiesFor(tina, thread.id)).toEqual(['Laptop will not boot']);

    const other = await addLine({ kind: 'direct', userId: tina.id });
    const customer = newContact();
    const handedText = await textIn(t, customer, other.number, 'Need a new mouse');
    const handed = await conversationWith(acme, customer, other.number);
    await acme
      .patch(`/api/sms/numbers/${other.id}`, { kind: 'direct', userId: tom.id, history: 'hand_over' })
      .expect(200);
    expect(await listed(tom)).toContain(handed.id);
    expect(await bodiesFor(tom, handed.id)).toEqual(['Need a new mouse']);
    expect(await listed(tina)).not.toContain(handed.id);
    await acme.get(`/api/sms/messages/${handedText}`, tina.token).expect(404);
  });

  it('a number shared with chosen people reaches them and nobody else', async () => {
    await acme
      .post('/api/sms/numbers', { number: newLine(), label: 'x', kind: 'users', memberIds: ['no-such-user'] })
      .expect(404);
    const line = await addLine({ kind: 'users', memberIds: [tina.id, ursula.id] });
    expect((await acme.get(`/api/sms/numbers/${line.id}`).expect(200)).body).toMatchObject({
      kind: 'users',
      memberIds: [tina.id, ursula.id],
    });
    expect(await mine(ursula)).toContain(line.id);
    expect(await mine(tom)).not.toContain(line.id);
    const contact = newContact();
    await textIn(t, contact, line.number, 'Wi-Fi is down');
    const thread = await conversationWith(acme, contact, line.number);
    expect(await listed(tina)).toContain(thread.id);
    expect(await listed(ursula)).toContain(thread.id);
    expect(await listed(tom)).not.toContain(thread.id);
    await acme.post(`/api/sms/conversations/${thread.id}/messages`, { body: 'On it' }, ursula.token).expect(201);
    const held = await acme.post(`/api/sms/conversations/${thread.id}/messages`, { body: 'Me too' }, tina.token);
    expect(held.status).toBe(409);
    const transfer = await acme
      .post(`/api/sms/conversations/${thread.id}/transfer`, { userId: tom.id }, ursula.token)
      .expect(422);
    expect(transfer.body.message).toMatch(/not one of the users who share/);
  });

  it("'handler only' texts stay hidden from a technician who did not handle them, through messages and ticket texts too", async () => {
    const line = await addLine({ kind: 'group', teamId: support });
    await acme.patch(`/api/sms/numbers/${line.id}`, { historyVisibility: 'handler' }).expect(200);
    const contact = newContact();
    const inbound = await textIn(t, contact, line.number, 'My account is locked');
    const thread = await conversationWith(acme, contact, line.number);
    await acme.post(`/api/sms/conversations/${thread.id}/messages`, { body: 'Unlocked it' }, tina.token).expect(201);
    const ticketId = (await acme.get(`/api/sms/messages/${inbound}`).expect(200)).body.ticketId as string;
    expect(ticketId).toEqual(expect.any(String));

    await acme.get(`/api/sms/conversations/${thread.id}`, tom.token).expect(404);
    await acme.get(`/api/sms/messages/${inbound}`, tom.token).expect(404);
    const tomTexts = (await acme.get(`/api/tickets/${ticketId}/sms`, tom.token).expect(200)).body;
    expect(tomTexts.messages.map((m: { id: string }) => m.id)).not.toContain(inbound);
    expect(tomTexts.hidden).toBeGreaterThan(0);

    await acme.get(`/api/sms/messages/${inbound}`, tina.token).expect(200);
    const tinaTexts = (await acme.get(`/api/tickets/${ticketId}/sms`, tina.token).expect(200)).body;
    expect(tinaTexts.messages.map((m: { id: string }) => m.id)).toContain(inbound);
    expect(tinaTexts.hidden).toBe(0);
  });

  it('a claim that lapses is released by itself: the team hears it within seconds with nobody polling', async () => {
    const line = await addLine({ kind: 'group', teamId: support });
    const contact = newContact();
    await textIn(t, contact, line.number, 'Projector broken');
    const thread = await conversationWith(acme, contact, line.number);
    const tomEvents = await SseClient.connect(t, tom.token);
    try {
      await acme.post(`/api/sms/conversations/${thread.id}/claim`, {}, tina.token).expect(200);
      await tomEvents.next((e) => e.type === 'conversation.claimed' && e.data.conversationId === thread.id);
      clock.advance(6 * MINUTE);
      const released = await tomEvents.next(
        (e) => e.type === 'conversation.released' && e.data.conversationId === thread.id,
        5_000,
      );
      expect(released.data).toMatchObject({ userId: tina.id, reason: 'timeout' });
      expect((await conversationWith(acme, contact, line.number)).status).toBe('unclaimed');
      await acme.post(`/api/sms/conversations/${thread.id}/messages`, { body: 'Tom here' }, tom.token).expect(201);
    } finally {
      tomEvents.close();
    }
  });

  it('a lapse whose job Redis lost still happens: the sweep rebuilds the timer from the claim', async () => {
    const line = await addLine({ kind: 'shared' });
    const contact = newContact();
    await textIn(t, contact, line.number, 'Keyboard missing keys');
    const thread = await conversationWith(acme, contact, line.number);
    const tomEvents = await SseClient.connect(t, tom.token);
    try {
      await acme.post(`/api/sms/conversations/${thread.id}/claim`, {}, tina.token).expect(200);
      await tomEvents.next((e) => e.type === 'conversation.claimed' && e.data.conversationId === thread.id);
      const timers = t.queue(SmsQueue.Timers);
      // As a flushed Redis would: the delayed timer is gone.
      await timers.drain(true);
      expect(await timers.getDelayedCount()).toBe(0);
      clock.advance(6 * MINUTE);
      const released = await tomEvents.next(
        (e) => e.type === 'conversation.released' && e.data.conversationId === thread.id,
        5_000,
      );
      expect(released.data).toMatchObject({ userId: tina.id, reason: 'timeout' });
    } finally {
      tomEvents.close();
    }
  });

  it("the team sees a missed agent's texts by itself, told by events, with nobody reading the agent's availability", async () => {
    const line = await addLine({ kind: 'direct', userId: dana.id });
    const tomEvents = await SseClient.connect(t, tom.token);
    try {
      const first = newContact();
      await textIn(t, first, line.number, 'Are you in today?');
      const firstThread = await conversationWith(acme, first, line.number);
      expect(await listed(tom)).not.toContain(firstThread.id);
      clock.advance(6 * MINUTE); // past the 5-minute response time
      const second = newContact();
      await textIn(t, second, line.number, 'Hello?');
      const secondThread = await conversationWith(acme, second, line.number);
      clock.advance(6 * MINUTE);

      const changed = await tomEvents.next((e) => e.type === 'availability.changed' && e.data.userId === dana.id);
      expect(changed.data).toMatchObject({ status: 'missed', textsAlsoReachTeams: true });
      for (const id of [firstThread.id, secondThread.id]) {
        const routed = await tomEvents.next((e) => e.type === 'conversation.routed' && e.data.conversationId === id);
        expect(routed.data).toMatchObject({ teamIds: [support], reason: 'missed' });
      }
      expect(await listed(tom)).toEqual(expect.arrayContaining([firstThread.id, secondThread.id]));
      // Whoever reads it, it is the same, and reading changes nothing.
      const seenByAdmin = (await acme.get(`/api/sms/availability/users/${dana.id}`).expect(200)).body;
      const seenByDana = (await acme.get('/api/sms/availability/me', dana.token).expect(200)).body;
      expect(seenByDana).toEqual(seenByAdmin);
      expect(seenByDana).toMatchObject({ status: 'missed' });
    } finally {
      tomEvents.close();
    }
    await acme.put('/api/sms/availability/me', { status: 'available' }, dana.token).expect(200);
  });

  it('an agent sets themselves away and back: meanwhile their texts reach their team too', async () => {
    const line = await addLine({ kind: 'direct', userId: dana.id });
    const tomEvents = await SseClient.connect(t, tom.token);
    try {
      expect(
        (await acme.put('/api/sms/availability/me', { status: 'away' }, dana.token).expect(200)).body,
      ).toMatchObject({ status: 'away', textsAlsoReachTeams: true });
      await tomEvents.next(
        (e) => e.type === 'availability.changed' && e.data.userId === dana.id && e.data.status === 'away',
      );
      const contact = newContact();
      await textIn(t, contact, line.number, 'Need help now');
      const thread = await conversationWith(acme, contact, line.number);
      expect(thread.routedTeamIds).toEqual([support]);
      expect(await listed(tom)).toContain(thread.id);
      await tomEvents.next((e) => e.type === 'conversation.routed' && e.data.conversationId === thread.id);

      await acme.put('/api/sms/availability/me', { status: 'missed' }, dana.token).expect(400);
      expect(
        (await acme.put('/api/sms/availability/me', { status: 'available' }, dana.token).expect(200)).body,
      ).toMatchObject({ status: 'available', textsAlsoReachTeams: false });
      await tomEvents.next(
        (e) => e.type === 'availability.changed' && e.data.userId === dana.id && e.data.status === 'available',
      );
      const later = newContact();
      await textIn(t, later, line.number, 'Back to normal?');
      const direct = await conversationWith(acme, later, line.number);
      expect(direct.routedTeamIds).toEqual([]);
      expect(await listed(tom)).not.toContain(direct.id);
    } finally {
      tomEvents.close();
    }
  });

  it('shutting down ends open event streams at once, so the process exits within seconds', async () => {
    const api = await t.sibling('api');
    const events = await SseClient.connect(api, tina.token);
    const started = Date.now();
    await Promise.all([api.close(), events.ended]);
    expect(Date.now() - started).toBeLessThan(3_000);
  }, 15_000);
});
