import type { TicketSummary } from '../ports/ticket-gateway.port';
import { MatchInput, matchReply, ticketReferences, ticketSubjectFromSms } from './reply-matching';

const NOW = new Date('2026-03-10T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

function ticket(number: number, updatedDaysAgo: number, status = 'In Progress'): TicketSummary {
  return {
    id: `t-${number}`,
    number,
    customerId: 'c-1',
    subject: `Ticket ${number}`,
    status,
    open: status !== 'Resolved',
    updatedAt: new Date(NOW.getTime() - updatedDaysAgo * DAY),
  };
}

function input(overrides: Partial<MatchInput>): MatchInput {
  return {
    referenced: [],
    lastOutbound: { ticket: null, at: null },
    openTickets: [],
    now: NOW,
    replyWindowDays: 7,
    unmatched: 'new_ticket',
    ...overrides,
  };
}

describe('ticketReferences', () => {
  it.each<[string, number[]]>([
    ['About #1234, still broken', [1234]],
    ['re ticket 1234', [1234]],
    ['Ticket #1234 and # 1300', [1234, 1300]],
    ['ticket no. 1005', [1005]],
    ['TICKET NUMBER 1006', [1006]],
    ['#1234 #1234 again', [1234]],
    ['call me at 555-0123', []],
    ['room 12, floor 3', []],
    ['abc#12x', []],
    ['', []],
  ])('%j → %j', (text, expected) => {
    expect(ticketReferences(text)).toEqual(expected);
  });
});

describe('matchReply', () => {
  it('a: a named ticket of the customer wins over everything else', () => {
    const named = ticket(1001, 30);
    const decision = matchReply(
      input({
        referenced: [named],
        lastOutbound: { ticket: ticket(1002, 0), at: NOW },
        openTickets: [ticket(1002, 0)],
      }),
    );
    expect(decision).toEqual({ rule: 'ticket_reference', ticket: named, guess: false });
  });

  it('b: the ticket of the last SMS in the conversation, within the reply window and still open', () => {
    const last = ticket(1001, 5);
    const decision = matchReply(
      input({
        lastOutbound: { ticket: last, at: new Date(NOW.getTime() - 6 * DAY) },
        openTickets: [ticket(1002, 0), last],
      }),
    );
    expect(decision).toEqual({ rule: 'last_outbound', ticket: last, guess: false });
  });

  it('b does not apply outside the reply window, so the next rule decides', () => {
    const last = ticket(1001, 9);
    const decision = matchReply(
      input({
        lastOutbound: { ticket: last, at: new Date(NOW.getTime() - 8 * DAY) },
        openTickets: [ticket(1002, 1), last],
      }),
    );
    expect(decision).toMatchObject({ rule: 'most_recent_open_ticket', ticket: { number: 1002 }, guess: true });
  });

  it('b honours a custom window exactly at its edge', () => {
    const last = ticket(1001, 3);
    const at = new Date(NOW.getTime() - 2 * DAY);
    expect(matchReply(input({ replyWindowDays: 2, lastOutbound: { ticket: last, at } })).rule).toBe('last_outbound');
    expect(matchReply(input({ replyWindowDays: 1, lastOutbound: { ticket: last, at } })).rule).toBe('new_ticket');
  });

  it('b does not apply to a resolved ticket', () => {
    const resolved = ticket(1001, 1, 'Resolved');
    const only = ticket(1002, 10);
    expect(matchReply(input({ lastOutbound: { ticket: resolved, at: NOW }, openTickets: [only] }))).toEqual({
      rule: 'only_open_ticket',
      ticket: only,
      guess: false,
    });
  });

  it('c: the only open ticket', () => {
    const only = ticket(1003, 40);
    expect(matchReply(input({ openTickets: [only] }))).toEqual({
      rule: 'only_open_ticket',
      ticket: only,
      guess: false,
    });
  });

  it('d: several open tickets and no clue: the most recently updated, flagged as a guess', () => {
    const tickets = [ticket(1001, 3), ticket(1002, 1), ticket(1003, 2)];
    expect(matchReply(input({ openTickets: tickets }))).toEqual({
      rule: 'most_recent_open_ticket',
      ticket: tickets[1],
      guess: true,
    });
  });

  it('e: no open ticket: a new ticket, or the triage list by setting', () => {
    expect(matchReply(input({}))).toEqual({ rule: 'new_ticket', ticket: null, guess: false });
    expect(matchReply(input({ unmatched: 'triage' }))).toEqual({ rule: 'triage', ticket: null, guess: false });
  });

  it('never picks a resolved ticket as an open one', () => {
    expect(matchReply(input({ openTickets: [ticket(1001, 0, 'Resolved')] })).rule).toBe('new_ticket');
  });
});

describe('ticketSubjectFromSms', () => {
  it('takes the first non-empty line with whitespace folded', () => {
    expect(ticketSubjectFromSms('\n  Printer   jammed again \nsecond line', '(201) 555-0123', false)).toBe(
      'Printer jammed again',
    );
  });

  it('cuts a long line at a word, with an ellipsis, never past 80 characters', () => {
    const subject = ticketSubjectFromSms('word '.repeat(40), 'x', false);
    expect(subject.length).toBeLessThanOrEqual(80);
    expect(subject.endsWith('word…')).toBe(true);
  });

  it('never cuts an emoji in half', () => {
    const subject = ticketSubjectFromSms('🖨'.repeat(100), 'x', false);
    expect(Array.from(subject)).toHaveLength(80);
    expect(subject).not.toMatch(/\uFFFD/);
  });

  it('names the sender when there is no text', () => {
    expect(ticketSubjectFromSms('  ', '(201) 555-0123', true)).toBe('Picture message from (201) 555-0123');
    expect(ticketSubjectFromSms('', '(201) 555-0123', false)).toBe('Text message from (201) 555-0123');
  });
});
