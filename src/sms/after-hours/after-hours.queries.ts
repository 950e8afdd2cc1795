import { PreparedStatement } from '../core/prepared';

// Asked for every inbound text, so prepared: does this account have any after-hours reply switched on?
export const ANY_REPLY_ON: PreparedStatement = {
  name: 'sms-after-hours-any-on',
  text: 'SELECT 1 FROM sms_after_hours_replies WHERE account_id = $1 AND enabled LIMIT 1',
};

// Takes a contact's reply window when the last reply is older than it; no row when it is taken.
export const CLAIM_CONTACT_WINDOW = `INSERT INTO sms_after_hours_contacts AS c (account_id, contact_phone, last_replied_at) VALUES ($1, $2, $3)
       ON CONFLICT (account_id, contact_phone) DO UPDATE SET last_replied_at = EXCLUDED.last_replied_at
       WHERE c.last_replied_at <= $4
       RETURNING c.account_id`;
