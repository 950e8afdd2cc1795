import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { SmsMessage } from '../messages/sms-message.entity';
import { SmsNumber } from '../numbers/sms-number.entity';
import { TICKET_GATEWAY, type TicketGateway, TicketSummary } from '../ports/ticket-gateway.port';
import { liveHolder, textVisibleSql, Viewer, viewerParams, visibleSql } from './conversation-access';
import { ConversationListQueryDto, ConversationView } from './conversations.dto';
import { SmsConversation } from './sms-conversation.entity';
import { HANDLED_BY, LATEST_TEXTS } from './conversations.queries';

/** The newest text of a conversation, as a list shows it. */
export interface LatestText {
  body: string;
  direction: 'inbound' | 'outbound';
  kind: string;
  createdByUserId: string | null;
  createdAt: Date;
}

/** Texts shown with one conversation, newest kept. */
const MESSAGES_SHOWN = 500;

/** What a member sees of the conversations: lists with filters, and one thread with its texts and their tickets. */
@Injectable()
export class ConversationQueries {
  constructor(
    @InjectRepository(SmsConversation) private readonly conversations: Repository<SmsConversation>,
    @InjectRepository(SmsNumber) private readonly numbers: Repository<SmsNumber>,
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly clock: Clock,
  ) {}

  /** The caller's team ids, for the visibility rules. */
  async viewer(caller: { accountId: string; userId: string; role: 'admin' | 'technician' }): Promise<Viewer> {
    const user = await this.gateway.getUser(caller.accountId, caller.userId);
    return { ...caller, teamIds: user?.teamIds ?? [] };
  }

