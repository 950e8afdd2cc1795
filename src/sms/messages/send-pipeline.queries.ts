import type { EntityManager } from 'typeorm';
import { columnList, hydrate, hydratePrefixed, prefixedColumnList } from '../core/hydrate';
import { runPrepared, type PreparedStatement } from '../core/prepared';
import { SmsNumber } from '../numbers/sms-number.entity';
import { SmsSettings } from '../settings/sms-settings.entity';
import type { OutboundStatus } from './message-status';
import { SmsMessage } from './sms-message.entity';
import type { LoadedMessage } from './send-results';

/** The send jobs' rows with what their gates ask (opt-out, sender, settings, the part before), by id; prepared. */
export const loadManyStatement = (manager: EntityManager): PreparedStatement => ({
  name: 'sms-send-load-many',
  text: `SELECT ${prefixedColumnList(manager, SmsMessage, 'm', 'm.')}, ${prefixedColumnList(manager, SmsNumber, 'n', 'n.')},
           ${prefixedColumnList(manager, SmsSettings, 's', 's.')},
           EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.account_id = m.account_id AND o.phone = m.to_number) AS opted_out,
           prev.status AS previous_status, prev.provider_message_id AS previous_provider_message_id
         FROM sms_messages m
         LEFT JOIN sms_numbers n ON n.account_id = m.account_id AND n.number = m.from_number
         LEFT JOIN sms_settings s ON s.account_id = m.account_id
         LEFT JOIN sms_messages prev ON m.part_index > 1 AND prev.account_id = m.account_id AND prev.send_id = m.send_id
           AND prev.part_index = m.part_index - 1
         WHERE m.id = ANY($1::uuid[])`,
});

/** One part of a split text, by its index. */
export const partStatement = (manager: EntityManager): PreparedStatement => ({
  name: 'sms-send-part',
  text: `SELECT ${columnList(manager, SmsMessage)} FROM sms_messages WHERE account_id = $1 AND send_id = $2 AND part_index = $3`,
});

// The provider took the texts. A status callback may already have moved a row further; never move it back (`below`:
// the statuses below the accepted one, comma-separated).
export const ACCEPTED_MANY: PreparedStatement = {
  name: 'sms-send-accepted-many',
  text: `UPDATE sms_messages m SET provider_message_id = a.provider_message_id, provider = a.provider, segments = a.segments,
           error_code = NULL, error_message = NULL,
           status = CASE WHEN m.status = ANY(string_to_array(a.below, ',')) THEN a.status ELSE m.status END, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::smallint[], $5::text[], $6::text[])
           AS a(id, provider_message_id, provider, segments, below, status)
         WHERE m.id = a.id`,
};
// The next part of each split text whose part was just accepted.
export const NEXT_PARTS: PreparedStatement = {
  name: 'sms-send-next-parts',
  text: `SELECT m.id FROM unnest($1::text[], $2::uuid[], $3::smallint[]) AS r(account_id, send_id, part_index)
         JOIN sms_messages m ON m.account_id = r.account_id AND m.send_id = r.send_id AND m.part_index = r.part_index + 1`,
};

/**
 * The message rows with what the send job's gates ask about each, in one statement: whether its `to` opted out, its
 * sender number (scoped to the row's account), the account's SMS settings and the part before it. By row id; a row
 * that does not exist is absent.
 */
export async function loadMessages(
  db: EntityManager,
  statement: PreparedStatement,
  messageIds: string[],
  settingsOrDefaults: (accountId: string, row: SmsSettings | null) => SmsSettings,
): Promise<Map<string, LoadedMessage>> {
  const found = await runPrepared(db, statement, [messageIds]);
  const loaded = new Map<string, LoadedMessage>();
  // The texts of a batch mostly share their account's settings and sender number: each is built once, and only read.
  const senders = new Map<unknown, SmsNumber | null>();
  const settings = new Map<string, SmsSettings>();
  for (const one of found) {
    const row = hydratePrefixed(db, SmsMessage, one, 'm.')!;
    const senderKey = one['n.id'] ?? null;
    let sender = senders.get(senderKey);
    if (sender === undefined) senders.set(senderKey, (sender = hydratePrefixed(db, SmsNumber, one, 'n.')));
    let accountSettings = settings.get(row.accountId);
    if (!accountSettings)
      settings.set(
        row.accountId,
        (accountSettings = settingsOrDefaults(row.accountId, hydratePrefixed(db, SmsSettings, one, 's.'))),
      );
    loaded.set(row.id, {
      row,
      optedOut: one.opted_out as boolean,
      sender,
      settings: accountSettings,
      previousPart:
        one.previous_status === null
          ? null
          : {
              status: one.previous_status as OutboundStatus,
              providerMessageId: one.previous_provider_message_id as string | null,
            },
    });
  }
  return loaded;
}

/** The part `partIndex` of the split text `row` belongs to, in the row's account (`statement`: `partStatement`). */
export async function loadPart(
  db: EntityManager,
  statement: PreparedStatement,
  row: SmsMessage,
  partIndex: number,
): Promise<SmsMessage | null> {
  const [found] = await runPrepared(db, statement, [row.accountId, row.sendId, partIndex]);
  return found ? hydrate(db, SmsMessage, found) : null;
}
