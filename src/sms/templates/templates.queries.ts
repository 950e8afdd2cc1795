import { PreparedStatement } from '../core/prepared';

// Prepared: every ticket text reads its template.
export const TEMPLATE_BODY: PreparedStatement = {
  name: 'sms-template-body',
  text: 'SELECT body FROM sms_templates WHERE account_id = $1 AND key = $2',
};
