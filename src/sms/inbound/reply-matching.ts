import type { TicketSummary } from '../ports/ticket-gateway.port';

/**
 * How an inbound text found its ticket, stored on the message. The first four are tried in this order;
 * `manual` is a technician's move or confirmation.
 */
export const MATCH_RULES = [
  'ticket_reference',
  'last_outbound',
  'only_open_ticket',
  'most_recent_open_ticket',
  'new_ticket',
  'triage',
  'manual',
] as const;
export type MatchRule = (typeof MATCH_RULES)[number];

export type UnmatchedReplies = 'new_ticket' | 'triage';

export interface MatchInput {
  /** Tickets of this customer the text names, in the order it names them. */
  referenced: TicketSummary[];
  /** The ticket of the last SMS accepted in this conversation (null when none, or not this customer's) and when. */
  lastOutbound: { ticket: TicketSummary | null; at: Date | null };
  /** The customer's open tickets. */
  openTickets: TicketSummary[];
  now: Date;
  replyWindowDays: number;
  unmatched: UnmatchedReplies;
}

export type MatchDecision =
  | { rule: 'ticket_reference' | 'last_outbound' | 'only_open_ticket'; ticket: TicketSummary; guess: false }
  | { rule: 'most_recent_open_ticket'; ticket: TicketSummary; guess: true }
  | { rule: 'new_ticket' | 'triage'; ticket: null; guess: false };

const DAY_MS = 24 * 60 * 60 * 1000;

// "#1234", "# 1234", "ticket 1234", "Ticket #1234", "ticket no. 1234"; a number glued to letters ("abc#12x") is not a reference.
const REFERENCE = /(?:#\s?|\bticket\s*(?:#|no\.?|number)?\s*)(\d{1,9})(?![\d\p{L}])/giu;

/** Ticket numbers a text refers to, first mention first, each once. */
export function ticketReferences(text: string): number[] {
  const numbers: number[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const n = Number(match[1]);
    if (!numbers.includes(n)) numbers.push(n);
  }
  return numbers;
}

/** The reply-matching rules, in order; the first that applies wins. */
export function matchReply(input: MatchInput): MatchDecision {
  if (input.referenced.length > 0) return { rule: 'ticket_reference', ticket: input.referenced[0], guess: false };

  const { ticket, at } = input.lastOutbound;
  if (ticket?.open && at && input.now.getTime() - at.getTime() <= input.replyWindowDays * DAY_MS) {
    return { rule: 'last_outbound', ticket, guess: false };
  }

  const open = input.openTickets.filter((t) => t.open);
  if (open.length === 1) return { rule: 'only_open_ticket', ticket: open[0], guess: false };
  if (open.length > 1) {
    const latest = open.reduce((a, b) => (b.updatedAt.getTime() > a.updatedAt.getTime() ? b : a));
    return { rule: 'most_recent_open_ticket', ticket: latest, guess: true };
  }
  return { rule: input.unmatched, ticket: null, guess: false };
}

const SUBJECT_MAX = 80;

/** A ticket subject from the first line of a text: whitespace folded, cut at a word near 80 characters. */
export function ticketSubjectFromSms(text: string, senderName: string, hasMedia: boolean): string {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .find((l) => l.length > 0);
  if (!line) return hasMedia ? `Picture message from ${senderName}` : `Text message from ${senderName}`;
  const chars = Array.from(line); // code points: an emoji is never cut in half
  if (chars.length <= SUBJECT_MAX) return line;
  const cut = chars.slice(0, SUBJECT_MAX - 1).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > SUBJECT_MAX / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
