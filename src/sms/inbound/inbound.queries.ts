import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { columnList, hydrate, hydratePrefixed, prefixedColumnList } from '../core/hydrate';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { contactLockKeySql } from '../messages/contact-lock';
import { SmsMessage } from '../messages/sms-message.entity';
import { SmsSettings } from '../settings/sms-settings.entity';

/**
 * How long a contact's later texts wait for an earlier plain text still `received`. Such a text lands within
 * milliseconds unless it keeps failing or lost its job: after this, its contact's later texts go on without it. An
 * MMS waiting for its pictures is never waited for (its downloads may take minutes).
 */
const WAIT_FOR_EARLIER = '2 minutes';

const SETTINGS_PREFIX = 'settings__';

// Which of the texts whose turn it is in the batch have an earlier plain text to the same number still to land outside
// it (in another batch, a job not yet run, another worker). Through the partial index of texts still `received`, a
// handful of rows.
const EARLIER_ELSEWHERE: PreparedStatement = {
  name: 'sms-inbound-earlier-elsewhere',
  text: `
    SELECT m.id FROM sms_messages m
    WHERE m.id = ANY($1::uuid[]) AND EXISTS (
      SELECT 1 FROM sms_messages e
      WHERE e.account_id = m.account_id AND e.from_number = m.from_number AND e.to_number = m.to_number
        AND e.direction = 'inbound' AND e.status = 'received' AND e.inbound_media IS NULL
        AND (e.created_at, e.id) < (m.created_at, m.id) AND e.id <> ALL($2::uuid[])
        AND e.created_at > now() - interval '${WAIT_FOR_EARLIER}'
    )`,
};

// Each landed row's new state, one statement for the batch.
const MARK_PROCESSED: PreparedStatement = {
  name: 'sms-inbound-processed',
  text: `UPDATE sms_messages m SET status = 'processed', kind = u.kind, conversation_id = u.conversation_id,
           customer_id = u.customer_id, ticket_id = u.ticket_id, comment_id = u.comment_id, match_rule = u.match_rule,
           match_guess = u.match_guess, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[])
           AS u(id, kind, conversation_id, customer_id, ticket_id, comment_id, match_rule, match_guess)
         WHERE m.id = u.id`,
};

/** One inbound row as the landing's opening statement locked it. */
export interface LockedText {
  id: string;
  status: SmsMessage['status'];
  /** 1 for the contact's earliest text among the batch's rows of the same status, 2 for the next... */
  contactTurn: number;
  /** Whether any after-hours reply of the account is on. */
  afterHoursOn: boolean;
  /** The row as an entity, with its account's settings row (null: the account has none). */
  read(): { message: SmsMessage; settings: SmsSettings | null };
}

/** What a landed text writes on its row. */
export interface ProcessedRow {
  id: string;
  kind: string;
  conversationId: string;
  customerId: string | null;
  ticketId: string | null;
  commentId: string | null;
  rule: string | null;
  guess: boolean;
}

/** The landing's SQL: the rows' locks and turns, their new state, and the last word on a text that cannot land. */
@Injectable()
export class InboundQueries {
  private readonly lockStatement: PreparedStatement;

  constructor(@InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>) {
    // One round trip opens the landing: the rows locked in id order (a second run of a job waits here), then the
    // locks on their contacts in key order (both orders fixed, so two batches never deadlock on them; PostgreSQL
    // evaluates a volatile output column after its ORDER BY), the accounts' settings, whether any after-hours reply
    // is on, and each text's turn within the batch. The contact locks read the whole of m first, so every row lock is
    // taken before them.
    this.lockStatement = {
      name: 'sms-inbound-lock',
      text: `
        WITH m AS MATERIALIZED (
          SELECT ${columnList(messages.manager, SmsMessage)} FROM sms_messages
          WHERE id = ANY($1::uuid[]) AND direction = 'inbound' ORDER BY id FOR UPDATE
        ), contact_locks AS (
          SELECT k, pg_advisory_xact_lock(k)
          FROM (
            SELECT DISTINCT hashtextextended(${contactLockKeySql('m.account_id', 'm.from_number')}, 0) AS k
            FROM m WHERE m.status = 'received'
          ) keys
          ORDER BY k
        )
        SELECT m.*, ${prefixedColumnList(messages.manager, SmsSettings, 's', SETTINGS_PREFIX)},
               EXISTS (
                 SELECT 1 FROM sms_after_hours_replies r WHERE r.account_id = m.account_id AND r.enabled
               ) AS after_hours_on,
               (SELECT count(*) FROM contact_locks) AS contact_locks,
               row_number() OVER (PARTITION BY m.account_id, m.from_number, m.status ORDER BY m.created_at, m.id)
                 AS contact_turn
        FROM m LEFT JOIN sms_settings s ON s.account_id = m.account_id
        ORDER BY m.created_at, m.id`,
    };
  }

