import { strict as assert } from 'node:assert';
import { randomInt } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { StoredAttachment, TicketGateway, TicketSummary } from '../ports/ticket-gateway.port';

/** A comment as the host shows it: to the customer (public) or to staff only. */
export interface ConformanceComment {
  id: string;
  body: string;
  public: boolean;
  attachments: { storageKey: string; public: boolean }[];
}

/** What the conformance suite needs from the host's test set-up. */
export interface GatewayConformanceFixture {
  gateway: TicketGateway;
  /** Runs `work` in a transaction of the host's database, as the module does when it passes `tx` to the gateway. */
  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T>;
  /** Two accounts of the host; the suite adds customers and tickets to them through the gateway itself. */
  accounts: [string, string];
  /** A user of the first account. */
  user: { id: string; email: string };
  /** A team of the first account that the user belongs to, when the host has teams. */
  team?: { id: string; name: string };
  /** The ticket's comments, oldest first, as the host stores them. */
  listComments(accountId: string, ticketId: string): Promise<ConformanceComment[]>;
  /** The status a customer's reply sets; default 'Customer Reply'. */
  customerReplyStatus?: string;
}

export interface ConformanceCheck {
  name: string;
  run(): Promise<void>;
}

/**
 * Checks a host's TicketGateway the way the module relies on it: lookups scoped by account, unknown ids of any shape
 * answered with null rather than an error, customer comments public with their files and private notes private,
 * batch answers in the order asked, all-or-none batches, and every write inside the transaction it is given (the
 * module's lock order depends on it). Framework-neutral: register each check with your runner,
 * `for (const check of ticketGatewayConformance(() => fixture)) it(check.name, check.run)`.
 */
