import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { SmsConversation } from './sms-conversation.entity';

/** Conversations are created race-free with INSERT … ON CONFLICT on (account, business number, contact phone). */
@Injectable()
export class ConversationsService {
  constructor(@InjectRepository(SmsConversation) private readonly conversations: Repository<SmsConversation>) {}

  /** The conversation an inbound text arrived in, created if new; remembers when the contact last wrote. */
  async touchInbound(tx: EntityManager, input: { accountId: string; businessNumber: string; contactPhone: string; at: Date }): Promise<SmsConversation> {
    const rows = (await tx.query(
      `INSERT INTO sms_conversations (account_id, business_number, contact_phone, last_inbound_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, business_number, contact_phone)
       DO UPDATE SET last_inbound_at = GREATEST(sms_conversations.last_inbound_at, EXCLUDED.last_inbound_at), updated_at = now()
       RETURNING id, last_outbound_ticket_id, last_outbound_at`,
      [input.accountId, input.businessNumber, input.contactPhone, input.at],
    )) as { id: string; last_outbound_ticket_id: string | null; last_outbound_at: Date | null }[];
    const row = rows[0];
    return tx.getRepository(SmsConversation).create({
      id: row.id,
      accountId: input.accountId,
      businessNumber: input.businessNumber,
      contactPhone: input.contactPhone,
      lastOutboundTicketId: row.last_outbound_ticket_id,
      lastOutboundAt: row.last_outbound_at,
      lastInboundAt: input.at,
    });
  }

  /**
   * The provider accepted an SMS about `ticketId` in this conversation: replies now go to that ticket for the
   * reply window. A late acceptance of an older message never overwrites a newer one.
   */
  async recordOutbound(input: { accountId: string; businessNumber: string; contactPhone: string; ticketId: string; at: Date }): Promise<void> {
    await this.conversations.query(
      `INSERT INTO sms_conversations (account_id, business_number, contact_phone, last_outbound_ticket_id, last_outbound_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, business_number, contact_phone)
       DO UPDATE SET last_outbound_ticket_id = EXCLUDED.last_outbound_ticket_id, last_outbound_at = EXCLUDED.last_outbound_at, updated_at = now()
       WHERE sms_conversations.last_outbound_at IS NULL OR sms_conversations.last_outbound_at <= EXCLUDED.last_outbound_at`,
      [input.accountId, input.businessNumber, input.contactPhone, input.ticketId, input.at],
    );
  }
}
