// The availability SQL, beside the service that runs it.

// An available agent's new status and why; no row when they already changed.
export const MARK_UNAVAILABLE = `INSERT INTO sms_agent_availability (account_id, user_id, status, changed_at, reason) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id, user_id) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at, reason = EXCLUDED.reason
         WHERE sms_agent_availability.status = 'available' RETURNING user_id`;

// The threads waiting on an agent's direct numbers, routed to their teams too.
export const ROUTE_WAITING_TO_TEAMS = `UPDATE sms_conversations c SET routed_team_ids = ARRAY(SELECT DISTINCT unnest(c.routed_team_ids || $3::text[]))
        WHERE c.account_id = $1 AND c.waiting_since IS NOT NULL AND NOT (c.routed_team_ids @> $3::text[])
          AND EXISTS (SELECT 1 FROM sms_numbers n WHERE n.account_id = $1 AND n.number = c.business_number AND n.kind = 'direct' AND n.user_id = $2)
        RETURNING c.id`;
