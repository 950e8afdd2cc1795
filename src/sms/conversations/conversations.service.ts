import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { columnList, hydrate, hydratePrefixed, prefixedColumnList } from '../core/hydrate';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { AvailabilityService } from '../availability/availability.service';
import { Clock } from '../clock/clock';
import { SmsNumber } from '../numbers/sms-number.entity';
import { smsKeyword } from '../opt-outs/opt-out-keywords';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { audienceOf } from './conversation-access';
import { ConversationTimers } from './conversation-timers';
import { SmsEvents } from './sms-events.service';
import { RECORD_OUTBOUND, ROUTE_TO_TEAMS, touchInbound } from './conversations.queries';
import { SmsConversation } from './sms-conversation.entity';

const NUMBER_PREFIX = 'number__';

/** An inbound text, as the conversation it arrived in needs to know it. */
export interface InboundTouch {
  accountId: string;
  businessNumber: string;
  contactPhone: string;
  at: Date;
  message: { id: string; body: string };
}

/**
 * The conversation side of every text: created race-free with INSERT … ON CONFLICT on (account, business number,
 * contact phone); a contact's text opens a wait (answered by the first reply of a person), reaches the number's
 * members as a live event, and on the direct number of an agent who is not available also reaches their teams.
 */
@Injectable()
export class ConversationsService {
  constructor(
    @InjectRepository(SmsConversation) private readonly conversations: Repository<SmsConversation>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly availability: AvailabilityService,
    private readonly events: SmsEvents,
    private readonly timers: ConversationTimers,
    private readonly settings: SmsSettingsService,
    private readonly clock: Clock,
  ) {
    this.touchInboundStatement = touchInbound(
      columnList(conversations.manager, SmsConversation),
      prefixedColumnList(conversations.manager, SmsNumber, 'n', NUMBER_PREFIX),
    );
  }

  private readonly touchInboundStatement: PreparedStatement;

  /**
   * The conversation an inbound text arrived in, created if new; remembers when the contact last wrote and, unless
   * the text is an opt-out (a STOP is not someone waiting for an answer), opens the contact's wait.
   */
  async touchInbound(tx: EntityManager, input: InboundTouch): Promise<SmsConversation> {
    return (await this.touchInboundMany(tx, [input]))[0];
  }

  /** touchInbound for texts of different conversations, one statement for all of them; answers in the input's order. */
  async touchInboundMany(tx: EntityManager, inputs: InboundTouch[]): Promise<SmsConversation[]> {
    if (inputs.length === 0) return [];
    const key = (accountId: string, businessNumber: string, contactPhone: string) =>
      `${accountId} ${businessNumber} ${contactPhone}`;
    const keys = inputs.map((i) => key(i.accountId, i.businessNumber, i.contactPhone));
    // One statement cannot upsert one row twice: a conversation's texts land one transaction at a time.
    if (new Set(keys).size !== keys.length)
      throw new Error('touchInboundMany: two texts of one conversation in one batch');
    const now = this.clock.now();
    const rows = await runPrepared(tx, this.touchInboundStatement, [
      inputs.map((i) => i.accountId),
      inputs.map((i) => i.businessNumber),
      inputs.map((i) => i.contactPhone),
      inputs.map((i) => i.at),
      // A STOP is not someone waiting for an answer.
      inputs.map((i) => (smsKeyword(i.message.body)?.kind !== 'opt_out' ? now : null)),
    ]);
    const touched = new Map(
      rows.map((row) => {
        const conversation = hydrate(tx, SmsConversation, row);
        return [
          key(conversation.accountId, conversation.businessNumber, conversation.contactPhone),
          { conversation, number: hydratePrefixed(tx, SmsNumber, row, NUMBER_PREFIX) },
        ];
      }),
    );
    const conversations: SmsConversation[] = [];
    for (const [i, input] of inputs.entries()) {
      const { conversation, number } = touched.get(keys[i])!;
      conversations.push(await this.afterInboundTouch(tx, input, conversation, number, now));
    }
    return conversations;
  }

  /** A direct number's agent who is not available has the text reach their teams; the number's members hear of it. */
  private async afterInboundTouch(
    tx: EntityManager,
    input: InboundTouch,
    touched: SmsConversation,
    number: SmsNumber | null,
    now: Date,
  ): Promise<SmsConversation> {
    let conversation = touched;
    if (number?.kind === 'direct' && number.userId) {
      if (conversation.waitingSince) {
        const { responseTimeMinutes } = await this.settings.get(input.accountId, tx);
        this.timers.waitOpened(
          tx,
          { accountId: input.accountId, conversationId: conversation.id },
          conversation.waitingSince,
          responseTimeMinutes * 60_000,
        );
      }
      const status = await this.availability.recordedStatus(input.accountId, number.userId, tx);
      const teamIds =
        status !== 'available' ? await this.routeToTeams(tx, input.accountId, conversation.id, number.userId) : [];
      if (teamIds.length > 0) {
        conversation = await tx.getRepository(SmsConversation).findOneByOrFail({ id: conversation.id });
        this.events.afterCommit(
          tx,
          SmsEvents.event(
            'conversation.routed',
            { accountId: input.accountId, userIds: [number.userId], teamIds, allMembers: false },
            { conversationId: conversation.id, userId: number.userId, teamIds, reason: status },
            now,
          ),
        );
      }
    }

    this.events.afterCommit(
      tx,
      SmsEvents.event(
        'message.received',
        audienceOf(conversation, number, 'inbound', now),
        {
          conversationId: conversation.id,
          messageId: input.message.id,
          numberId: number?.id ?? null,
          businessNumber: input.businessNumber,
          contactPhone: input.contactPhone,
        },
        now,
      ),
    );
    return conversation;
  }

  /**
   * The provider accepted SMS about these tickets in these conversations: replies now go to each ticket for the reply
   * window. A late acceptance of an older message never overwrites a newer one. One statement for a batch; of several
   * texts to one conversation the last given counts.
   */
  async recordOutboundMany(
    inputs: { accountId: string; businessNumber: string; contactPhone: string; ticketId: string; at: Date }[],
  ): Promise<void> {
    if (inputs.length === 0) return;
    // One row per conversation (an upsert may not touch a row twice), in key order: batches lock them in one order.
    const byKey = new Map(inputs.map((i) => [`${i.accountId}\u0000${i.businessNumber}\u0000${i.contactPhone}`, i]));
    const rows = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, i]) => i);
    await runPrepared(this.conversations.manager, RECORD_OUTBOUND, [
      rows.map((r) => r.accountId),
      rows.map((r) => r.businessNumber),
      rows.map((r) => r.contactPhone),
      rows.map((r) => r.ticketId),
      rows.map((r) => r.at),
    ]);
  }

  /**
   * While the agent is not available, their direct number's texts also reach their teams (who keep the thread).
   * Returns the teams it newly reached.
   */
  private async routeToTeams(
    tx: EntityManager,
    accountId: string,
    conversationId: string,
    agentId: string,
  ): Promise<string[]> {
    const teamIds = (await this.gateway.getUser(accountId, agentId, tx))?.teamIds ?? [];
    if (teamIds.length === 0) return [];
    const [rows] = (await tx.query(ROUTE_TO_TEAMS, [conversationId, teamIds])) as [unknown[], number];
    // Already routed to these teams: no news.
    return rows.length > 0 ? teamIds : [];
  }
}
