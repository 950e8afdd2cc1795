import { PreparedStatement } from '../core/prepared';
import { threadsOfContact } from '../numbers/numbers.queries';

/**
 * The customer's texts lock (`pg_advisory_xact_lock`, key as `contactLockKey`), taken before a ticket update touches
 * the ticket, with what the update's text reads anyway in the same round trip: the account's settings (`settings`:
 * their columns prefixed `s.`, null when the account never saved any), its own body of template `$3`, and the numbers
 * the customer (`$4`) has threads on, latest first (`number`: their columns prefixed `n.`; one row each, or one row
 * without a number), with when the customer last texted each and the database's now().
 *
 * Read in the lock's statement, the threads are as they were just before the lock was granted: a reply that lands in
 * that instant is not followed by the text's choice of number, as if the update had come first.
 */
export const lockContactWithSettings = (settings: string, number: string): PreparedStatement => ({
  name: 'sms-ticket-text-lock-settings',
  text: `WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtextextended($1, 0)) IS NULL AS locked)
         SELECT locked.locked, ${settings},
                (SELECT t.body FROM sms_templates t WHERE t.account_id = $2 AND t.key = $3) AS template_body,
                ${number}, n.thread_last_inbound_at, now() AS db_now
         FROM locked LEFT JOIN sms_settings s ON s.account_id = $2
         LEFT JOIN LATERAL (
           SELECT n.*, c.last_inbound_at AS thread_last_inbound_at, c.last_activity_at AS thread_last_activity_at
           ${threadsOfContact('$2', '$4')}
         ) n ON true
         ORDER BY n.thread_last_activity_at DESC NULLS LAST`,
});
