import { PreparedStatement } from '../core/prepared';

// Threads of one contact looked at for a sticky sender: a contact talks to a handful of the account's numbers.
const THREADS_LOOKED_AT = 20;

/**
 * FROM … ORDER BY … LIMIT of the numbers (`n`) the contact (`phone`) has threads (`c`) on in the account, the latest
 * thread first: the candidates for a text's sticky sender.
 */
export function threadsOfContact(accountId: string, phone: string): string {
  return `FROM sms_numbers n
             JOIN sms_conversations c ON c.account_id = n.account_id AND c.business_number = n.number
             WHERE n.account_id = ${accountId} AND n.verified_at IS NOT NULL AND n.kind <> 'unassigned' AND c.contact_phone = ${phone}
             ORDER BY c.last_activity_at DESC NULLS LAST LIMIT ${THREADS_LOOKED_AT}`;
}

/**
 * The statements that choose a ticket text's number, prepared: every ticket text runs one or more. Each is scoped to
 * the account. `columns`: the number's columns, as `n`.
 */
export function senderStatements(
  columns: string,
): Record<'byId' | 'byThread' | 'team' | 'direct' | 'fallback', PreparedStatement> {
  return {
    byId: {
      name: 'sms-sender-by-id',
      text: `SELECT ${columns} FROM sms_numbers n WHERE n.account_id = $1 AND n.id = $2`,
    },
    // The numbers themselves in the same statement as the threads that pick them, latest first; the writer's own
    // filter (mayUse) picks among them. With each, when the contact last texted that thread and the database's now():
    // the live-reply rule needs them for the thread the text goes to.
    byThread: {
      name: 'sms-sender-by-thread',
      text: `SELECT ${columns}, c.last_inbound_at AS thread_last_inbound_at, now() AS db_now ${threadsOfContact('$1', '$2')}`,
    },
    team: {
      name: 'sms-sender-team',
      text: `SELECT ${columns} FROM sms_numbers n WHERE n.account_id = $1 AND n.kind = 'group' AND n.team_id = ANY($2::text[])
             AND n.verified_at IS NOT NULL ORDER BY n.created_at LIMIT 1`,
    },
    direct: {
      name: 'sms-sender-direct',
      text: `SELECT ${columns} FROM sms_numbers n WHERE n.account_id = $1 AND n.kind = 'direct' AND n.user_id = $2 AND n.verified_at IS NOT NULL
             ORDER BY n.created_at LIMIT 1`,
    },
    fallback: {
      name: 'sms-sender-default',
      text: `SELECT ${columns} FROM sms_numbers n WHERE n.account_id = $1 AND n.is_default LIMIT 1`,
    },
  };
}

// Where a number's whole history begins: the earliest of its holders' starts, null when one of them saw it all.
export const HISTORY_START = `SELECT now() AS now, CASE WHEN bool_or(f IS NULL) THEN NULL ELSE min(f) END AS start
         FROM (SELECT $2::timestamptz AS f UNION ALL SELECT visible_from FROM sms_number_history WHERE number_id = $1) h`;