  /**
   * Locks the inbound rows and their contacts, in the order the texts came (PostgreSQL's timestamps, to the
   * microsecond; texts stored at the same instant by id).
   */
  async lock(tx: EntityManager, messageIds: string[]): Promise<LockedText[]> {
    const rows = await runPrepared(tx, this.lockStatement, [messageIds]);
    return rows.map((row) => ({
      id: row.id as string,
      status: row.status as SmsMessage['status'],
      contactTurn: Number(row.contact_turn),
      afterHoursOn: row.after_hours_on === true,
      read: () => ({
        message: hydrate(tx, SmsMessage, row),
        settings: hydratePrefixed(tx, SmsSettings, row, SETTINGS_PREFIX),
      }),
    }));
  }

  /**
   * Which of `turnIds` have an earlier plain text to the same number still to land outside `batchIds`. Run once the
   * contact locks are held: its snapshot then shows what the batches that held them committed.
   */
  async earlierElsewhere(tx: EntityManager, turnIds: string[], batchIds: string[]): Promise<string[]> {
    if (turnIds.length === 0) return [];
    const rows = await runPrepared<{ id: string }>(tx, EARLIER_ELSEWHERE, [turnIds, batchIds]);
    return rows.map(({ id }) => id);
  }

  async markProcessed(tx: EntityManager, rows: ProcessedRow[]): Promise<void> {
    await runPrepared(tx, MARK_PROCESSED, [
      rows.map((r) => r.id),
      rows.map((r) => r.kind),
      rows.map((r) => r.conversationId),
      rows.map((r) => r.customerId),
      rows.map((r) => r.ticketId),
      rows.map((r) => r.commentId),
      rows.map((r) => r.rule),
      rows.map((r) => r.guess),
    ]);
  }

  /** A text still `received` ends `failed` with the reason. */
  async markFailed(messageId: string, reason: string): Promise<void> {
    await this.messages.update(
      { id: messageId, direction: 'inbound', status: 'received' },
      { status: 'failed', errorMessage: reason },
    );
  }
}

// The receiver's one statement, one round trip for a batch of texts: route each by its To number, store its row keyed
// by provider + message id (a repeat is a no-op), or keep it aside when no account has proved the number: a number
// that is not verified, or a platform (Twilio) number the platform has not assigned to the account that holds it,
// lands nothing. The inputs are parallel arrays, one element per text, and the answer is a row per input ordinal.
// Two texts of a batch with the same provider message id (a webhook delivered twice at once) are both offered to the
// INSERT; ON CONFLICT DO NOTHING keeps the first and skips the second, and only the kept one's generated id comes
// back. Rows go in in key order, so two batches that share keys take their locks in the same order and cannot
// deadlock on each other.
export const RECEIVE_BATCH: PreparedStatement = {
  name: 'sms-inbound-receive-batch',
  text: `
  WITH input AS (
    SELECT i.ordinal, i.id, i.provider_message_id, i.to_number, i.from_number, i.body, i.segments, i.provider, i.inbound_media, i.num_media, i.inbound_job_id,
      number.account_id
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[], $8::jsonb[], $9::smallint[], $10::text[])
      WITH ORDINALITY AS i (id, provider_message_id, to_number, from_number, body, segments, provider, inbound_media, num_media, inbound_job_id, ordinal)
    LEFT JOIN sms_numbers number ON number.number = i.to_number AND number.verified_at IS NOT NULL
      AND (i.provider <> 'twilio' OR EXISTS (SELECT 1 FROM sms_platform_numbers p WHERE p.number = i.to_number AND p.account_id = number.account_id::text))
  ), message AS (
    INSERT INTO sms_messages (id, account_id, direction, kind, send_id, to_number, from_number, body, segments, status, provider, provider_message_id, inbound_media,
      inbound_job_id)
    SELECT id, account_id, 'inbound', 'reply', id, to_number, from_number, body, segments, 'received', provider, provider_message_id, inbound_media,
      inbound_job_id
    FROM input WHERE account_id IS NOT NULL
    ORDER BY provider, provider_message_id, ordinal
    ON CONFLICT DO NOTHING
    RETURNING id, account_id
  ), unroutable AS (
    INSERT INTO sms_unroutable_messages (provider, provider_message_id, to_number, from_number, body, num_media)
    SELECT provider, provider_message_id, to_number, from_number, body, num_media
    FROM input WHERE account_id IS NULL
    ORDER BY provider, provider_message_id, ordinal
    ON CONFLICT DO NOTHING
    RETURNING id
  )
  SELECT message.id AS message_id, message.account_id, input.account_id IS NOT NULL AS routable
  FROM input LEFT JOIN message ON message.id = input.id
  ORDER BY input.ordinal`,
};
