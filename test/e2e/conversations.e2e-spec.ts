import { Clock } from '../../src/sms';
import { conversationsOf, conversationWith, MINUTE, MovableClock, SseClient, textIn } from '../support/conversations';
import { SmsQueue } from '../../src/sms/queues/queues';
import { eventually, TestAccount, TestApp } from '../support/test-app';

const SUPPORT_LINE = '+12025550140';
const HANDLER_LINE = '+12025550141';
const MAIN_LINE = '+12025550142';
const DANA_DIRECT = '+12025550143';
// Each only to hear a marker text on, proving that person's event stream has caught up.
const CAT_DIRECT = '+12025550144';
const DAVE_DIRECT = '+12025550145';
const THEIR_DIRECT = '+12025550198';

jest.setTimeout(120_000);

interface Member {
  id: string;
  token: string;
}

describe('conversations on team, shared and direct numbers', () => {
  const clock = new MovableClock();
  let t: TestApp;
  let acme: TestAccount;
  let other: TestAccount;
  let support: string;
  let dispatch: string;
  let ann: Member;
  let ben: Member;
  let cat: Member;
  let dave: Member;
  let dana: Member;
  let theirs: Member;
  const crowd: Member[] = [];
  let contactSeq = 1000;
  const newContact = () => `+1201555${contactSeq++}`;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'conversations', customize: (b) => b.overrideProvider(Clock).useValue(clock) });
    acme = await t.account('Acme IT');
    other = await t.account('Other IT');
    await other.addNumber('+12025550199', 'Theirs');
    support = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body.id;
    dispatch = (await acme.post('/api/teams', { name: 'Dispatch' }).expect(201)).body.id;
    const user = async (name: string, email: string, teamIds: string[]) =>
      (await acme.post('/api/users', { name, email, role: 'technician', teamIds }).expect(201)).body as Member;
    ann = await user('Ann Archer', 'ann@acme.test', [support]);
    ben = await user('Ben Baker', 'ben@acme.test', [support]);
    cat = await user('Cat Cole', 'cat@acme.test', [dispatch]);
    dave = await user('Dave Dunn', 'dave@acme.test', []);
    dana = await user('Dana Scully', 'dana@acme.test', [support]);
    for (let i = 0; i < 18; i++) crowd.push(await user(`Member ${i}`, `member${i}@acme.test`, [support]));

    const supportLine = await acme.addNumber(SUPPORT_LINE, 'Support line');
    const handlerLine = await acme.addNumber(HANDLER_LINE, 'Escalations');
    await acme.addNumber(MAIN_LINE, 'Main line');
    const danaDirect = await acme.addNumber(DANA_DIRECT, 'Dana');
    theirs = await other.technician('Their Tech');
    for (const [account, number, user] of [
      [acme, CAT_DIRECT, cat],
      [acme, DAVE_DIRECT, dave],
      [other, THEIR_DIRECT, theirs],
    ] as const) {
      await account
        .patch(`/api/sms/numbers/${await account.addNumber(number, 'Direct')}`, { kind: 'direct', userId: user.id })
        .expect(200);
    }
    await acme.patch(`/api/sms/numbers/${supportLine}`, { kind: 'group', teamId: support }).expect(200);
    await acme
      .patch(`/api/sms/numbers/${handlerLine}`, { kind: 'group', teamId: support, historyVisibility: 'handler' })
      .expect(200);
    await acme.patch(`/api/sms/numbers/${danaDirect}`, { kind: 'direct', userId: dana.id }).expect(200);
    // Enough credits for every reply below.
    await acme.put('/api/sms/settings', { responseTimeMinutes: 5 }).expect(200);
  });

  afterAll(() => t?.close());

  const reply = (conversationId: string, member: Member, body = 'On it') =>
    acme.post(`/api/sms/conversations/${conversationId}/messages`, { body }, member.token);
  const sentTo = (contact: string) => t.twilio.sentMessages().filter((m) => m.to === contact);

  /**
   * Texts a person's own direct number and waits for it on their stream. A stream delivers events in the order they
   * were published, so once the marker is there, anything published before it that this person hears is there too.
   */
  async function caughtUp(events: SseClient, directNumber: string): Promise<void> {
    const marker = newContact();
    await textIn(t, marker, directNumber, 'Marker');
    await events.next((e) => e.type === 'message.received' && e.data.contactPhone === marker);
  }

  it("a team number's text is visible to every member and to admins, and not to others", async () => {
    const contact = newContact();
    await textIn(t, contact, SUPPORT_LINE, 'Printer is on fire');
    const conversation = await conversationWith(acme, contact, SUPPORT_LINE);
    expect(conversation).toMatchObject({ status: 'unclaimed', unanswered: true, claim: null });

    for (const member of [ann, ben, dana])
      expect((await conversationsOf(acme, member.token)).map((c) => c.id)).toContain(conversation.id);
    for (const outsider of [cat, dave]) {
      expect((await conversationsOf(acme, outsider.token)).map((c) => c.id)).not.toContain(conversation.id);
      await acme.get(`/api/sms/conversations/${conversation.id}`, outsider.token).expect(404);
      await reply(conversation.id, outsider).expect(404);
    }
    await other.get(`/api/sms/conversations/${conversation.id}`).expect(404);
    await other.post(`/api/sms/conversations/${conversation.id}/claim`, {}).expect(404);

    const detail = (await acme.get(`/api/sms/conversations/${conversation.id}`, ben.token).expect(200)).body;
    expect(detail.messages.map((m: { direction: string; body: string }) => [m.direction, m.body])).toEqual([
      ['inbound', 'Printer is on fire'],
    ]);
    expect(detail.messages[0].ticket).toMatchObject({ subject: expect.any(String), number: expect.any(Number) });
    expect((await conversationsOf(acme, ann.token, '&unanswered=true')).map((c) => c.id)).toContain(conversation.id);
  });

  it("member A's reply claims the conversation; B's reply gets 409 naming A until the claim lapses with no activity from A", async () => {
    const contact = newContact();
    await textIn(t, contact, SUPPORT_LINE, 'Email is down');
    const { id } = await conversationWith(acme, contact, SUPPORT_LINE);

    const first = await reply(id, ann, 'Looking now').expect(201);
    expect(first.body.conversation).toMatchObject({
      status: 'claimed',
      claim: { userId: ann.id, name: 'Ann Archer' },
      unanswered: false,
    });
    await eventually(
      async () => sentTo(contact),
      (sent) => sent.length === 1,
    );
    expect(sentTo(contact)[0]).toMatchObject({ from: SUPPORT_LINE, body: 'Looking now' });

    const refused = await reply(id, ben, 'Me too').expect(409);
    expect(refused.body.message).toMatch(/^Ann Archer is handling this conversation/);
    expect(refused.body.holder).toEqual({ id: ann.id, name: 'Ann Archer' });
    // Ben still reads the thread, and nothing of his was written.
    const seen = (await acme.get(`/api/sms/conversations/${id}`, ben.token).expect(200)).body;
    expect(seen.messages.map((m: { body: string }) => m.body)).toEqual(['Email is down', 'Looking now']);
    expect(seen.claim).toMatchObject({ userId: ann.id });

    clock.advance(4 * MINUTE);
    await reply(id, ben).expect(409);
    await reply(id, ann, 'Restarting the server').expect(201); // extends Ann's claim by another 5 minutes
    clock.advance(4 * MINUTE);
    await reply(id, ben).expect(409);
    clock.advance(1.5 * MINUTE);
    const taken = await reply(id, ben, 'Ann is out; Ben here').expect(201);
    expect(taken.body.conversation.claim).toMatchObject({ userId: ben.id });
    await eventually(
      async () => sentTo(contact).map((m) => m.body),
      (bodies) => bodies.length === 3,
    );
    expect(sentTo(contact).map((m) => m.body)).toEqual([
      'Looking now',
      'Restarting the server',
      'Ann is out; Ben here',
    ]);
  });

  it('the holder releases it (others may not, admins may) and a transfer moves the claim to another member only', async () => {
    const contact = newContact();
    await textIn(t, contact, SUPPORT_LINE, 'VPN broken');
    const { id } = await conversationWith(acme, contact, SUPPORT_LINE);
    await reply(id, ann).expect(201);

    expect((await acme.post(`/api/sms/conversations/${id}/release`, {}, ben.token).expect(403)).body.message).toMatch(
      /Ann Archer holds this conversation/,
    );
    const released = await acme.post(`/api/sms/conversations/${id}/release`, {}, ann.token).expect(200);
    expect(released.body).toMatchObject({ status: 'unclaimed', claim: null });
    await reply(id, ben).expect(201);
    await acme.post(`/api/sms/conversations/${id}/release`, {}).expect(200); // an admin releases Ben's claim
    const claimed = await acme.post(`/api/sms/conversations/${id}/claim`, {}, ann.token).expect(200);
    expect(claimed.body.claim).toMatchObject({ userId: ann.id });

    // Only the holder transfers, and only to a member of the number's team.
    expect(
      (await acme.post(`/api/sms/conversations/${id}/transfer`, { userId: dana.id }, ben.token).expect(409)).body
        .holder,
    ).toMatchObject({ name: 'Ann Archer' });
    expect(
      (await acme.post(`/api/sms/conversations/${id}/transfer`, { userId: cat.id }, ann.token).expect(422)).body
        .message,
    ).toMatch(/Cat Cole is not a member of the Support team/);
    await acme.post(`/api/sms/conversations/${id}/transfer`, { userId: ann.id }, ann.token).expect(422);
    const outsider = await other.technician('Out Sider');
    await acme.post(`/api/sms/conversations/${id}/transfer`, { userId: outsider.id }, ann.token).expect(404);
    await acme.post(`/api/sms/conversations/${id}/transfer`, { userId: 'not a user id' }, ann.token).expect(400);

    const moved = await acme.post(`/api/sms/conversations/${id}/transfer`, { userId: ben.id }, ann.token).expect(200);
    expect(moved.body.claim).toMatchObject({ userId: ben.id, name: 'Ben Baker' });
    expect((await reply(id, ann).expect(409)).body.holder).toMatchObject({ id: ben.id });
    await reply(id, ben, 'Taking over from Ann').expect(201);
    const claims = (await t.db.query(
      `SELECT user_id, via, end_reason FROM sms_conversation_claims WHERE conversation_id = $1 ORDER BY created_at`,
      [id],
    )) as {
      user_id: string;
      via: string;
      end_reason: string | null;
    }[];
    expect(claims.map((c) => [c.user_id, c.via, c.end_reason])).toEqual([
      [ann.id, 'reply', 'released'],
      [ben.id, 'reply', 'released'],
      [ann.id, 'claim', 'transferred'],
      [ben.id, 'transfer', null],
    ]);
  });

  it('twenty members replying at the same instant: exactly one reply is written and sent', async () => {
    const contact = newContact();
    await textIn(t, contact, SUPPORT_LINE, 'Anyone there?');
    const { id } = await conversationWith(acme, contact, SUPPORT_LINE);
    const members = [ann, ben, ...crowd];
    expect(members).toHaveLength(20);

    const answers = await Promise.all(members.map((m, i) => reply(id, m, `Reply number ${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const winner = answers.findIndex((a) => a.status === 201);
    for (const loser of answers.filter((a) => a.status === 409)) expect(loser.body.holder.id).toBe(members[winner].id);

    const rows = (await t.db.query(`SELECT id FROM sms_messages WHERE kind = 'conversation_reply' AND to_number = $1`, [
      contact,
    ])) as { id: string }[];
    expect(rows).toHaveLength(1);
    // The one reply's send has run for good: nothing else can reach the contact after it.
    await t.jobEnds(SmsQueue.Outbound, rows[0].id);
    expect(sentTo(contact).map((m) => m.body)).toEqual([`Reply number ${winner}`]);
  });

  it('live events reach the members who can see a conversation; a text during a claim goes to the holder only', async () => {
    const annEvents = await SseClient.connect(t, ann.token);
    const benEvents = await SseClient.connect(t, ben.token);
    const catEvents = await SseClient.connect(t, cat.token);
    const adminEvents = await SseClient.connect(t, acme.adminToken);
    const theirEvents = await SseClient.connect(t, theirs.token);
    try {
      const contact = newContact();
      await textIn(t, contact, SUPPORT_LINE, 'Hello?');
      const { id } = await conversationWith(acme, contact, SUPPORT_LINE);
      const about = (type: string) => (e: { type: string; data: { conversationId?: string } }) =>
        e.type === type && e.data.conversationId === id;

      const received = await annEvents.next(about('message.received'));
      expect(received.data).toMatchObject({
        conversationId: id,
        contactPhone: contact,
        businessNumber: SUPPORT_LINE,
        messageId: expect.any(String),
      });
      await benEvents.next(about('message.received'));
      await adminEvents.next(about('message.received'));

      await reply(id, ann).expect(201);
      expect((await benEvents.next(about('conversation.claimed'))).data).toMatchObject({ userId: ann.id });
      await benEvents.next(about('conversation.replied'));

      // While Ann holds it, the contact's next text is told to Ann only.
      await textIn(t, contact, SUPPORT_LINE, 'Thanks, waiting');
      await eventually(
        async () => annEvents.matching(about('message.received')).length,
        (n) => n === 2,
      );

      await acme.post(`/api/sms/conversations/${id}/transfer`, { userId: ben.id }, ann.token).expect(200);
      expect((await benEvents.next(about('conversation.transferred'))).data).toMatchObject({
        fromUserId: ann.id,
        toUserId: ben.id,
      });
      // The transfer was published after that text: Ben's stream, in order, has the text by now if he heard it.
      expect(benEvents.matching(about('message.received'))).toHaveLength(1);
      await acme.post(`/api/sms/conversations/${id}/release`, {}, ben.token).expect(200);
      await annEvents.next(about('conversation.released'));

      // Released: the next text goes to the whole team again.
      await textIn(t, contact, SUPPORT_LINE, 'Still there?');
      await eventually(
        async () => benEvents.matching(about('message.received')).length,
        (n) => n === 2,
      );
      await caughtUp(catEvents, CAT_DIRECT);
      await caughtUp(theirEvents, THEIR_DIRECT);
      expect(catEvents.matching((e) => e.data.conversationId === id)).toEqual([]);
      expect(theirEvents.matching((e) => e.data.conversationId === id)).toEqual([]);
      expect(adminEvents.matching(about('message.received'))).toHaveLength(3);
    } finally {
      for (const c of [annEvents, benEvents, catEvents, adminEvents, theirEvents]) c.close();
    }
  });

  it('live events cross api processes: a member connected to another process hears of texts and claims', async () => {
    const apiTwo = await t.sibling('api');
    const annOnTwo = await SseClient.connect(apiTwo, ann.token);
    const benOnOne = await SseClient.connect(t, ben.token);
    try {
      const contact = newContact();
      // Landed by the first process's workers; Ann listens on the second process.
      await textIn(t, contact, SUPPORT_LINE, 'Anyone there?');
      const { id } = await conversationWith(acme, contact, SUPPORT_LINE);
      const about = (type: string) => (e: { type: string; data: { conversationId?: string } }) =>
        e.type === type && e.data.conversationId === id;
      expect((await annOnTwo.next(about('message.received'))).data).toMatchObject({
        contactPhone: contact,
        businessNumber: SUPPORT_LINE,
      });

      // Ann claims through the second process; Ben, on the first, is told.
      await apiTwo
        .http()
        .post(`/api/sms/conversations/${id}/claim`)
        .set('Authorization', `Bearer ${ann.token}`)
        .send({})
        .expect(200);
      expect((await benOnOne.next(about('conversation.claimed'))).data).toMatchObject({ userId: ann.id });
    } finally {
      annOnTwo.close();
      benOnOne.close();
      await apiTwo.close();
    }
  });

  it('texts landing together are each told as their own event, across api processes too', async () => {
    const apiTwo = await t.sibling('api');
    const annOnTwo = await SseClient.connect(apiTwo, ann.token);
    const adminOnOne = await SseClient.connect(t, acme.adminToken);
    try {
      const contacts = Array.from({ length: 6 }, () => newContact());
      const messageIds = await Promise.all(
        contacts.map((contact, i) => textIn(t, contact, SUPPORT_LINE, `Burst text ${i}`)),
      );
      const receivedBy = (client: SseClient) =>
        eventually(
          async () =>
            client.matching((e) => e.type === 'message.received' && contacts.includes(e.data.contactPhone as string)),
          (events) => events.length >= contacts.length,
        );
      for (const client of [annOnTwo, adminOnOne]) {
        const events = await receivedBy(client);
        expect(events.map((e) => e.data.messageId).sort()).toEqual([...messageIds].sort());
        expect(events.map((e) => e.data.contactPhone).sort()).toEqual([...contacts].sort());
      }
    } finally {
      annOnTwo.close();
      adminOnOne.close();
      await apiTwo.close();
    }
  });

  it("`handler` visibility hides other members' past threads but shows threads waiting for an answer", async () => {
    const handled = newContact();
    await textIn(t, handled, HANDLER_LINE, 'Laptop stolen');
    const { id } = await conversationWith(acme, handled, HANDLER_LINE);
    // Waiting and unclaimed: every member sees it, so someone picks it up.
    expect((await conversationsOf(acme, ben.token)).map((c) => c.id)).toContain(id);
    await reply(id, ann, 'Locking the account now').expect(201);

    expect((await conversationsOf(acme, ann.token)).map((c) => c.id)).toContain(id);
    expect((await conversationsOf(acme, ben.token)).map((c) => c.id)).not.toContain(id);
    await acme.get(`/api/sms/conversations/${id}`, ben.token).expect(404);
    expect((await conversationsOf(acme, acme.adminToken)).map((c) => c.id)).toContain(id);

    // On a `members` number Ben sees Ann's past threads.
    const shared = newContact();
    await textIn(t, shared, SUPPORT_LINE, 'Monitor flickers');
    const open = await conversationWith(acme, shared, SUPPORT_LINE);
    await reply(open.id, ann).expect(201);
    expect((await conversationsOf(acme, ben.token)).map((c) => c.id)).toContain(open.id);

    // The contact writes again after Ann's claim lapsed: the team sees the new text, but not the history before it.
    clock.advance(6 * MINUTE);
    await textIn(t, handled, HANDLER_LINE, 'Found it in the car');
    expect((await conversationsOf(acme, ben.token)).map((c) => c.id)).toContain(id);
    const benView = (await acme.get(`/api/sms/conversations/${id}`, ben.token).expect(200)).body;
    expect(benView.historyHidden).toBe(true);
    expect(benView.messages.map((m: { body: string }) => m.body)).toEqual(['Found it in the car']);
    const annView = (await acme.get(`/api/sms/conversations/${id}`, ann.token).expect(200)).body;
    expect(annView.historyHidden).toBe(false);
    expect(annView.messages.map((m: { body: string }) => m.body)).toEqual([
      'Laptop stolen',
      'Locking the account now',
      'Found it in the car',
    ]);
  });

  it("the missed threshold routes a direct number's texts to the agent's team until the agent is available again", async () => {
    const first = newContact();
    await textIn(t, first, DANA_DIRECT, 'Are you in today?');
    const mine = await conversationWith(acme, first, DANA_DIRECT);
    expect((await conversationsOf(acme, dana.token)).map((c) => c.id)).toContain(mine.id);
    expect((await conversationsOf(acme, ann.token)).map((c) => c.id)).not.toContain(mine.id);
    expect((await acme.get('/api/sms/availability/me', dana.token).expect(200)).body).toMatchObject({
      status: 'available',
      missedInARow: 0,
    });

    clock.advance(6 * MINUTE); // first text unanswered past the 5-minute response time
    const second = newContact();
    await textIn(t, second, DANA_DIRECT, 'Hello?');
    expect((await acme.get('/api/sms/availability/me', dana.token).expect(200)).body).toMatchObject({
      status: 'available',
      missedInARow: 1,
    });
    clock.advance(6 * MINUTE);
    // The second deadline's job records it when due; nobody has to read it first.
    const missed = await eventually(
      async () => (await acme.get(`/api/sms/availability/users/${dana.id}`).expect(200)).body,
      (view) => view.status !== 'available',
    );
    expect(missed).toMatchObject({
      status: 'missed',
      textsAlsoReachTeams: true,
      reason: expect.stringMatching(/2 direct conversations in a row unanswered/),
    });
    await acme.get(`/api/sms/availability/users/${dana.id}`, ann.token).expect(403);

    const annEvents = await SseClient.connect(t, ann.token);
    const daveEvents = await SseClient.connect(t, dave.token);
    try {
      const third = newContact();
      await textIn(t, third, DANA_DIRECT, 'Urgent: server down');
      const routed = await conversationWith(acme, third, DANA_DIRECT);
      expect(routed.routedTeamIds).toEqual([support]);
      const annSees = (await conversationsOf(acme, ann.token)).map((c) => c.id);
      expect(annSees).toContain(routed.id);
      expect(annSees).toContain(mine.id); // the texts that were waiting reached the team too
      expect((await conversationsOf(acme, dave.token)).map((c) => c.id)).not.toContain(routed.id);
      await annEvents.next((e) => e.type === 'message.received' && e.data.conversationId === routed.id);
      // A team member answers it, claiming it so two of them do not both answer.
      await reply(routed.id, ann, 'Dana is out; Ann here').expect(201);
      await reply(routed.id, ben).expect(409);
      await caughtUp(daveEvents, DAVE_DIRECT);
      expect(daveEvents.matching((e) => e.data.conversationId === routed.id)).toEqual([]);
    } finally {
      annEvents.close();
      daveEvents.close();
    }

    await acme.put('/api/sms/availability/me', { status: 'missed' }, dana.token).expect(400);
    expect(
      (await acme.put('/api/sms/availability/me', { status: 'available' }, dana.token).expect(200)).body,
    ).toMatchObject({ status: 'available', missedInARow: 0 });
    const fourth = newContact();
    await textIn(t, fourth, DANA_DIRECT, 'Back to normal?');
    const direct = await conversationWith(acme, fourth, DANA_DIRECT);
    expect(direct.routedTeamIds).toEqual([]);
    expect((await conversationsOf(acme, ann.token)).map((c) => c.id)).not.toContain(direct.id);
  });

  it('claims left to lapse without a reply make an agent unresponsive', async () => {
    const ids: string[] = [];
    for (const body of ['One', 'Two']) {
      const contact = newContact();
      await textIn(t, contact, MAIN_LINE, body);
      ids.push((await conversationWith(acme, contact, MAIN_LINE)).id);
    }
    for (const id of ids) await acme.post(`/api/sms/conversations/${id}/claim`, {}, cat.token).expect(200);
    expect((await acme.get('/api/sms/availability/me', cat.token).expect(200)).body).toMatchObject({
      status: 'available',
      lapsedInARow: 0,
    });
    clock.advance(6 * MINUTE);
    // The claims' expiry jobs lapse them and record the change when due.
    const lapsed = await eventually(
      async () => (await acme.get('/api/sms/availability/me', cat.token).expect(200)).body,
      (view) => view.status !== 'available',
    );
    // The runs count from when the status began; the reason says what led to it.
    expect(lapsed).toMatchObject({
      status: 'unresponsive',
      reason: expect.stringMatching(/2 claimed conversations in a row lapse/),
    });
    // The lapsed claims are free for anyone.
    await reply(ids[0], dave).expect(201);
  });

  it("a reply shows on the ticket it is about as the member's public comment, tied to the texts sent; a refused one leaves none", async () => {
    const contact = newContact();
    const inboundId = await textIn(t, contact, SUPPORT_LINE, 'VPN will not connect');
    const [{ ticket_id: ticketId }] = (await t.db.query(`SELECT ticket_id FROM sms_messages WHERE id = $1`, [
      inboundId,
    ])) as { ticket_id: string }[];
    const { id } = await conversationWith(acme, contact, SUPPORT_LINE);

    const sent = await reply(id, ann, '  Resetting your VPN profile now  ').expect(201);
    await reply(id, ben, 'Me as well').expect(409);
    const comments = (await acme.get(`/api/tickets/${ticketId}`).expect(200)).body.comments as {
      id: string;
      author: { type: string; userId?: string | null };
      body: string;
      public: boolean;
    }[];
    const fromAnn = comments.filter((c) => c.author.type === 'user');
    expect(fromAnn).toHaveLength(1);
    expect(fromAnn[0]).toMatchObject({ body: 'Resetting your VPN profile now', public: true });
    const [row] = (await t.db.query(
      `SELECT comment_id, author_user_id, sms_body FROM sms_messages m JOIN comments c ON c.id::text = m.comment_id WHERE m.id = $1`,
      [sent.body.messages[0].id],
    )) as { comment_id: string; author_user_id: string; sms_body: string }[];
    expect(row).toEqual({
      comment_id: fromAnn[0].id,
      author_user_id: ann.id,
      sms_body: 'Resetting your VPN profile now',
    });
  });

  it('refuses bad replies with the reason and writes nothing', async () => {
    const contact = newContact();
    await textIn(t, contact, MAIN_LINE, 'Question');
    const { id } = await conversationWith(acme, contact, MAIN_LINE);
    await acme.post(`/api/sms/conversations/${id}/messages`, { body: '' }, dave.token).expect(400);
    await acme.post(`/api/sms/conversations/${id}/messages`, { body: 'x', extra: 1 }, dave.token).expect(400);
    expect(
      (await acme.post(`/api/sms/conversations/${id}/messages`, { body: 'x'.repeat(1700) }, dave.token).expect(422))
        .body.message,
    ).toMatch(/limit is 1600/);
    const stranger = await acme.customer([{ number: '+12015559999', type: 'mobile' }]);
    const theirTicket = await acme.ticket(stranger);
    expect(
      (
        await acme
          .post(`/api/sms/conversations/${id}/messages`, { body: 'x', ticketId: theirTicket.id }, dave.token)
          .expect(422)
      ).body.message,
    ).toMatch(/belongs to a customer without the phone/);
    await acme.get('/api/sms/conversations?status=bogus', dave.token).expect(400);
    await acme
      .get(`/api/sms/conversations?numberId=${(await other.get('/api/sms/numbers').expect(200)).body[0].id}`)
      .expect(404);
    const rows = (await t.db.query(
      `SELECT count(*)::int AS n FROM sms_messages WHERE direction = 'outbound' AND to_number = $1`,
      [contact],
    )) as { n: number }[];
    expect(rows[0].n).toBe(0);
    expect((await conversationWith(acme, contact, MAIN_LINE)).claim).toBeNull();
  });
});
