import type { SmsNumberKind } from '../numbers/sms-number.entity';

/** Session types as contact-centre reports name them: who wrote first, and the kind of number. */
export const SESSION_TYPES = [
  'Messaging Inbound (SMS Direct)',
  'Messaging Outbound (SMS Direct)',
  'Messaging Inbound (SMS Team)',
  'Messaging Outbound (SMS Team)',
  'Messaging Inbound (SMS Shared)',
  'Messaging Outbound (SMS Shared)',
] as const;
export type SessionType = (typeof SESSION_TYPES)[number];

// Chosen users share a number as a team does; an unassigned number is nobody's in particular, as a shared one.
const KIND_LABEL: Record<SmsNumberKind, string> = {
  direct: 'SMS Direct',
  group: 'SMS Team',
  users: 'SMS Team',
  shared: 'SMS Shared',
  unassigned: 'SMS Shared',
};

export function sessionType(firstDirection: 'inbound' | 'outbound', kind: SmsNumberKind): SessionType {
  return `Messaging ${firstDirection === 'inbound' ? 'Inbound' : 'Outbound'} (${KIND_LABEL[kind]})` as SessionType;
}

/** One session as the database computed it, with its claims and transfers counted. */
export interface SessionRow {
  type: SessionType;
  userKey: string | null;
  numberKey: string;
  teamKey: string | null;
  messages: number;
  inboundMessages: number;
  outboundMessages: number;
  segments: number;
  credits: number;
  /** From the contact's first text to the first reply of a person; null when there was none. */
  firstResponseSeconds: number | null;
  claims: number;
  transfers: number;
}

export interface SessionTotals {
  sessions: number;
  byType: Record<SessionType, number>;
  messages: number;
  inboundMessages: number;
  outboundMessages: number;
  segments: number;
  credits: number;
  medianFirstResponseSeconds: number | null;
  claims: number;
  transfers: number;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Adds up sessions; the median is of the sessions' first-response times. */
export function totals(sessions: SessionRow[]): SessionTotals {
  const byType = Object.fromEntries(SESSION_TYPES.map((t) => [t, 0])) as Record<SessionType, number>;
  const sum = (pick: (s: SessionRow) => number) => sessions.reduce((n, s) => n + pick(s), 0);
  for (const s of sessions) byType[s.type]++;
  return {
    sessions: sessions.length,
    byType,
    messages: sum((s) => s.messages),
    inboundMessages: sum((s) => s.inboundMessages),
    outboundMessages: sum((s) => s.outboundMessages),
    segments: sum((s) => s.segments),
    credits: sum((s) => s.credits),
    medianFirstResponseSeconds: median(
      sessions.map((s) => s.firstResponseSeconds).filter((v): v is number => v !== null),
    ),
    claims: sum((s) => s.claims),
    transfers: sum((s) => s.transfers),
  };
}
