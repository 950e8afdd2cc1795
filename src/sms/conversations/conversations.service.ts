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
import { SmsConversation } from './sms-conversation.entity';

// One statement for a batch of inbound texts (one per conversation): the conversations upserted (race-free on account,
// business number and contact phone) and returned with every column, each with the business number the contact
// texted; for each text that waits for an answer (waiting_since is set), waiting_since and one open wait (on a direct
// number, for its technician).
const touchInbound = (conversationColumns: string, numberAsPrefixed: string): PreparedStatement => ({
  name: 'sms-conversation-touch-inbound',
  text: `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS i(account_id, business_number, contact_phone, at, waiting_since)
  ), conversation AS (
    INSERT INTO sms_conversations (account_id, business_number, contact_phone, last_inbound_at, last_activity_at, waiting_since)
    SELECT account_id, business_number, contact_phone, at, at, waiting_since FROM input
    ON CONFLICT (account_id, business_number, contact_phone)
    DO UPDATE SET last_inbound_at = GREATEST(sms_conversations.last_inbound_at, EXCLUDED.last_inbound_at),
                  last_activity_at = GREATEST(sms_conversations.last_activity_at, EXCLUDED.last_inbound_at),
                  waiting_since = COALESCE(sms_conversations.waiting_since, EXCLUDED.waiting_since),
                  updated_at = now()
    RETURNING ${conversationColumns}
  ), wait AS (
    INSERT INTO sms_conversation_waits (account_id, conversation_id, direct_user_id, started_at)
    SELECT c.account_id, c.id,
           (SELECT n.user_id FROM sms_numbers n WHERE n.account_id = c.account_id AND n.number = c.business_number AND n.kind = 'direct'), i.waiting_since
    FROM conversation c
    JOIN input i ON i.account_id = c.account_id AND i.business_number = c.business_number AND i.contact_phone = c.contact_phone
    WHERE i.waiting_since IS NOT NULL
    ON CONFLICT (conversation_id) WHERE answered_at IS NULL DO NOTHING
  )
  SELECT conversation.*, ${numberAsPrefixed}
  FROM conversation LEFT JOIN sms_numbers n ON n.account_id = conversation.account_id AND n.number = conversation.business_number`,
});
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
   * A text to the contact was written from this number (created with the conversation when it is the first), so the
   * contact keeps this thread. `answeredBy`: a person wrote it (a reply, a ticket update): the contact's wait is
   * answered and a claim the writer holds counts as replied in.
   */
  async recordWritten(
    tx: EntityManager,
    input: { accountId: string; businessNumber: string; contactPhone: string; answeredBy: string | null; at: Date },
  ): Promise<string> {
    if (input.answeredBy) return this.recordAgentMessage(tx, { ...input, userId: input.answeredBy });
    const [row] = await runPrepared<{ id: string }>(tx, RECORD_WRITTEN, [
      input.accountId,
      input.businessNumber,
      input.contactPhone,
      input.at,
    ]);
    return row.id;
  }

  /** A person wrote to the contact: their wait is answered, and a claim the writer holds counts as replied in. */
  async recordAgentMessage(
    tx: EntityManager,
    input: { accountId: string; businessNumber: string; contactPhone: string; userId: string; at: Date },
  ): Promise<string> {
    const [row] = await runPrepared<{ id: string }>(tx, RECORD_REPLY, [
      input.accountId,
      input.businessNumber,
      input.contactPhone,
      input.at,
      input.userId,
    ]);
    return row.id;
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
    const [rows] = (await tx.query(
      `UPDATE sms_conversations SET routed_team_ids = ARRAY(SELECT DISTINCT unnest(routed_team_ids || $2::text[]))
        WHERE id = $1 AND NOT (routed_team_ids @> $2::text[]) RETURNING id`,
      [conversationId, teamIds],
    )) as [unknown[], number];
    // Already routed to these teams: no news.
    return rows.length > 0 ? teamIds : [];
  }
}

// The statements every outbound text runs on its conversation, prepared.
const RECORD_OUTBOUND: PreparedStatement = {
  name: 'sms-conversation-record-outbound-many',
  text: `INSERT INTO sms_conversations (account_id, business_number, contact_phone, last_outbound_ticket_id, last_outbound_at, last_activity_at)
         SELECT r.account_id, r.business_number, r.contact_phone, r.ticket_id, r.at, r.at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) WITH ORDINALITY
           AS r(account_id, business_number, contact_phone, ticket_id, at, n)
         ORDER BY r.n
         ON CONFLICT (account_id, business_number, contact_phone)
         DO UPDATE SET last_outbound_ticket_id = EXCLUDED.last_outbound_ticket_id, last_outbound_at = EXCLUDED.last_outbound_at,
                       last_activity_at = GREATEST(sms_conversations.last_activity_at, EXCLUDED.last_outbound_at), updated_at = now()
         WHERE sms_conversations.last_outbound_at IS NULL OR sms_conversations.last_outbound_at <= EXCLUDED.last_outbound_at`,
};
const RECORD_WRITTEN: PreparedStatement = {
  name: 'sms-conversation-record-written',
  text: `INSERT INTO sms_conversations (account_id, business_number, contact_phone, last_activity_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, business_number, contact_phone)
         DO UPDATE SET last_activity_at = GREATEST(sms_conversations.last_activity_at, EXCLUDED.last_activity_at), updated_at = now()
         RETURNING id`,
};
// The conversation's reply, its open wait answered and the writer's claim counted as replied in, in one statement: every
// text a person writes runs it.
const RECORD_REPLY: PreparedStatement = {
  name: 'sms-conversation-record-reply-answered',
  text: `WITH conversation AS (
           INSERT INTO sms_conversations (account_id, business_number, contact_phone, last_reply_at, last_reply_by_user_id, last_activity_at)
           VALUES ($1, $2, $3, $4, $5, $4)
           ON CONFLICT (account_id, business_number, contact_phone)
           DO UPDATE SET last_reply_at = EXCLUDED.last_reply_at, last_reply_by_user_id = EXCLUDED.last_reply_by_user_id, waiting_since = NULL,
                         last_activity_at = GREATEST(sms_conversations.last_activity_at, EXCLUDED.last_activity_at), updated_at = now()
           RETURNING id, claim_id
         ), wait AS (
           UPDATE sms_conversation_waits w SET answered_at = $4, answered_by_user_id = $5
           FROM conversation c WHERE w.conversation_id = c.id AND w.answered_at IS NULL
         ), claim AS (
           UPDATE sms_conversation_claims k SET replied_at = COALESCE(k.replied_at, $4)
           FROM conversation c WHERE k.id = c.claim_id AND k.user_id = $5
         )
         SELECT id FROM conversation`,
};
