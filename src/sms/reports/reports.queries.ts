// The session report's SQL, beside the service that runs it.

// Messages of the window (and the gap before it, to see whether a text continues an earlier session), each with its
// conversation; a new session starts at a conversation's first text or after an idle gap. Texts never handed to a
// provider (skipped, opted out, refused without charge) are not traffic.
export const SESSIONS_SQL = `
  WITH msgs AS (
    SELECT m.id, m.created_at AS at, m.direction, m.segments, m.credits, m.created_by_user_id,
           CASE WHEN m.direction = 'inbound' THEN m.to_number ELSE m.from_number END AS business_number,
           CASE WHEN m.direction = 'inbound' THEN m.from_number ELSE m.to_number END AS contact_phone
      FROM sms_messages m
     WHERE m.account_id = $1 AND m.created_at >= $2::timestamptz - make_interval(hours => $4) AND m.created_at < $3::timestamptz + make_interval(days => $5)
       AND m.from_number IS NOT NULL AND m.to_number IS NOT NULL
       AND (m.direction = 'inbound' OR m.provider_message_id IS NOT NULL OR m.credits > 0)
  ), marked AS (
    SELECT *, CASE WHEN lag(at) OVER w IS NULL OR at - lag(at) OVER w >= make_interval(hours => $4) THEN 1 ELSE 0 END AS starts
      FROM msgs WINDOW w AS (PARTITION BY business_number, contact_phone ORDER BY at, id)
  ), numbered AS (
    SELECT *, sum(starts) OVER (PARTITION BY business_number, contact_phone ORDER BY at, id) AS session_no FROM marked
  ), firsts AS (
    SELECT *, min(at) FILTER (WHERE direction = 'inbound') OVER (PARTITION BY business_number, contact_phone, session_no) AS first_inbound_at FROM numbered
  )
  SELECT business_number, contact_phone, min(at) AS started_at, max(at) AS ended_at,
         (array_agg(direction ORDER BY at, id))[1] AS first_direction,
         count(*)::int AS messages,
         count(*) FILTER (WHERE direction = 'inbound')::int AS inbound_messages,
         count(*) FILTER (WHERE direction = 'outbound')::int AS outbound_messages,
         coalesce(sum(segments), 0)::int AS segments,
         coalesce(sum(credits), 0)::int AS credits,
         (array_agg(created_by_user_id ORDER BY at, id) FILTER (WHERE direction = 'outbound' AND created_by_user_id IS NOT NULL))[1] AS first_agent,
         min(first_inbound_at) AS first_inbound_at,
         min(at) FILTER (WHERE direction = 'outbound' AND created_by_user_id IS NOT NULL AND at > first_inbound_at) AS first_response_at
    FROM firsts
   GROUP BY business_number, contact_phone, session_no
  HAVING min(at) >= $2 AND min(at) < $3`;

// Claims and transfers near the window, with their conversation.
export const CLAIMS_NEAR_WINDOW = `SELECT c.business_number, c.contact_phone, k.via, k.created_at
         FROM sms_conversation_claims k JOIN sms_conversations c ON c.id = k.conversation_id
        WHERE k.account_id = $1 AND k.created_at >= $2 AND k.created_at < $3::timestamptz + make_interval(days => $4) + make_interval(hours => $5)`;
