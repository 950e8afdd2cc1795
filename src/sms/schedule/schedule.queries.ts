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
