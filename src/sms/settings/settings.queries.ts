import { PreparedStatement } from '../core/prepared';

/** An account's settings row; `columns`: the entity's columns. Prepared: every text, inbound and outbound, reads it. */
export const settingsByAccount = (columns: string): PreparedStatement => ({
  name: 'sms-settings-get',
  text: `SELECT ${columns} FROM sms_settings WHERE account_id = $1`,
});
