import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Attachment } from '../../helpdesk/tickets/attachment.entity';
import { User } from '../../helpdesk/users/user.entity';
import {
  analyzeSms,
  Clock,
  ConversationClaims,
  ConversationQueries,
  creditsFor,
  MAX_SMS_CHARACTERS,
  SendSchedule,
  SmsCaller,
  SmsNumbersService,
  SmsSettingsService,
  splitSms,
  toConversationDetailResponse,
  toConversationResponse,
} from '../../sms';
import { localTime } from '../console-views';
import { CreditOutlook } from '../credit-outlook';
import { authorOf, groupTexts } from '../sms-texts';

/** Which conversations the list shows: all, waiting for an answer, held by me, held by nobody. */
export const INBOX_VIEWS = ['all', 'waiting', 'mine', 'unassigned'] as const;
export type InboxView = (typeof INBOX_VIEWS)[number];

export interface InboxFilter {
  view: InboxView;
  /** Only this SMS number's conversations. */
  numberId: string | null;
}

/** Conversations the list shows at most; the counts above it cover all. */
const LISTED = 200;

/** How long a customer has waited, short: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function waitedFor(since: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${Math.floor(hours / 24)} d`;
}

/** The technicians' inbox: counts, filters, previews; one thread with photos, authors and who may take it over. */
@Injectable()
export class ConsoleInboxService {
  constructor(
    private readonly queries: ConversationQueries,
    private readonly claims: ConversationClaims,
    private readonly numbers: SmsNumbersService,
    private readonly settings: SmsSettingsService,
    private readonly schedule: SendSchedule,
    private readonly credits: CreditOutlook,
    private readonly clock: Clock,
    @InjectRepository(Attachment) private readonly attachments: Repository<Attachment>,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  /** How many conversations wait for an answer, are mine, nobody's, or visible at all (for tabs, badge and title). */
  async counts(caller: SmsCaller, numberId: string | null = null) {
    const viewer = await this.queries.viewer(caller);
    const base = { limit: 1, ...(numberId ? { numberId } : {}) };
    const [all, waiting, mine, unassigned] = await Promise.all([
      this.queries.list(viewer, base),
      this.queries.list(viewer, { ...base, unanswered: true }),
      this.queries.list(viewer, { ...base, claimedByMe: true }),
      this.queries.list(viewer, { ...base, status: 'unclaimed' }),
    ]);
    return { all: all.total, waiting: waiting.total, mine: mine.total, unassigned: unassigned.total };
  }

  async list(caller: SmsCaller, currentId: string | null, filter: InboxFilter) {
    const viewer = await this.queries.viewer(caller);
    const query = {
      limit: LISTED,
      ...(filter.numberId ? { numberId: filter.numberId } : {}),
      ...(filter.view === 'waiting' ? { unanswered: true } : {}),
      ...(filter.view === 'mine' ? { claimedByMe: true } : {}),
      ...(filter.view === 'unassigned' ? { status: 'unclaimed' as const } : {}),
    };
    const { conversations } = await this.queries.list(viewer, query);
    const latest = await this.queries.latestTexts(
      caller.accountId,
      conversations.map((v) => v.conversation),
    );
    const items = conversations.map(toConversationResponse);
    const [names, authors] = await Promise.all([
      this.contactNames(
        caller.accountId,
        items.map((c) => c.contactPhone),
      ),
      this.userNames(
        caller.accountId,
        [...latest.values()].map((t) => t.createdByUserId),
      ),
    ]);
    const now = this.clock.now();
    const reads = await this.readMarks(
      caller,
      conversations.map((v) => v.conversation.id),
    );
    // Unanswered first, longest waiting on top; then the rest by latest activity (as listed).
    const waiting = items
      .filter((c) => c.unanswered)
      .sort((a, b) => (a.waitingSince?.getTime() ?? 0) - (b.waitingSince?.getTime() ?? 0));
    const answered = items.filter((c) => !c.unanswered);
    const ordered = [...waiting, ...answered].map((c) => {
      const text = latest.get(c.id);
      const author = text ? authorOf(text, authors) : null;
      return {
        ...c,
        contactName: names.get(c.contactPhone) ?? null,
        current: c.id === currentId,
        // A text came in since this person last opened the thread (the open one is being read).
        unread:
          c.id !== currentId &&
          c.lastInboundAt !== null &&
          c.lastInboundAt.getTime() > (reads.get(c.id)?.getTime() ?? 0),
        waited: c.waitingSince ? waitedFor(c.waitingSince, now) : null,
        preview: text
          ? { body: text.body, from: text.direction === 'inbound' ? null : (author?.label ?? null), at: text.createdAt }
          : null,
      };
    });
    // A customer who texts several of the account's numbers is one entry (the open thread, else the first in order),
    // with links to the other threads and unread when any of them is.
    const byContact = new Map<string, typeof ordered>();
    for (const item of ordered) byContact.set(item.contactPhone, [...(byContact.get(item.contactPhone) ?? []), item]);
    return [...byContact.values()].map((group) => {
      const shown = group.find((c) => c.current) ?? group[0];
      const others = group.filter((c) => c !== shown);
      return {
        ...shown,
        unread: shown.unread || others.some((c) => c.unread),
        otherNumbers: others.map((c) => ({ id: c.id, label: c.number?.label ?? c.businessNumber })),
      };
    });
  }

  /** The numbers a member may filter by (admins: all of the account's). */
  async filterNumbers(caller: SmsCaller) {
    return (await this.numbers.usableBy(caller)).map((n) => ({
      id: n.id,
      label: n.label || n.number,
      number: n.number,
    }));
  }

  async thread(caller: SmsCaller, id: string) {
    const viewer = await this.queries.viewer(caller);
    const found = await this.queries.get(viewer, id);
    const detail = toConversationDetailResponse(found.view, found.messages, found.tickets, found.historyHidden);
    const commentIds = detail.messages.map((m) => m.commentId).filter((c): c is string => !!c);
    const photos = commentIds.length
      ? await this.attachments.find({
          where: { accountId: caller.accountId, commentId: In(commentIds) },
          order: { createdAt: 'ASC' },
        })
      : [];
    const names = await this.contactNames(caller.accountId, [detail.contactPhone]);
    await this.markRead(caller, id);
    const holder = detail.claim?.userId ?? null;
    const members = await this.users.find({
      where: { accountId: caller.accountId },
      order: { name: 'ASC' },
      take: 200,
    });
    const takers = new Set(
      await this.claims.transferTargets(
        viewer,
        id,
        members.map((u) => u.id),
      ),
    );
    const authors = new Map(members.map((u) => [u.id, u.name]));
    return {
      ...detail,
      contactName: names.get(detail.contactPhone) ?? null,
      waited: detail.waitingSince ? waitedFor(detail.waitingSince, this.clock.now()) : null,
      // A split text is one bubble, with its author (a person, or what sent it automatically).
      messages: groupTexts(found.messages).map((m) => ({
        ...m,
        author: authorOf(m, authors),
        photos: photos
          .filter((p) => p.commentId === m.commentId && m.inbound)
          .map((p) => ({
            id: p.id,
            fileName: p.fileName,
            url: `/console/attachments/${p.id}`,
            thumbnailUrl: p.thumbnailKey ? `/console/attachments/${p.id}/thumbnail` : null,
          })),
      })),
      heldByMe: holder === caller.userId,
      heldByOther: holder !== null && holder !== caller.userId,
      members: members.filter((u) => takers.has(u.id)).map((u) => ({ id: u.id, name: u.name, role: u.role })),
    };
  }

  /** Plain text as a reply would go: no template, the account's encoding and split mode, business hours and credits. */
  async previewReply(accountId: string, body: string) {
    const settings = await this.settings.get(accountId);
    const analysis = analyzeSms(body, { smartEncoding: settings.smartEncoding });
    const parts = body.trim()
      ? splitSms(body, { smartEncoding: settings.smartEncoding, mode: settings.splitMode })
      : [];
    const now = this.clock.now();
    const due = await this.schedule.dueAt(accountId, now);
    const credits = parts.reduce((sum, p) => sum + creditsFor('outbound', p.segments), 0);
    return {
      characters: analysis.characters,
      encoding: analysis.encoding,
      segments: analysis.segments,
      messages: parts.length,
      credits,
      tooLong: analysis.characters > MAX_SMS_CHARACTERS,
      due,
      checkedAt: now,
      now: due.getTime() <= now.getTime(),
      short: await this.credits.shortFor(accountId, credits),
    };
  }

  private async readMarks(caller: SmsCaller, conversationIds: string[]): Promise<Map<string, Date>> {
    if (conversationIds.length === 0) return new Map();
    const rows = (await this.users.manager.query(
      `SELECT conversation_id, read_at FROM console_thread_reads
        WHERE user_id = $1 AND account_id = $2 AND conversation_id = ANY($3::uuid[])`,
      [caller.userId, caller.accountId, conversationIds],
    )) as { conversation_id: string; read_at: Date }[];
    return new Map(rows.map((r) => [r.conversation_id, r.read_at]));
  }

  private async markRead(caller: SmsCaller, conversationId: string): Promise<void> {
    await this.users.manager.query(
      `INSERT INTO console_thread_reads (user_id, conversation_id, account_id, read_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (user_id, conversation_id) DO UPDATE SET read_at = GREATEST(console_thread_reads.read_at, EXCLUDED.read_at)`,
      [caller.userId, conversationId, caller.accountId, this.clock.now()],
    );
  }

  private async userNames(accountId: string, ids: (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((i): i is string => !!i))];
    if (wanted.length === 0) return new Map();
    const rows = await this.users.find({ where: { accountId, id: In(wanted) } });
    return new Map(rows.map((u) => [u.id, u.name]));
  }

