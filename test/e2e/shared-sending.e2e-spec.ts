import { Clock } from '../../src/sms';
import { conversationsOf, conversationWith, MovableClock, textIn } from '../support/conversations';
import { eventually, PUBLIC_URL, SmsRow, TestAccount, TestApp } from '../support/test-app';

const MAIN_LINE = '+12025550160';
const SUPPORT_LINE = '+12025550161';
const TINA_DIRECT = '+12025550162';
const TOM_DIRECT = '+12025550163';

jest.setTimeout(120_000);

interface Member {
  id: string;
  token: string;
}

interface Comment {
  body: string;
}

describe('shared numbers that behave like the phone systems teams know', () => {
  const clock = new MovableClock();
  let t: TestApp;
  let acme: TestAccount;
  let support: string;
  let tina: Member;
  let tom: Member;
  let pat: Member;
  const ids: Record<string, string> = {};
  let contactSeq = 2000;
  const newContact = () => `+1201555${contactSeq++}`;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'shared_sending', customize: (b) => b.overrideProvider(Clock).useValue(clock) });
    acme = await t.account('Acme IT');
    support = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body.id;
    const user = async (name: string, email: string, teamIds: string[]) =>
      (await acme.post('/api/users', { name, email, role: 'technician', teamIds }).expect(201)).body as Member;
    tina = await user('Tina Torres', 'tina@acme.test', [support]);
    tom = await user('Tom Tran', 'tom@acme.test', [support]);
    pat = await user('Pat Perez', 'pat@acme.test', []);
    // The first number added is the account's default sender.
    ids.main = await acme.addNumber(MAIN_LINE, 'Main line');
    ids.support = await acme.addNumber(SUPPORT_LINE, 'Support line');
    ids.tina = await acme.addNumber(TINA_DIRECT, 'Tina');
    ids.tom = await acme.addNumber(TOM_DIRECT, 'Tom');
    await acme.patch(`/api/sms/numbers/${ids.support}`, { kind: 'group', teamId: support }).expect(200);
    await acme.patch(`/api/sms/numbers/${ids.tina}`, { kind: 'direct', userId: tina.id }).expect(200);
    await acme.patch(`/api/sms/numbers/${ids.tom}`, { kind: 'direct', userId: tom.id }).expect(200);
  });

  afterAll(() => t?.close());

  const sentTo = (contact: string) => t.twilio.sentMessages().filter((m) => m.to === contact);
  const commentsOf = async (ticketId: string): Promise<string[]> =>
    ((await acme.get(`/api/tickets/${ticketId}`).expect(200)).body.comments as Comment[]).map((c) => c.body);
  const update = (ticketId: string, body: object, token = acme.adminToken) =>
    acme.post(`/api/tickets/${ticketId}/updates`, body, token);
  const reply = (conversationId: string, member: Member, body: object) =>
    acme.post(`/api/sms/conversations/${conversationId}/messages`, body, member.token);
  const smsOf = (ticketId: string) => acme.sms(ticketId) as Promise<(SmsRow & { sendAt: string | null })[]>;

  /** A customer with a mobile phone, and the phone. */
  async function customerWithMobile(name: string): Promise<{ customerId: string; mobile: string }> {
    const mobile = newContact();
    return { customerId: await acme.customer([{ number: mobile, type: 'mobile' }], { name }), mobile };
  }

  describe('claims hold on every path that texts the contact', () => {
    let carla: { customerId: string; mobile: string };
    let ticketId: string;
    let conversationId: string;

    beforeAll(async () => {
      carla = await customerWithMobile('Carla Cruz');
      ticketId = (await acme.ticket(carla.customerId)).id;
      await textIn(t, carla.mobile, SUPPORT_LINE, 'Is anyone there? The printer is still offline');
      conversationId = (await conversationWith(acme, carla.mobile, SUPPORT_LINE)).id;
      const claimed = await reply(conversationId, tina, { body: 'Tina here, looking at it now' }).expect(201);
      expect(claimed.body.conversation.claim).toMatchObject({ userId: tina.id, name: 'Tina Torres' });
    });

    it("refuses Tom's ticket update to Carla with 409 naming Tina while she holds the team thread, and writes nothing", async () => {
      const refused = await update(ticketId, { smsBody: 'Tom here, I can help' }, tom.token).expect(409);
      expect(refused.body.message).toMatch(/^Tina Torres is handling this conversation with \+1201555/);
      expect(refused.body.holder).toEqual({ id: tina.id, name: 'Tina Torres' });
      expect(await commentsOf(ticketId)).not.toContain('Tom here, I can help');
      const [{ count }] = await t.db.query(
        `SELECT count(*)::int AS count FROM sms_messages WHERE account_id = $1 AND created_by_user_id = $2`,
        [acme.id, tom.id],
      );
      expect(count).toBe(0);
      // A technician cannot take the thread over.
      await update(ticketId, { smsBody: 'Mine now', takeOver: true }, tom.token).expect(403);
    });

    it("sends a new ticket's initial text on the held thread anyway: a notice is not a reply and is never lost", async () => {
      const second = await acme.ticket(carla.customerId, tom.token, 'Scanner', 'The scanner jams.');
      const [initial] = await smsOf(second.id);
      expect(initial).toMatchObject({
        kind: 'initial_problem',
        from: SUPPORT_LINE,
        status: expect.not.stringMatching(/failed|skipped/),
      });
      expect((await conversationWith(acme, carla.mobile, SUPPORT_LINE)).claim).toMatchObject({ userId: tina.id });
    });

    it('lets an admin take the thread over explicitly, after which Tina is the one refused', async () => {
      const refused = await update(ticketId, { smsBody: 'Admin here' }).expect(409);
      expect(refused.body.message).toMatch(/as an admin you can take it over \(takeOver: true\)/);

      const before = sentTo(carla.mobile).length;
      await update(ticketId, { smsBody: 'Admin here, I will finish this one', takeOver: true }).expect(201);
      const sent = await eventually(
        async () => sentTo(carla.mobile),
        (m) => m.length > before,
      );
      expect(sent[sent.length - 1]).toMatchObject({ from: SUPPORT_LINE });
      expect(sent[sent.length - 1].body).toContain('Admin here, I will finish this one');
      const conversation = await conversationWith(acme, carla.mobile, SUPPORT_LINE);
      expect(conversation.claim?.userId).not.toBe(tina.id);
      await reply(conversationId, tina, { body: 'Back again' }).expect(409);
    });

    it('refuses a compose to Carla on the team line while it is held, as a reply is', async () => {
      await acme
        .post('/api/sms/conversations', { to: carla.mobile, fromNumberId: ids.support, body: 'Hello?' }, tom.token)
        .expect(409);
    });
  });

  it("texts Tom's new ticket for a customer of Tina's from Tom's own line, so her answer lands with Tom", async () => {
    const dora = await customerWithMobile('Dora Diaz');
    await textIn(t, dora.mobile, TINA_DIRECT, 'Hi Tina, quick question');

    const ticket = await acme.ticket(dora.customerId, tom.token, 'Laptop', 'The laptop will not boot.');
    await update(ticket.id, { smsBody: 'I will call you at 3' }, tom.token).expect(201);
    const rows = await smsOf(ticket.id);
    expect(rows.map((r) => [r.kind, r.from])).toEqual([
      ['initial_problem', TOM_DIRECT],
      ['ticket_update', TOM_DIRECT],
    ]);

    await textIn(t, dora.mobile, TOM_DIRECT, 'Thanks Tom, 3 works');
    const toms = await conversationsOf(acme, tom.token);
    expect(toms.filter((c) => c.contactPhone === dora.mobile).map((c) => c.businessNumber)).toEqual([TOM_DIRECT]);
    const tinas = await conversationsOf(acme, tina.token);
    expect(tinas.filter((c) => c.contactPhone === dora.mobile).map((c) => c.businessNumber)).toEqual([TINA_DIRECT]);
  });

  it("texts a team member without a line of their own from their team's number, not the account's default", async () => {
    const uma = (
      await acme
        .post('/api/users', { name: 'Uma Ueda', email: 'uma@acme.test', role: 'technician', teamIds: [support] })
        .expect(201)
    ).body as Member;
    const fay = await customerWithMobile('Fay Fox');
    const ticket = await acme.ticket(fay.customerId, uma.token, 'Wi-Fi', 'The Wi-Fi drops every hour.');
    expect((await smsOf(ticket.id)).map((r) => [r.kind, r.from])).toEqual([['initial_problem', SUPPORT_LINE]]);
  });

  it('sends the default first text as one segment with a short portal link that opens the portal', async () => {
    const erin = await customerWithMobile('Erin Evans');
    const ticket = await acme.ticket(
      erin.customerId,
      acme.adminToken,
      'Email not syncing',
      'Outlook on my laptop stopped syncing email since this morning, the phone still gets it.',
    );
    const rows = await smsOf(ticket.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'initial_problem', segments: 1, encoding: 'GSM-7' });
    const link = rows[0].body.match(/https:\/\/helpdesk\.test(\/p\/[A-Za-z0-9_-]+)$/);
    expect(link).not.toBeNull();
    expect(rows[0].body.startsWith(`Hi Erin, Acme IT opened request #${ticket.number}.`)).toBe(true);
    expect(rows[0].body).toContain(`${PUBLIC_URL}/p/`);

    const redirect = await t.http().get(link![1]).expect(302);
    const page = await t.http().get(redirect.headers.location).expect(200);
    expect(page.text).toContain('Email not syncing');
  });

  it('warns in the template preview when a template usually needs more than one segment', async () => {
    const fits = await acme.post('/api/sms/templates/initial_problem/preview', {}).expect(200);
    expect(fits.body).toMatchObject({ segments: 1, warning: null });
    const long = await acme
      .post('/api/sms/templates/initial_problem/preview', {
        body: 'Hi {{customer.firstName}}, we got your request #{{ticket.number}}: "{{ticket.problem}}". Reply to this text to add details or photos. Track it: {{portalUrl}}',
      })
      .expect(200);
    expect(long.body.segments).toBe(2);
    expect(long.body.warning).toMatch(/needs 2 SMS segments \(2 credits per text\)/);
  });

  describe('live replies and business hours', () => {
    let account: TestAccount;
    let ray: Member;
    let sam: { customerId: string; mobile: string };
    const DESK = '+12025550170';

    beforeAll(async () => {
      account = await t.account('Weekend Desk');
      await account.addNumber(DESK, 'Desk');
      ray = (
        await account
          .post('/api/users', { name: 'Ray Reed', email: 'ray@weekend.test', role: 'technician' })
          .expect(201)
      ).body;
      await account
        .put('/api/sms/settings', {
          businessHoursOnly: true,
          businessHours: {
            timezone: 'America/New_York',
            weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' })),
            holidays: [],
          },
        })
        .expect(200);
      const mobile = newContact();
      sam = { mobile, customerId: await account.customer([{ number: mobile, type: 'mobile' }], { name: 'Sam Stone' }) };
    });

    afterAll(() => clock.reset());

    it("sends Ray's Sunday answer to a customer who texted a minute ago at once, while a ticket notification waits for Monday 09:00", async () => {
      clock.standAt('2027-01-10T11:00:00-05:00'); // a Sunday in New York
      await textIn(t, sam.mobile, DESK, 'Are you open today? My server is down');
      const conversation = (await account.get(`/api/sms/conversations?limit=200`, ray.token).expect(200)).body
        .conversations[0] as { id: string; contactPhone: string };
      expect(conversation.contactPhone).toBe(sam.mobile);

      const draft = await account
        .post(`/api/sms/conversations/${conversation.id}/draft`, { body: 'Ray here' }, ray.token)
        .expect(200);
      expect(draft.body.goes).toEqual({ now: true, at: null, live: true });
      const answered = await account
        .post(
          `/api/sms/conversations/${conversation.id}/messages`,
          { body: 'Ray here, I can log in remotely now' },
          ray.token,
        )
        .expect(201);
      expect(answered.body.messages[0]).toMatchObject({ sendAt: null });
      expect(answered.body.messages[0].status).not.toBe('scheduled');
      await eventually(
        async () => sentTo(sam.mobile).filter((m) => m.body === 'Ray here, I can log in remotely now'),
        (m) => m.length === 1,
      );

      // A ticket update texting Sam answers him too: it goes now.
      const samTicket = await account.ticket(sam.customerId, ray.token, 'Server', 'Server down');
      await account
        .post(`/api/tickets/${samTicket.id}/updates`, { smsBody: 'Fixed, please check' }, ray.token)
        .expect(201);
      const samRows = await account.sms(samTicket.id);
      expect(samRows.find((r) => r.kind === 'ticket_update')?.status).not.toBe('scheduled');
      // The new ticket's own first text is a notification: it waits.
      expect(samRows.find((r) => r.kind === 'initial_problem')?.status).toBe('scheduled');

      // Another customer who has not texted: the ticket notification waits for the opening.
      const mobile = newContact();
      const quinn = await account.customer([{ number: mobile, type: 'mobile' }], { name: 'Quinn Quill' });
      const ticket = await account.ticket(quinn, ray.token, 'Backup', 'Backups failed overnight');
      await account
        .post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'We will look on Monday' }, ray.token)
        .expect(201);
      const rows = (await account.sms(ticket.id)) as (SmsRow & { sendAt: string | null })[];
      expect(rows.map((r) => [r.kind, r.status, r.sendAt])).toEqual([
        ['initial_problem', 'scheduled', '2027-01-11T14:00:00.000Z'],
        ['ticket_update', 'scheduled', '2027-01-11T14:00:00.000Z'],
      ]);
    });

    it('holds live replies for the hours too when the admin sets the window to 0', async () => {
      clock.standAt('2027-01-10T12:00:00-05:00');
      const settings = await account.put('/api/sms/settings', { liveReplyWindowMinutes: 0 }).expect(200);
      expect(settings.body.liveReplyWindowMinutes).toBe(0);
      const { id } = (
        await account.get(`/api/sms/conversations?limit=200`, ray.token).expect(200)
      ).body.conversations.find((c: { contactPhone: string }) => c.contactPhone === sam.mobile);
      const held = await account
        .post(`/api/sms/conversations/${id}/messages`, { body: 'One more thing' }, ray.token)
        .expect(201);
      expect(held.body.messages[0]).toMatchObject({ status: 'scheduled', sendAt: '2027-01-11T14:00:00.000Z' });
      const draft = await account.post(`/api/sms/conversations/${id}/draft`, { body: 'Later' }, ray.token).expect(200);
      expect(draft.body.goes).toEqual({ now: false, at: '2027-01-11T14:00:00.000Z', live: false });
      await account.put('/api/sms/settings', { liveReplyWindowMinutes: 1441 * 7 }).expect(400);
    });
  });

  describe('canned replies and sign-offs', () => {
    let conversationId: string;
    let gina: { customerId: string; mobile: string };
    let ticketNumber: number;

    beforeAll(async () => {
      gina = await customerWithMobile('Gina Green');
      ticketNumber = (await acme.ticket(gina.customerId)).number;
      await textIn(t, gina.mobile, MAIN_LINE, 'When will someone come by?');
      conversationId = (await conversationWith(acme, gina.mobile, MAIN_LINE)).id;
    });

    it('lets admins save account and team replies that members list by scope, and refuses bad ones', async () => {
      const onMyWay = await acme
        .post('/api/sms/canned-replies', {
          name: 'On my way',
          body: 'Hi {{customer.firstName}}, {{technician.firstName}} is on the way for #{{ticket.number}}.',
        })
        .expect(201);
      expect(onMyWay.body).toMatchObject({ scope: 'account', teamId: null });
      await acme
        .post('/api/sms/canned-replies', {
          name: 'Team hours',
          body: 'Support answers 8-6 on weekdays.',
          teamId: support,
        })
        .expect(201);
      await acme.post('/api/sms/canned-replies', { name: 'on MY way', body: 'Again' }).expect(409);
      const broken = await acme.post('/api/sms/canned-replies', { name: 'Broken', body: 'Hi {{#if}}' }).expect(422);
      expect(broken.body.message).toMatch(/^Line 1, column \d+/);
      await acme.post('/api/sms/canned-replies', { name: 'Mine', body: 'Hi' }, tina.token).expect(403);

      const names = async (token: string) =>
        ((await acme.get('/api/sms/canned-replies', token).expect(200)).body.cannedReplies as { name: string }[]).map(
          (r) => r.name,
        );
      expect(await names(tina.token)).toEqual(['On my way', 'Team hours']);
      expect(await names(pat.token)).toEqual(['On my way']);
    });

    it("renders a canned reply for the conversation with Tina's sign-off inside the segment count, and sends it", async () => {
      await acme.put('/api/sms/sign-off', { signOff: '- Tina' }, tina.token).expect(200);
      expect((await acme.get('/api/sms/sign-off', tina.token).expect(200)).body).toEqual({ signOff: '- Tina' });
      const replies = (await acme.get('/api/sms/canned-replies', tina.token).expect(200)).body.cannedReplies as {
        id: string;
        name: string;
      }[];
      const onMyWay = replies.find((r) => r.name === 'On my way')!;

      const expected = `Hi Gina, Tina is on the way for #${ticketNumber}.\n- Tina`;
      const draft = await acme
        .post(`/api/sms/conversations/${conversationId}/draft`, { cannedReplyId: onMyWay.id }, tina.token)
        .expect(200);
      expect(draft.body).toMatchObject({ text: expected, segments: 1, credits: 1, signOff: '- Tina', warning: null });
      expect(draft.body.characters).toBe(expected.length);

      const typed = await acme
        .post(`/api/sms/conversations/${conversationId}/draft`, { body: 'x'.repeat(155) }, tina.token)
        .expect(200);
      expect(typed.body).toMatchObject({ segments: 2 });
      expect(typed.body.warning).toMatch(/needs 2 SMS segments/);

      await reply(conversationId, tina, { cannedReplyId: onMyWay.id }).expect(201);
      await eventually(
        async () => sentTo(gina.mobile).filter((m) => m.body === expected),
        (m) => m.length === 1,
      );
      await reply(conversationId, tina, { body: 'No sign-off here', signOff: false }).expect(201);
      await eventually(
        async () => sentTo(gina.mobile).filter((m) => m.body === 'No sign-off here'),
        (m) => m.length === 1,
      );
    });

    it('lets admins rename, rewrite and delete a canned reply, and members clear their sign-off', async () => {
      const created = await acme.post('/api/sms/canned-replies', { name: 'Parts', body: 'Parts ordered.' }).expect(201);
      const renamed = await acme
        .put(`/api/sms/canned-replies/${created.body.id}`, {
          name: 'Parts ordered',
          body: 'Parts ordered for #{{ticket.number}}.',
        })
        .expect(200);
      expect(renamed.body).toMatchObject({ name: 'Parts ordered', body: 'Parts ordered for #{{ticket.number}}.' });
      await acme.put(`/api/sms/canned-replies/${created.body.id}`, { name: 'On my way' }).expect(409);
      await acme.put(`/api/sms/canned-replies/${created.body.id}`, { body: '{{#each}}' }).expect(422);
      await acme.delete(`/api/sms/canned-replies/${created.body.id}`, tina.token).expect(403);
      await acme.delete(`/api/sms/canned-replies/${created.body.id}`).expect(204);
      await acme.delete(`/api/sms/canned-replies/${created.body.id}`).expect(404);

      await acme.put('/api/sms/sign-off', { signOff: 'x'.repeat(41) }, pat.token).expect(400);
      await acme.put('/api/sms/sign-off', { signOff: '- Pat' }, pat.token).expect(200);
      await acme.put('/api/sms/sign-off', { signOff: null }, pat.token).expect(200);
      expect((await acme.get('/api/sms/sign-off', pat.token).expect(200)).body).toEqual({ signOff: null });
      const empty = await acme.post(`/api/sms/conversations/${conversationId}/draft`, {}, pat.token).expect(422);
      expect(empty.body.message).toMatch(/give a body or a cannedReplyId/);
    });

    it("refuses another team's canned reply as unknown", async () => {
      const team = (
        (await acme.get('/api/sms/canned-replies').expect(200)).body.cannedReplies as { id: string; name: string }[]
      ).find((r) => r.name === 'Team hours')!;
      const { id } = await conversationWith(acme, gina.mobile, MAIN_LINE);
      await acme.post(`/api/sms/conversations/${id}/messages`, { cannedReplyId: team.id }, pat.token).expect(404);
    });
  });

  describe('compose', () => {
    it('starts a text to a new phone from a number the caller may use, with the conversation', async () => {
      const phone = newContact();
      const started = await acme
        .post(
          '/api/sms/conversations',
          { to: phone, fromNumberId: ids.tom, body: 'Hi, Tom from Acme IT here' },
          tom.token,
        )
        .expect(201);
      expect(started.body.conversation).toMatchObject({ contactPhone: phone, businessNumber: TOM_DIRECT });
      expect(started.body.messages[0]).toMatchObject({
        to: phone,
        from: TOM_DIRECT,
        body: 'Hi, Tom from Acme IT here',
      });
      await eventually(
        async () => sentTo(phone),
        (m) => m.length === 1,
      );
      expect((await conversationsOf(acme, tom.token)).map((c) => c.contactPhone)).toContain(phone);
    });

    it("refuses a phone that is not one (400), another agent's line (403) and a contact who texted STOP (422)", async () => {
      const bad = await acme
        .post('/api/sms/conversations', { to: 'call me maybe', fromNumberId: ids.tom, body: 'Hi' }, tom.token)
        .expect(400);
      expect(bad.body.message).toMatch(/^to: call me maybe is not a/);
      await acme
        .post('/api/sms/conversations', { to: '+1 555', fromNumberId: ids.tom, body: 'Hi' }, tom.token)
        .expect(400);
      await acme
        .post('/api/sms/conversations', { to: newContact(), fromNumberId: ids.tina, body: 'Hi' }, tom.token)
        .expect(403);

      const stopped = newContact();
      await textIn(t, stopped, MAIN_LINE, 'STOP');
      const refused = await acme
        .post('/api/sms/conversations', { to: stopped, fromNumberId: ids.main, body: 'Hello?' }, tom.token)
        .expect(422);
      expect(refused.body.message).toMatch(/texted STOP/);
      expect(sentTo(stopped).filter((m) => m.body === 'Hello?')).toHaveLength(0);
      // A text refused once the thread was opened (another team's canned reply) leaves no empty thread behind.
      const teamReply = (
        (await acme.get('/api/sms/canned-replies').expect(200)).body.cannedReplies as { id: string; name: string }[]
      ).find((r) => r.name === 'Team hours')!;
      const fresh = newContact();
      await acme
        .post('/api/sms/conversations', { to: fresh, fromNumberId: ids.main, cannedReplyId: teamReply.id }, pat.token)
        .expect(404);
      const [{ count }] = await t.db.query(
        `SELECT count(*)::int AS count FROM sms_conversations WHERE account_id = $1 AND contact_phone = $2`,
        [acme.id, fresh],
      );
      expect(count).toBe(0);
    });
  });
});
