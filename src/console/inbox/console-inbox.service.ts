import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Attachment } from '../../helpdesk/tickets/attachment.entity';
import { User } from '../../helpdesk/users/user.entity';
import {
  analyzeSms,
  Clock,
  ConversationQueries,
  creditsFor,
  MAX_SMS_CHARACTERS,
  SendSchedule,
  SmsCaller,
  SmsSettingsService,
  splitSms,
  toConversationDetailResponse,
  toConversationResponse,
} from '../../sms';

type ConversationItem = ReturnType<typeof toConversationResponse> & { contactName: string | null; current: boolean };

/** The technicians' inbox: the conversations they may see (unanswered first), one thread with its photos, who holds it. */
@Injectable()
export class ConsoleInboxService {
  constructor(
    private readonly queries: ConversationQueries,
    private readonly settings: SmsSettingsService,
    private readonly schedule: SendSchedule,
    private readonly clock: Clock,
    @InjectRepository(Attachment) private readonly attachments: Repository<Attachment>,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async list(caller: SmsCaller, currentId: string | null): Promise<ConversationItem[]> {
    const viewer = await this.queries.viewer(caller);
    const { conversations } = await this.queries.list(viewer, { limit: 200 });
    const items = conversations.map(toConversationResponse);
    const names = await this.contactNames(
      caller.accountId,
      items.map((c) => c.contactPhone),
    );
    // Unanswered first, longest waiting on top; then the rest by latest activity (as listed).
    const waiting = items
      .filter((c) => c.unanswered)
      .sort((a, b) => (a.waitingSince?.getTime() ?? 0) - (b.waitingSince?.getTime() ?? 0));
    const answered = items.filter((c) => !c.unanswered);
    return [...waiting, ...answered].map((c) => ({
      ...c,
      contactName: names.get(c.contactPhone) ?? null,
      current: c.id === currentId,
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
    const holder = detail.claim?.userId ?? null;
    const members = (await this.users.find({ where: { accountId: caller.accountId }, order: { name: 'ASC' } })).filter(
      (u) => u.id !== caller.userId,
    );
    return {
      ...detail,
      contactName: names.get(detail.contactPhone) ?? null,
      messages: detail.messages.map((m) => ({
        ...m,
        inbound: m.direction === 'inbound',
        photos: photos
          .filter((p) => p.commentId === m.commentId && m.direction === 'inbound')
          .map((p) => ({
            id: p.id,
            fileName: p.fileName,
            url: `/console/attachments/${p.id}`,
            thumbnailUrl: p.thumbnailKey ? `/console/attachments/${p.id}/thumbnail` : null,
          })),
      })),
      heldByMe: holder === caller.userId,
      heldByOther: holder !== null && holder !== caller.userId,
      members: members.map((u) => ({ id: u.id, name: u.name, role: u.role })),
    };
  }

  /** Plain text as a reply would go: no template, the account's encoding and split mode, business hours applied. */
  async previewReply(accountId: string, body: string) {
    const settings = await this.settings.get(accountId);
    const analysis = analyzeSms(body, { smartEncoding: settings.smartEncoding });
    const parts = body.trim()
      ? splitSms(body, { smartEncoding: settings.smartEncoding, mode: settings.splitMode })
      : [];
    const now = this.clock.now();
    const due = await this.schedule.dueAt(accountId, now);
    return {
      characters: analysis.characters,
      encoding: analysis.encoding,
      segments: analysis.segments,
      messages: parts.length,
      credits: parts.reduce((sum, p) => sum + creditsFor('outbound', p.segments), 0),
      tooLong: analysis.characters > MAX_SMS_CHARACTERS,
      due,
      checkedAt: now,
      now: due.getTime() <= now.getTime(),
    };
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
