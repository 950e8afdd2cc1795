import { PreparedStatement } from '../core/prepared';

// The conversations' SQL, beside the service that runs it.

// One statement for a batch of inbound texts (one per conversation): the conversations upserted (race-free on account,
// business number and contact phone) and returned with every column, each with the business number the contact
// texted; for each text that waits for an answer (waiting_since is set), waiting_since and one open wait (on a direct
// number, for its technician).
export const touchInbound = (conversationColumns: string, numberAsPrefixed: string): PreparedStatement => ({
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

// The statements every outbound text runs on its conversation, prepared.
export const RECORD_OUTBOUND: PreparedStatement = {
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
/**
 * A text written to the contact from a number, as CTEs ending in `conversation`: the conversation upserted (created
 * with the first text) and returned whole (`columns`), locked by the upsert, which is what a claim check reads next.
 * `$(first)` … `$(first + 3)`: account, business number, contact phone, when. A statement can write the text's rows
 * in its own CTE beside them.
 */
export const recordWrittenCtes = (columns: string, first: number): string => {
  const p = (n: number) => `$${first + n - 1}`;
  return `conversation AS (
           INSERT INTO sms_conversations (account_id, business_number, contact_phone, last_activity_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})
           ON CONFLICT (account_id, business_number, contact_phone)
           DO UPDATE SET last_activity_at = GREATEST(sms_conversations.last_activity_at, EXCLUDED.last_activity_at), updated_at = now()
           RETURNING ${columns}
         )`;
};

/**
 * As `recordWrittenCtes`, for a text a person wrote: the contact's wait is answered and a claim the writer holds counts
 * as replied in. `$(first + 4)`: the writer.
 */
export const recordReplyCtes = (columns: string, first: number): string => {
  const p = (n: number) => `$${first + n - 1}`;
  return `conversation AS (
           INSERT INTO sms_conversations (account_id, business_number, contact_phone, last_reply_at, last_reply_by_user_id, last_activity_at)
           VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(4)})
           ON CONFLICT (account_id, business_number, contact_phone)
           DO UPDATE SET last_reply_at = EXCLUDED.last_reply_at, last_reply_by_user_id = EXCLUDED.last_reply_by_user_id, waiting_since = NULL,
                         last_activity_at = GREATEST(sms_conversations.last_activity_at, EXCLUDED.last_activity_at), updated_at = now()
           RETURNING ${columns}
         ), wait AS (
           UPDATE sms_conversation_waits w SET answered_at = ${p(4)}, answered_by_user_id = ${p(5)}
           FROM conversation c WHERE w.conversation_id = c.id AND w.answered_at IS NULL
         ), claim AS (
           UPDATE sms_conversation_claims k SET replied_at = COALESCE(k.replied_at, ${p(4)})
           FROM conversation c WHERE k.id = c.claim_id AND k.user_id = ${p(5)}
         )`;
};

// The teams of an agent who is not available, added to a conversation's routing; no row when it already had them.
export const ROUTE_TO_TEAMS = `
  UPDATE sms_conversations SET routed_team_ids = ARRAY(SELECT DISTINCT unnest(routed_team_ids || $2::text[]))
   WHERE id = $1 AND NOT (routed_team_ids @> $2::text[]) RETURNING id`;

// Each conversation's latest text, one index probe per conversation shown.
export const LATEST_TEXTS = `SELECT p.id AS conversation_id, m.body, m.direction, m.kind, m.created_by_user_id, m.created_at
         FROM unnest($2::uuid[], $3::text[], $4::text[]) AS p(id, business, contact)
         JOIN LATERAL (
           SELECT * FROM sms_messages m
            WHERE m.account_id = $1
              AND ((m.direction = 'inbound' AND m.from_number = p.contact AND m.to_number = p.business)
                OR (m.direction = 'outbound' AND m.from_number = p.business AND m.to_number = p.contact))
            ORDER BY m.created_at DESC, m.part_index ASC LIMIT 1) m ON true`;

// Whether a member held a claim on the conversation or wrote in it.
export const HANDLED_BY = `SELECT EXISTS (SELECT 1 FROM sms_conversation_claims WHERE conversation_id = $1 AND user_id = $2)
           OR EXISTS (SELECT 1 FROM sms_messages WHERE account_id = $3 AND from_number = $4 AND to_number = $5 AND direction = 'outbound' AND created_by_user_id = $2)
           AS handled`;

// The holder's claim runs longer; a reply also marks it replied in.
export const EXTEND_CLAIM = `UPDATE sms_conversation_claims SET expires_at = $2, replied_at = CASE WHEN $3 THEN COALESCE(replied_at, $4) ELSE replied_at END WHERE id = $1`;

// Everyone who ever held a claim on the conversation.
export const CLAIM_HOLDERS = `SELECT DISTINCT user_id FROM sms_conversation_claims WHERE conversation_id = $1`;

// A conversation's direct waits past the response time, marked checked, with their agents.
export const CHECK_DEADLINES = `UPDATE sms_conversation_waits SET deadline_checked_at = now()
        WHERE account_id = $1 AND conversation_id = $2 AND deadline_checked_at IS NULL AND direct_user_id IS NOT NULL
          AND started_at <= $3
        RETURNING direct_user_id`;

// Live claims, soonest to expire first, for the timer sweep.
export const LIVE_CLAIMS = `SELECT account_id, id, claim_id, claim_expires_at FROM sms_conversations
        WHERE claim_id IS NOT NULL ORDER BY claim_expires_at LIMIT $1`;

// Direct waits not yet checked, with their account's response time, for the timer sweep.
export const OPEN_DIRECT_WAITS = `SELECT w.account_id, w.conversation_id, w.started_at, coalesce(s.response_time_minutes, $2) AS response_minutes
         FROM sms_conversation_waits w LEFT JOIN sms_settings s ON s.account_id = w.account_id
        WHERE w.deadline_checked_at IS NULL AND w.direct_user_id IS NOT NULL ORDER BY w.started_at LIMIT $1`;

// The ticket of the conversation's latest text that has one.
export const LATEST_TICKET = `SELECT ticket_id FROM sms_messages
        WHERE account_id = $1 AND ticket_id IS NOT NULL
          AND ((direction = 'inbound' AND from_number = $2 AND to_number = $3) OR (direction = 'outbound' AND from_number = $3 AND to_number = $2))
        ORDER BY created_at DESC LIMIT 1`;

// Creates the thread of a new contact (nothing else: its activity is recorded by the reply that follows); `created`
// tells a new row (xmax 0) from one that was there.
export const OPEN_THREAD = `INSERT INTO sms_conversations (account_id, business_number, contact_phone) VALUES ($1, $2, $3)
  ON CONFLICT (account_id, business_number, contact_phone) DO UPDATE SET updated_at = sms_conversations.updated_at
  RETURNING id, (xmax = 0) AS created`;
// A thread opened for a text that was then refused goes again, unless something was written in it meanwhile.
export const DROP_UNUSED_THREAD = `DELETE FROM sms_conversations WHERE id = $1 AND last_activity_at IS NULL AND claim_id IS NULL`;
