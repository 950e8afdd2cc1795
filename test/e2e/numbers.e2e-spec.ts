import { conversationWith, textIn } from '../support/conversations';
import { parseCsv } from '../../src/sms/csv/csv';
import { eventually, TestAccount, TestApp } from '../support/test-app';

jest.setTimeout(120_000);

interface NumberBody {
  id: string;
  number: string;
  label: string;
  kind: string;
  userId: string | null;
  teamId: string | null;
  verified: boolean;
  verificationError: string | null;
  isDefault: boolean;
}

describe('SMS numbers: verification, assignment rules, bulk assignment and sending identity', () => {
  let t: TestApp;
  let acme: TestAccount;
  let other: TestAccount;
  let support: string;
  let dispatch: string;
  let dana: { id: string; token: string };
  let sol: { id: string; token: string };
  let cat: { id: string; token: string };
  let seq = 100;
  const fresh = () => `+12025550${seq++}`;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'numbers' });
    acme = await t.account('Acme IT');
    other = await t.account('Other IT');
    support = (await acme.post('/api/teams', { name: 'Support' }).expect(201)).body.id;
    dispatch = (await acme.post('/api/teams', { name: 'Dispatch' }).expect(201)).body.id;
    dana = (
      await acme
        .post('/api/users', { name: 'Dana Scully', email: 'dana@acme.test', role: 'technician', teamIds: [support] })
        .expect(201)
    ).body;
    sol = (
      await acme
        .post('/api/users', { name: 'Sol Badguy', email: 'sol@acme.test', role: 'technician', teamIds: [support] })
        .expect(201)
    ).body;
    cat = (
      await acme
        .post('/api/users', { name: 'Cat Cole', email: 'cat@acme.test', role: 'technician', teamIds: [dispatch] })
        .expect(201)
    ).body;
  });

  afterAll(() => t?.close());

  const numbers = async (account = acme): Promise<NumberBody[]> =>
    (await account.get('/api/sms/numbers').expect(200)).body;
  const byNumber = async (e164: string) => (await numbers()).find((n) => n.number === e164)!;

  describe('verification', () => {
    it('stores the number in E.164 and asks Twilio whether it is ours; an unlisted number is kept but not verified', async () => {
      await acme.assignNumber('+12025550010');
      // Assigned while Twilio listed it, then released there: the account may add it, but it does not send.
      await acme.assignNumber('+12025550011');
      t.twilio.releaseNumber('+12025550011');
      t.twilio.requests.length = 0;
      const owned = await acme
        .post('/api/sms/numbers', { number: '+1 (202) 555-0010', label: 'Front desk' })
        .expect(201);
      expect(owned.body).toMatchObject({
        number: '+12025550010',
        verified: true,
        verificationError: null,
        isDefault: true,
        // A new number is nobody's until an admin assigns it.
        kind: 'unassigned',
      });

      const unlisted = await acme
        .post('/api/sms/numbers', { number: '+1 202 555 0011', label: 'Ported soon' })
        .expect(201);
      expect(unlisted.body).toMatchObject({ number: '+12025550011', verified: false, isDefault: false });
      expect(unlisted.body.verificationError).toMatch(/Twilio does not list \+12025550011/);
      const lookups = t.twilio.requests.filter((r) => r.path.endsWith('/IncomingPhoneNumbers.json'));
      expect(lookups.map((r) => r.query.PhoneNumber)).toEqual(['+12025550010', '+12025550011']);

      expect(
        (await acme.post('/api/sms/numbers', { number: '555-0100', label: 'x' }).expect(422)).body.message,
      ).toMatch(/country code/);
      expect(
        (await other.post('/api/sms/numbers', { number: '+12025550010', label: 'Mine' }).expect(409)).body.message,
      ).toMatch(/already in use/);
      // A number the platform did not assign to the account is refused, even one Twilio lists.
      t.twilio.ownNumber('+12025550012');
      expect(
        (await other.post('/api/sms/numbers', { number: '+12025550012', label: 'Mine' }).expect(403)).body.message,
      ).toMatch(/\+12025550012 is not assigned to this account/);

      // Once the number is in the Twilio account, verifying again makes it usable.
      t.twilio.ownNumber('+12025550011');
      expect((await acme.post(`/api/sms/numbers/${unlisted.body.id}/verify`, {}).expect(200)).body).toMatchObject({
        verified: true,
        verificationError: null,
      });
      await other.post(`/api/sms/numbers/${unlisted.body.id}/verify`, {}).expect(404);
      await acme.post(`/api/sms/numbers/${unlisted.body.id}/verify`, {}, dana.token).expect(403);
    });

    it('only verified numbers send: texts from a number that stopped being ours end failed, unsent and uncharged', async () => {
      const account = await t.account('Verified Only');
      const numberId = await account.addNumber('+12025550020', 'Front desk');
      // Texts wait for business hours that never come, so the number can change under them.
      await account.put('/api/sms/settings', {
        businessHours: { timezone: 'UTC', weekly: [{ day: 1, start: '09:00', end: '09:01' }], holidays: [] },
        businessHoursOnly: true,
      });
      const customer = await account.customer([{ number: '+12015550020', type: 'mobile' }]);
      const ticket = await account.ticket(customer);
      const [waiting] = await account.sms(ticket.id);
      expect(waiting.status).toBe('scheduled');

      t.twilio.reset(); // Twilio no longer lists the number
      const unverified = await account.post(`/api/sms/numbers/${numberId}/verify`, {}).expect(200);
      expect(unverified.body).toMatchObject({ verified: false, isDefault: false });
      await account.put('/api/sms/settings', { businessHoursOnly: false }).expect(200);
      const [ended] = await eventually(
        () => account.sms(ticket.id),
        (rows) => rows[0].status === 'failed',
      );
      expect(ended.reason).toMatch(/\+12025550020 is not verified/);
      expect(t.twilio.sentMessages().filter((m) => m.to === '+12015550020')).toEqual([]);
      expect((await account.get(`/api/sms/messages/${ended.id}`).expect(200)).body.credits).toBe(0);

      // New texts are not even written to go from it.
      const next = await account.ticket(customer);
      expect((await account.sms(next.id))[0]).toMatchObject({
        status: 'skipped',
        reason: expect.stringMatching(/None of the account's SMS numbers is verified/),
      });
      await account.patch(`/api/sms/numbers/${numberId}`, { isDefault: true }).expect(422);
    });
  });

  describe('assignment rules', () => {
    it('refuses each rule with a reason an admin can act on', async () => {
      await acme.assignNumber('+12025550030');
      await acme.assignNumber('+12025550031');
      await acme.assignNumber('+12025550032');
      t.twilio.releaseNumber('+12025550032');
      const direct = (await acme.post('/api/sms/numbers', { number: '+12025550030', label: 'Dana' }).expect(201)).body
        .id;
      const team = (await acme.post('/api/sms/numbers', { number: '+12025550031', label: 'Support line' }).expect(201))
        .body.id;
      const unverified = (
        await acme.post('/api/sms/numbers', { number: '+12025550032', label: 'Not ours' }).expect(201)
      ).body.id;
      await acme.patch(`/api/sms/numbers/${direct}`, { kind: 'direct', userId: dana.id }).expect(200);
      await acme.patch(`/api/sms/numbers/${team}`, { kind: 'group', teamId: support }).expect(200);

      // A number assigned to a user cannot be assigned to a team.
      const toTeam = await acme.patch(`/api/sms/numbers/${direct}`, { kind: 'group', teamId: dispatch }).expect(409);
      expect(toTeam.body.message).toBe(
        "+12025550030 is Dana Scully's direct number: a number assigned to a user cannot be assigned to a team; unassign it first (kind: unassigned)",
      );
      // A team's number cannot be assigned to a second team.
      const secondTeam = await acme.patch(`/api/sms/numbers/${team}`, { teamId: dispatch }).expect(409);
      expect(secondTeam.body.message).toBe(
        "+12025550031 is the Support team's number: a team's number cannot be assigned to a second team; unassign it first (kind: unassigned)",
      );
      // Unverified numbers are not handed to anyone.
      expect(
        (await acme.patch(`/api/sms/numbers/${unverified}`, { kind: 'direct', userId: sol.id }).expect(422)).body
          .message,
      ).toMatch(/\+12025550032 is not verified/);
      // People of another account are not found.
      const outsider = await other.technician('Out Sider');
      await acme.patch(`/api/sms/numbers/${team}`, { kind: 'direct', userId: outsider.id }).expect(404);
      await other.patch(`/api/sms/numbers/${team}`, { label: 'Mine' }).expect(404);
      await acme.patch(`/api/sms/numbers/${team}`, { historyVisibility: 'everyone' }).expect(400);
      await acme.patch(`/api/sms/numbers/${team}`, { claimTimeoutMinutes: 0 }).expect(400);
      expect(await byNumber('+12025550031')).toMatchObject({ kind: 'group', teamId: support });

      // Making a number direct removes any other assignment.
      const madeDirect = await acme.patch(`/api/sms/numbers/${team}`, { kind: 'direct', userId: sol.id }).expect(200);
      expect(madeDirect.body).toMatchObject({ kind: 'direct', userId: sol.id, teamId: null });
      // Unassigning, then assigning to the other team, is the way.
      await acme.patch(`/api/sms/numbers/${direct}`, { kind: 'unassigned' }).expect(200);
      expect(
        (
          await acme
            .patch(`/api/sms/numbers/${direct}`, { kind: 'group', teamId: dispatch, claimTimeoutMinutes: 10 })
            .expect(200)
        ).body,
      ).toMatchObject({
        kind: 'group',
        teamId: dispatch,
        userId: null,
        claimTimeoutMinutes: 10,
      });
    });

    it('unassigning or deleting a number keeps its conversations and texts', async () => {
      await acme.assignNumber('+12025550040');
      const id = (await acme.post('/api/sms/numbers', { number: '+12025550040', label: 'Dispatch line' }).expect(201))
        .body.id;
      await acme.patch(`/api/sms/numbers/${id}`, { kind: 'group', teamId: dispatch }).expect(200);
      await textIn(t, '+12015550040', '+12025550040', 'Truck 4 broke down');
      const conversation = await conversationWith(acme, '+12015550040', '+12025550040');
      expect(
        (await acme.get('/api/sms/conversations', cat.token).expect(200)).body.conversations.map(
          (c: { id: string }) => c.id,
        ),
      ).toContain(conversation.id);

      // Unassigned, the thread stays with the team that saw it; nobody else gains it.
      await acme.patch(`/api/sms/numbers/${id}`, { kind: 'unassigned' }).expect(200);
      const kept = (await acme.get(`/api/sms/conversations/${conversation.id}`, cat.token).expect(200)).body;
      expect(kept.messages.map((m: { body: string }) => m.body)).toEqual(['Truck 4 broke down']);
      await acme.get(`/api/sms/conversations/${conversation.id}`, dana.token).expect(404);
      // Shared with the whole account and its history handed over: everyone sees it.
      await acme.patch(`/api/sms/numbers/${id}`, { kind: 'shared', history: 'hand_over' }).expect(200);
      const after = (await acme.get(`/api/sms/conversations/${conversation.id}`, dana.token).expect(200)).body;
      expect(after.messages.map((m: { body: string }) => m.body)).toEqual(['Truck 4 broke down']);

      await acme.delete(`/api/sms/numbers/${id}`, dana.token).expect(403);
      await other.delete(`/api/sms/numbers/${id}`).expect(404);
      await acme.delete(`/api/sms/numbers/${id}`).expect(204);
      expect((await numbers()).map((n) => n.id)).not.toContain(id);
      const afterDelete = (await acme.get(`/api/sms/conversations/${conversation.id}`).expect(200)).body;
      expect(afterDelete).toMatchObject({ number: null, businessNumber: '+12025550040' });
      expect(afterDelete.messages).toHaveLength(1);
      // Only admins still see a conversation whose number left the account.
      await acme.get(`/api/sms/conversations/${conversation.id}`, cat.token).expect(404);
    });
  });

  describe('bulk assignment', () => {
    it('applies the good lines and reports each bad one with its line and reason, also as a downloadable error log', async () => {
      const danaDirect = fresh();
      await acme.assignNumber(danaDirect);
      const danaId = (await acme.post('/api/sms/numbers', { number: danaDirect, label: 'Dana' }).expect(201)).body.id;
      await acme.patch(`/api/sms/numbers/${danaId}`, { kind: 'direct', userId: dana.id }).expect(200);
      const [good1, good2, good3, notOurs, duplicate] = [fresh(), fresh(), fresh(), fresh(), fresh()];
      for (const n of [good1, good2, good3, duplicate]) await acme.assignNumber(n);
      const theirs = fresh();
      await other.addNumber(theirs, 'Theirs');

      const csv = [
        'number,user_email,team',
        `${good1},dana@acme.test,`,
        `${good2},,support`,
        '555-0122,dana@acme.test,',
        `${notOurs},,Support`,
        `${good1},sol@acme.test,`,
        `${duplicate},ghost@acme.test,`,
        `${duplicate},,Nowhere`,
        `${danaDirect},,Dispatch`,
        `${theirs},sol@acme.test,`,
        `"+1 (${good3.slice(2, 5)}) ${good3.slice(5, 8)}-${good3.slice(8)}",SOL@acme.test,`,
        `${fresh()},dana@acme.test,Support`,
        `${fresh()}`,
      ].join('\r\n');
      const answer = await t
        .http()
        .post('/api/sms/numbers/bulk')
        .set('Authorization', `Bearer ${acme.adminToken}`)
        .set('Content-Type', 'text/csv')
        .send(csv)
        .expect(201);

      expect(answer.body).toMatchObject({ rows: 12, applied: 3, failed: 9 });
      expect(answer.body.errors.map((e: { line: number; reason: string }) => [e.line, e.reason])).toEqual([
        [4, expect.stringMatching(/^bad format: 555-0122 is not a phone number: enter it with its country code/)],
        [5, expect.stringMatching(new RegExp(`^not verified: \\${notOurs} is not assigned to this account`))],
        [6, `duplicate within the file: ${good1} is already on line 2`],
        [7, 'unknown user: no user with email ghost@acme.test in this account'],
        [8, `duplicate within the file: ${duplicate} is already on line 7`],
        [9, `${danaDirect} is already assigned elsewhere (Dana Scully's direct number); unassign it first`],
        [10, `already assigned elsewhere: ${theirs} is in use by another account`],
        [12, 'give either a user_email or a team, not both'],
        [13, 'expected 3 fields, found 1'],
      ]);
      expect(
        answer.body.lines.map((l: { line: number; number: string; added: boolean }) => [l.line, l.number, l.added]),
      ).toEqual([
        [2, good1, true],
        [3, good2, true],
        [11, good3, true],
      ]);

      expect(await byNumber(good1)).toMatchObject({ kind: 'direct', userId: dana.id, verified: true });
      expect(await byNumber(good2)).toMatchObject({ kind: 'group', teamId: support });
      expect(await byNumber(good3)).toMatchObject({ kind: 'direct', userId: sol.id });
      // Refused lines changed nothing: no number was added, nothing moved.
      expect(await byNumber(notOurs)).toBeUndefined();
      expect(await byNumber(duplicate)).toBeUndefined();
      expect(await byNumber(danaDirect)).toMatchObject({ kind: 'direct', userId: dana.id });
      expect((await numbers(other)).find((n) => n.number === theirs)).toMatchObject({ kind: 'shared' });

      const log = await acme.get(answer.body.errorLog).expect(200);
      expect(log.headers['content-type']).toMatch(/^text\/csv/);
      expect(log.headers['content-disposition']).toMatch(/attachment/);
      const lines = parseCsv(log.text).map((r) => r.fields.map((f) => (f.includes(',') ? `"${f}"` : f)).join(','));
      expect(lines[0]).toBe('line,number,user_email,team,reason');
      expect(lines).toHaveLength(10);
      expect(lines[1]).toBe(
        '4,555-0122,dana@acme.test,,"bad format: 555-0122 is not a phone number: enter it with its country code, e.g. +1 555 010 0199"',
      );
      expect(lines[3]).toBe(`6,${good1},sol@acme.test,,duplicate within the file: ${good1} is already on line 2`);
      await other.get(answer.body.errorLog).expect(404);
      expect((await acme.get(`/api/sms/numbers/bulk/${answer.body.id}`).expect(200)).body).toMatchObject({
        applied: 3,
        failed: 9,
      });

      // The same file again: what was applied is already so, what was bad still is.
      const again = await t
        .http()
        .post('/api/sms/numbers/bulk')
        .set('Authorization', `Bearer ${acme.adminToken}`)
        .set('Content-Type', 'text/csv')
        .send(csv)
        .expect(201);
      expect(again.body).toMatchObject({ applied: 3, failed: 9 });
    });

    it('takes the file as a multipart upload too, and refuses files it cannot read', async () => {
      const n = fresh();
      await acme.assignNumber(n);
      const upload = await t
        .http()
        .post('/api/sms/numbers/bulk')
        .set('Authorization', `Bearer ${acme.adminToken}`)
        .attach('file', Buffer.from(`number,team\n${n},Dispatch\n`), {
          filename: 'numbers.csv',
          contentType: 'text/csv',
        })
        .expect(201);
      expect(upload.body).toMatchObject({ applied: 1, failed: 0, errors: [] });
      expect(await byNumber(n)).toMatchObject({ kind: 'group', teamId: dispatch });

      const send = (body: string, token = acme.adminToken) =>
        t
          .http()
          .post('/api/sms/numbers/bulk')
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', 'text/csv')
          .send(body);
      expect((await send('phone,owner\n+12025550199,x\n').expect(422)).body.message).toMatch(
        /Line 1 must name the columns: number,user_email or number,team/,
      );
      expect((await send('number,team\n"+12025550199,Support\n').expect(422)).body.message).toMatch(
        /not valid CSV: line 2: a quoted field is never closed/,
      );
      expect((await send('number,team\n').expect(422)).body.message).toMatch(/no lines to apply/);
      await send('number,team\n+12025550199,Support\n', dana.token).expect(403);
      await t
        .http()
        .post('/api/sms/numbers/bulk')
        .set('Authorization', `Bearer ${acme.adminToken}`)
        .send({ csv: 'number,team' })
        .expect(415);
    });
  });

  describe('platform assignment', () => {
    it("assigns the platform's Twilio numbers to accounts, lists them and takes them back", async () => {
      const account = await t.account('Assigned IT');
      const [line, unlisted] = [fresh(), fresh()];
      t.twilio.ownNumber(line);
      const assign = (to: TestAccount, number: string) =>
        t.platform().post(`/api/platform/accounts/${to.id}/numbers`).send({ number });

      expect((await assign(account, line).expect(201)).body).toMatchObject({
        number: line,
        accountId: account.id,
        smsNumberId: null,
      });
      // The same assignment again changes nothing; another account cannot have it.
      await assign(account, line).expect(201);
      expect((await assign(other, line).expect(409)).body.message).toBe(
        `${line} is assigned to another account; unassign it there first`,
      );
      // Only numbers of the platform's Twilio account, written with their country code, to accounts that exist.
      expect((await assign(account, unlisted).expect(422)).body.message).toMatch(
        new RegExp(`Twilio does not list \\${unlisted}`),
      );
      expect((await assign(account, '555-0100').expect(422)).body.message).toMatch(/country code/);
      await assign(account, '').expect(400);
      await t
        .platform()
        .post('/api/platform/accounts/00000000-0000-4000-8000-000000000000/numbers')
        .send({ number: line })
        .expect(404);
      await t.platform().post('/api/platform/accounts/not-an-id/numbers').send({ number: line }).expect(400);
      await t
        .http()
        .post(`/api/platform/accounts/${account.id}/numbers`)
        .set('Authorization', `Bearer ${account.adminToken}`)
        .send({ number: line })
        .expect(403);

      const id = (await account.post('/api/sms/numbers', { number: line, label: 'Front desk' }).expect(201)).body.id;
      expect((await t.platform().get(`/api/platform/accounts/${account.id}/numbers`).expect(200)).body).toEqual([
        { number: line, accountId: account.id, assignedAt: expect.any(String), smsNumberId: id },
      ]);
      await textIn(t, '+12015550444', line, 'Hello from a customer');

      // Taken back: the account's number goes, its conversation stays; then another account may have it.
      await t
        .platform()
        .delete(`/api/platform/accounts/${account.id}/numbers/${encodeURIComponent(line)}`)
        .expect(204);
      await account.get(`/api/sms/numbers/${id}`).expect(404);
      expect((await t.platform().get(`/api/platform/accounts/${account.id}/numbers`).expect(200)).body).toEqual([]);
      expect((await account.get('/api/sms/conversations').expect(200)).body.conversations).toHaveLength(1);
      expect(
        (await account.post('/api/sms/numbers', { number: line, label: 'Again' }).expect(403)).body.message,
      ).toMatch(/is not assigned to this account/);
      await t
        .platform()
        .delete(`/api/platform/accounts/${account.id}/numbers/${encodeURIComponent(line)}`)
        .expect(404);
      await assign(other, line).expect(201);
    });
  });

  describe('sending identity', () => {
    let account: TestAccount;
    let defaultNumber: string;
    let annDirect: string;
    let teamLine: string;
    let otherTeamLine: string;
    let ann: { id: string; token: string };
    let customerSeq = 1;

    beforeAll(async () => {
      account = await t.account('Identity IT');
      const helpdesk = (await account.post('/api/teams', { name: 'Helpdesk' }).expect(201)).body.id;
      const field = (await account.post('/api/teams', { name: 'Field' }).expect(201)).body.id;
      ann = (
        await account
          .post('/api/users', {
            name: 'Ann Archer',
            email: 'ann@identity.test',
            role: 'technician',
            teamIds: [helpdesk],
          })
          .expect(201)
      ).body;
      defaultNumber = await account.addNumber('+12025550301', 'Main');
      annDirect = await account.addNumber('+12025550302', 'Ann');
      teamLine = await account.addNumber('+12025550303', 'Helpdesk');
      otherTeamLine = await account.addNumber('+12025550304', 'Field');
      await account.patch(`/api/sms/numbers/${annDirect}`, { kind: 'direct', userId: ann.id }).expect(200);
      await account.patch(`/api/sms/numbers/${teamLine}`, { kind: 'group', teamId: helpdesk }).expect(200);
      await account.patch(`/api/sms/numbers/${otherTeamLine}`, { kind: 'group', teamId: field }).expect(200);
    });

    const newCustomer = () =>
      account.customer([{ number: `+120155503${String(customerSeq++).padStart(2, '0')}`, type: 'mobile' }]);
    const sentFrom = async (ticketId: string) => {
      const rows = await eventually(
        () => account.sms(ticketId),
        (r) => r.every((m) => m.providerMessageId !== null || m.status === 'skipped'),
      );
      // One sender per text (a long initial-problem text goes as several parts from the same number).
      const bySend = new Map<string, string | null>();
      for (const r of rows as ((typeof rows)[number] & { sendId: string })[]) bySend.set(r.sendId, r.from);
      return [...bySend.values()];
    };

    it("lists the numbers a technician may choose: their own, their teams' and shared ones", async () => {
      const mine = (await account.get('/api/sms/numbers/mine', ann.token).expect(200)).body.map(
        (n: NumberBody) => n.number,
      );
      expect(mine).toEqual(['+12025550301', '+12025550302', '+12025550303']);
    });

    it("uses the technician's direct number, then the customer's conversation, else the account default", async () => {
      // Ann opens the ticket: no conversation yet, so her own direct number.
      const customer = await newCustomer();
      const ticket = await account.ticket(customer, ann.token);
      expect(await sentFrom(ticket.id)).toEqual(['+12025550302']);
      // The admin's update keeps the customer's thread on Ann's number.
      await account.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'Parts ordered' }).expect(201);
      expect(await sentFrom(ticket.id)).toEqual(['+12025550302', '+12025550302']);
      // A new customer of the admin's (no direct number, no conversation): the account default.
      const fresh = await account.ticket(await newCustomer());
      expect(await sentFrom(fresh.id)).toEqual(['+12025550301']);
    });

    it('sends from the chosen number among those the technician may use, refusing others with the reason', async () => {
      const ticket = await account.ticket(await newCustomer(), ann.token);
      await account
        .post(
          `/api/tickets/${ticket.id}/updates`,
          { smsBody: 'From the helpdesk line', fromNumberId: teamLine },
          ann.token,
        )
        .expect(201);
      expect(await sentFrom(ticket.id)).toEqual(['+12025550302', '+12025550303']);

      const refused = await account
        .post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'x', fromNumberId: otherTeamLine }, ann.token)
        .expect(403);
      expect(refused.body.message).toMatch(
        /you may not send from \+12025550304 \(the number of a team you are not in\)/,
      );
      const theirs = (await other.get('/api/sms/numbers').expect(200)).body[0].id;
      await account
        .post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'x', fromNumberId: theirs }, ann.token)
        .expect(404);
      await account.assignNumber('+12025550309');
      t.twilio.releaseNumber('+12025550309');
      const unverified = (
        await account.post('/api/sms/numbers', { number: '+12025550309', label: 'Pending port' }).expect(201)
      ).body.id;
      expect(
        (
          await account
            .post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'x', fromNumberId: unverified })
            .expect(422)
        ).body.message,
      ).toMatch(/is not verified/);
      // Refused updates wrote nothing, comment included.
      expect((await account.get(`/api/tickets/${ticket.id}`).expect(200)).body.comments).toHaveLength(1);
      // An admin may use any number.
      await account
        .post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'From the field', fromNumberId: otherTeamLine })
        .expect(201);
      expect(await sentFrom(ticket.id)).toEqual(['+12025550302', '+12025550303', '+12025550304']);
      expect(defaultNumber).toBeDefined();
    });
  });
});
