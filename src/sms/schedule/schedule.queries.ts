import { PreparedStatement } from '../core/prepared';

// Prepared: the gate runs one of them for every text that waited for business hours.
export const RELEASE: PreparedStatement = {
  name: 'sms-schedule-release',
  text: `UPDATE sms_messages SET status = 'pending', updated_at = now() WHERE id = $1 AND status = 'scheduled' RETURNING id`,
};
export const POSTPONE: PreparedStatement = {
  name: 'sms-schedule-postpone',
  text: `UPDATE sms_messages SET send_at = $2, updated_at = now() WHERE id = $1 AND status = 'scheduled'`,
};

// Prepared: every text a person writes asks it. last_inbound_at is stamped by the database (the inbound row's
// created_at), so the window is measured on the database's clock too.
export const TEXTED_WITHIN: PreparedStatement = {
  name: 'sms-live-reply-texted-within',
  text: `SELECT 1 FROM sms_conversations WHERE account_id = $1 AND business_number = $2 AND contact_phone = $3
         AND last_inbound_at >= now() - make_interval(mins => $4::int)`,
};