export function ticketGatewayConformance(
  fixture: GatewayConformanceFixture | (() => GatewayConformanceFixture),
): ConformanceCheck[] {
  const get = () => (typeof fixture === 'function' ? fixture() : fixture);
  const phone = () => `+1202555${String(randomInt(0, 10_000)).padStart(4, '0')}`;
  /** A customer and an open ticket of theirs in the first account, made through the gateway. */
  const seed = async () => {
    const f = get();
    const [a] = f.accounts;
    const mobile = phone();
    return f.transaction(async (tx) => {
      const customer = await f.gateway.createCustomerFromPhone(a, mobile, tx);
      const ticket = await f.gateway.createTicketFromSms(
        a,
        { customerId: customer.id, subject: 'Printer offline', problem: 'It shows offline.' },
        tx,
      );
      return { a, b: f.accounts[1], mobile, customer, ticket };
    });
  };
  const attachment = (key: string): StoredAttachment => ({
    fileName: `${key}.jpg`,
    contentType: 'image/jpeg',
    size: 1234,
    storageKey: `conformance/${key}.jpg`,
    thumbnailKey: `conformance/${key}-thumb.jpg`,
    thumbnailContentType: 'image/jpeg',
  });
  const check = (name: string, run: () => Promise<void>): ConformanceCheck => ({ name, run });

  return [
    check('getAccount answers the account, and null for an id it does not have, whatever its shape', async () => {
      const { gateway, accounts } = get();
      const account = await gateway.getAccount(accounts[0]);
      assert.ok(account, 'getAccount found no account for the first fixture account');
      assert.equal(account.id, accounts[0]);
      assert.match(account.defaultCountry, /^[A-Z]{2}$/, 'defaultCountry is an ISO 3166 alpha-2 code');
      assert.doesNotThrow(
        () => new Intl.DateTimeFormat('en', { timeZone: account.timezone }),
        'timezone is an IANA zone',
      );
      assert.ok(
        account.subscribedAt instanceof Date && !Number.isNaN(account.subscribedAt.getTime()),
        'subscribedAt is a Date',
      );
      for (const unknown of ['no-such-account', '2147480000', '00000000-0000-4000-8000-000000000000']) {
        assert.equal(await gateway.getAccount(unknown), null, `getAccount('${unknown}') must answer null`);
      }
    }),

    check('customers are found by phone in their own account only', async () => {
      const { gateway } = get();
      const { a, b, mobile, customer } = await seed();
      assert.deepEqual(
        (await gateway.findCustomersByPhone(a, mobile)).map((c) => c.id),
        [customer.id],
      );
      assert.deepEqual(await gateway.findCustomersByPhone(b, mobile), []);
    }),

    check('a ticket is found by id and by number in its account only, and listed as open', async () => {
      const { gateway } = get();
      const { a, b, mobile, customer, ticket } = await seed();
      assert.equal(ticket.open, true, 'a new ticket is open');
      assert.equal(ticket.customerId, customer.id);
      assert.equal((await gateway.findTicket(a, { id: ticket.id }))?.id, ticket.id);
      assert.equal((await gateway.findTicket(a, { number: ticket.number }))?.id, ticket.id);
      assert.equal(
        await gateway.findTicket(b, { id: ticket.id }),
        null,
        'another account must not find the ticket by id',
      );
      assert.equal(await gateway.findTicket(a, { id: 'no-such-ticket' }), null);
      assert.equal(await gateway.findTicket(a, { number: 2 ** 40 }), null, 'a number past any ticket finds nothing');
      assert.ok((await gateway.listOpenTickets(a, customer.id)).some((t) => t.id === ticket.id));
      assert.deepEqual(await gateway.listOpenTickets(b, customer.id), []);
      const context = await gateway.getTicketContext(a, ticket.id, null);
      assert.ok(context, 'getTicketContext found the ticket');
      assert.equal(context.ticket.id, ticket.id);
      assert.equal(context.account.id, a);
      assert.ok(
        context.customer.phones.some((p) => p.type === 'mobile' && p.number === mobile),
        "the context lists the customer's mobile phone",
      );
      assert.equal(
        await gateway.getTicketContext(b, ticket.id, null),
        null,
        'another account must not read the ticket',
      );
    }),

    check("a customer's comment is public, carries its files, and marks the ticket as replied", async () => {
      const f = get();
      const { a, customer, ticket } = await seed();
      const { commentId } = await f.transaction((tx) =>
        f.gateway.addCustomerComment(
          a,
          { ticketId: ticket.id, customerId: customer.id, body: 'Still offline', attachments: [attachment('photo')] },
          tx,
        ),
      );
      const comment = (await f.listComments(a, ticket.id)).find((c) => c.id === commentId);
      assert.ok(comment, 'the comment is on the ticket');
      assert.equal(comment.public, true, "a customer's comment is public");
      assert.equal(comment.body, 'Still offline');
      assert.deepEqual(
        comment.attachments,
        [{ storageKey: 'conformance/photo.jpg', public: true }],
        'the photo is a public attachment',
      );
      assert.equal(
        (await f.gateway.findTicket(a, { id: ticket.id }))?.status,
        f.customerReplyStatus ?? 'Customer Reply',
      );
    }),

    check('a private note stays private; a technician text is public', async () => {
      const f = get();
      const { a, ticket } = await seed();
      const note = await f.transaction((tx) => f.gateway.addPrivateNote(a, ticket.id, 'Customer opted out of SMS', tx));
      const text = await f.transaction((tx) =>
        f.gateway.addTechnicianText(a, { ticketId: ticket.id, userId: f.user.id, text: 'On my way' }, tx),
      );
      const comments = await f.listComments(a, ticket.id);
      assert.equal(comments.find((c) => c.id === note.commentId)?.public, false, 'a private note must not be public');
      const sent = comments.find((c) => c.id === text.commentId);
      assert.equal(sent?.public, true, "a technician's text is public");
      assert.match(sent.body, /On my way/);
    }),

    check('batch lookups answer one item per lookup, in the order asked, each in its own account', async () => {
      const { gateway } = get();
      const { a, b, mobile, customer, ticket } = await seed();
      const customers = await gateway.findCustomersByPhones([
        { accountId: b, phone: mobile },
        { accountId: a, phone: mobile },
        { accountId: a, phone: '+12025550000' },
      ]);
      assert.deepEqual(
        customers.map((found) => found.map((c) => c.id).filter((id) => id === customer.id)),
        [[], [customer.id], []],
      );
      const tickets = await gateway.findTickets([
        { accountId: a, ref: { id: ticket.id } },
        { accountId: b, ref: { id: ticket.id } },
        { accountId: a, ref: { number: ticket.number } },
      ]);
      assert.deepEqual(
        tickets.map((t: TicketSummary | null) => t?.id ?? null),
        [ticket.id, null, ticket.id],
      );
      const open = await gateway.listOpenTicketsOfCustomers([
        { accountId: b, customerId: customer.id },
        { accountId: a, customerId: customer.id },
      ]);
      assert.equal(open.length, 2);
      assert.deepEqual(open[0], []);
      assert.ok(open[1].some((t) => t.id === ticket.id));
      assert.deepEqual(await gateway.findCustomersByPhones([]), []);
    }),

    check("addCustomerComments is all or none: a ticket outside its item's account fails the whole batch", async () => {
      const f = get();
      const { a, b, customer, ticket } = await seed();
      const before = (await f.listComments(a, ticket.id)).length;
      await assert.rejects(
        f.transaction((tx) =>
          f.gateway.addCustomerComments(
            [
              {
                accountId: a,
                comment: { ticketId: ticket.id, customerId: customer.id, body: 'first', attachments: [] },
              },
              {
                accountId: b,
                comment: { ticketId: ticket.id, customerId: customer.id, body: 'wrong account', attachments: [] },
              },
            ],
            tx,
          ),
        ),
        'a comment on a ticket of another account must fail the call',
      );
      assert.equal((await f.listComments(a, ticket.id)).length, before, 'nothing of the failed batch is kept');
    }),

    check('writes happen in the transaction given: rolled back with it, seen inside it', async () => {
      const f = get();
      const [a] = f.accounts;
      const mobile = phone();
      await assert.rejects(
        f.transaction(async (tx) => {
          await f.gateway.createCustomerFromPhone(a, mobile, tx);
          assert.equal(
            (await f.gateway.findCustomersByPhone(a, mobile, tx)).length,
            1,
            'the new customer is seen inside the transaction',
          );
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.deepEqual(await f.gateway.findCustomersByPhone(a, mobile), [], 'a rolled-back customer must not remain');
    }),

    check('a comment moves to another ticket of the customer with its files', async () => {
      const f = get();
      const { a, customer, ticket } = await seed();
      const other = await f.transaction((tx) =>
        f.gateway.createTicketFromSms(a, { customerId: customer.id, subject: 'Second', problem: 'Another one' }, tx),
      );
      const { commentId } = await f.transaction((tx) =>
        f.gateway.addCustomerComment(
          a,
          {
            ticketId: ticket.id,
            customerId: customer.id,
            body: 'Meant for the other',
            attachments: [attachment('moved')],
          },
          tx,
        ),
      );
      await f.transaction((tx) => f.gateway.moveComment(a, commentId, other.id, tx));
      assert.equal(
        (await f.listComments(a, ticket.id)).some((c) => c.id === commentId),
        false,
        'the comment left the first ticket',
      );
      const moved = (await f.listComments(a, other.id)).find((c) => c.id === commentId);
      assert.deepEqual(
        moved?.attachments.map((x) => x.storageKey),
        ['conformance/moved.jpg'],
      );
    }),

    check('users and teams are found in their own account only', async () => {
      const { gateway, accounts, user, team } = get();
      const [a, b] = accounts;
      const found = await gateway.getUser(a, user.id);
      assert.equal(found?.id, user.id);
      assert.ok(found.role === 'admin' || found.role === 'technician', "a user's role is admin or technician");
      assert.equal(await gateway.getUser(b, user.id), null);
      assert.equal(await gateway.getUser(a, 'no-such-user'), null);
      assert.equal(
        (await gateway.findUserByEmail(a, user.email.toUpperCase()))?.id,
        user.id,
        'emails match whatever their case',
      );
      assert.equal(await gateway.findUserByEmail(b, user.email), null);
      if (team) {
        assert.equal((await gateway.getTeam(a, team.id))?.name, team.name);
        assert.equal(await gateway.getTeam(b, team.id), null);
        assert.equal((await gateway.findTeamByName(a, team.name.toUpperCase()))?.id, team.id);
        assert.ok(found.teamIds.includes(team.id), "getUser lists the user's teams");
      }
    }),
  ];
}