  private async contactNames(accountId: string, phones: string[]): Promise<Map<string, string>> {
    if (phones.length === 0) return new Map();
    const rows = (await this.users.manager.query(
      `SELECT DISTINCT ON (p.number) p.number, c.name FROM customer_phones p JOIN customers c ON c.id = p.customer_id
        WHERE c.account_id = $1 AND p.number = ANY($2) ORDER BY p.number, c.created_at`,
      [accountId, [...new Set(phones)]],
    )) as { number: string; name: string }[];
    return new Map(rows.map((r) => [r.number, r.name]));
  }
}

export type ReplyPreview = Awaited<ReturnType<ConsoleInboxService['previewReply']>>;

/** What public/sms-counter.js shows for a draft: its cost and when it goes (`live`: a live reply beats the hours). */
export function smsCounter(p: ReplyPreview, live: boolean, timezone: string) {
  const now = p.now || live;
  const label = live
    ? 'Goes out now (they texted recently)'
    : now
      ? 'Goes out now'
      : `Goes out ${localTime(p.due, timezone, p.checkedAt)} (business hours)`;
  return {
    ...p,
    now,
    nonGsmCharacters: [],
    schedule: { now: now && !p.short, at: now ? null : p.due.toISOString(), label: p.short ?? label },
    blocked: null,
  };
}