  async list(
    viewer: Viewer,
    query: ConversationListQueryDto,
  ): Promise<{ conversations: ConversationView[]; total: number }> {
    const now = this.clock.now();
    const qb = this.conversations.createQueryBuilder('c').where(visibleSql(viewer), viewerParams(viewer, now));
    if (query.numberId) {
      const number = await this.numbers.findOne({ where: { accountId: viewer.accountId, id: query.numberId } });
      if (!number) throw new NotFoundException('No such SMS number in this account');
      qb.andWhere('c.business_number = :businessNumber', { businessNumber: number.number });
    }
    const live = 'c.claimed_by_user_id IS NOT NULL AND c.claim_expires_at > :viewerNow';
    if (query.status === 'claimed') qb.andWhere(live);
    if (query.status === 'unclaimed') qb.andWhere(`NOT (${live})`);
    if (query.claimedByMe) qb.andWhere(`c.claimed_by_user_id = :viewerId AND c.claim_expires_at > :viewerNow`);
    if (query.unanswered === true) qb.andWhere('c.waiting_since IS NOT NULL');
    if (query.unanswered === false) qb.andWhere('c.waiting_since IS NULL');
    const [rows, total] = await qb
      .orderBy('c.lastActivityAt', 'DESC', 'NULLS LAST')
      .addOrderBy('c.id', 'ASC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    return { conversations: await this.views(viewer.accountId, rows, now), total };
  }

  /**
   * One conversation with its texts (both directions) and their tickets. A member who sees a `handler` thread only
   * because it waits for an answer sees the texts since the last answer, not its earlier history.
   */
  async get(viewer: Viewer, id: string) {
    const now = this.clock.now();
    const conversation = await this.conversations
      .createQueryBuilder('c')
      .where('c.id = :id', { id })
      .andWhere(visibleSql(viewer), viewerParams(viewer, now))
      .getOne();
    if (!conversation) throw new NotFoundException('No such conversation for you in this account');
    const [view] = await this.views(viewer.accountId, [conversation], now);
    const historyHidden =
      view.number?.historyVisibility === 'handler' &&
      view.number.kind !== 'direct' &&
      !(await this.handled(viewer, conversation, now));
    const qb = this.messages
      .createQueryBuilder('m')
      .where('m.account_id = :accountId', { accountId: conversation.accountId })
      .andWhere(
        `((m.direction = 'inbound' AND m.from_number = :contact AND m.to_number = :business)
          OR (m.direction = 'outbound' AND m.from_number = :business AND m.to_number = :contact))`,
        { contact: conversation.contactPhone, business: conversation.businessNumber },
      );
    // Text by text, the rule that lets the viewer see the thread: the assignments whose time they were written in,
    // and with `handler` history the texts since the last answer only.
    if (viewer.role !== 'admin') qb.andWhere(textVisibleSql(viewer), viewerParams(viewer, now));
    const messages = (
      await qb.orderBy('m.createdAt', 'DESC').addOrderBy('m.partIndex', 'DESC').take(MESSAGES_SHOWN).getMany()
    ).reverse();
    const tickets: TicketSummary[] = [];
    for (const ticketId of new Set(messages.map((m) => m.ticketId).filter((t): t is string => t !== null))) {
      const ticket = await this.gateway.findTicket(viewer.accountId, { id: ticketId });
      if (ticket) tickets.push(ticket);
    }
    return { view, messages, tickets, historyHidden };
  }

  /**
   * The newest text of each conversation (either direction; a split text's first part), for list previews. One
   * index probe per conversation on the pair index; at most 200 conversations a call.
   */
  async latestTexts(
    accountId: string,
    conversations: Pick<SmsConversation, 'id' | 'businessNumber' | 'contactPhone'>[],
  ): Promise<Map<string, LatestText>> {
    const shown = conversations.slice(0, 200);
    if (shown.length === 0) return new Map();
    const rows = (await this.messages.query(LATEST_TEXTS, [
      accountId,
      shown.map((c) => c.id),
      shown.map((c) => c.businessNumber),
      shown.map((c) => c.contactPhone),
    ])) as {
      conversation_id: string;
      body: string;
      direction: 'inbound' | 'outbound';
      kind: string;
      created_by_user_id: string | null;
      created_at: Date;
    }[];
    return new Map(
      rows.map((r) => [
        r.conversation_id,
        {
          body: r.body,
          direction: r.direction,
          kind: r.kind,
          createdByUserId: r.created_by_user_id,
          createdAt: r.created_at,
        },
      ]),
    );
  }

  async view(accountId: string, id: string): Promise<ConversationView> {
    const conversation = await this.conversations.findOneByOrFail({ accountId, id });
    return (await this.views(accountId, [conversation], this.clock.now()))[0];
  }

  private async views(accountId: string, rows: SmsConversation[], now: Date): Promise<ConversationView[]> {
    const businessNumbers = [...new Set(rows.map((r) => r.businessNumber))];
    const numbers = businessNumbers.length
      ? await this.numbers.find({ where: { accountId, number: In(businessNumbers) } })
      : [];
    const names = new Map<string, string | null>();
    for (const holder of new Set(rows.map((r) => liveHolder(r, now)).filter((h): h is string => h !== null))) {
      names.set(holder, (await this.gateway.getUser(accountId, holder))?.name ?? null);
    }
    return rows.map((conversation) => {
      const holder = liveHolder(conversation, now);
      return {
        conversation,
        number: numbers.find((n) => n.number === conversation.businessNumber) ?? null,
        holderName: holder ? (names.get(holder) ?? null) : null,
        now,
      };
    });
  }

  /** Admins, the holder, and members who held a claim on it or wrote in it have handled it. */
  private async handled(viewer: Viewer, conversation: SmsConversation, now: Date): Promise<boolean> {
    if (viewer.role === 'admin' || liveHolder(conversation, now) === viewer.userId) return true;
    const [row] = (await this.conversations.query(HANDLED_BY, [
      conversation.id,
      viewer.userId,
      conversation.accountId,
      conversation.businessNumber,
      conversation.contactPhone,
    ])) as { handled: boolean }[];
    return row.handled;
  }
}
