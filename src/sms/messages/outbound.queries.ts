import { PreparedStatement } from '../core/prepared';

/**
 * The customer's texts lock (`pg_advisory_xact_lock`, key as `contactLockKey`), taken before a ticket update touches
 * the ticket, with what the update's text reads anyway in the same round trip: the account's settings (`settings`:
 * their columns prefixed `s.`, null when the account never saved any) and its own body of template `$3`.
 */
export const lockContactWithSettings = (settings: string): PreparedStatement => ({
  name: 'sms-ticket-text-lock-settings',
  text: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0)) IS NULL AS locked, ${settings},
                (SELECT t.body FROM sms_templates t WHERE t.account_id = $2 AND t.key = $3) AS template_body
         FROM (SELECT 1) AS one LEFT JOIN sms_settings s ON s.account_id = $2`,
});
