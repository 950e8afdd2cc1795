import { EntityManager } from 'typeorm';
import { PreparedStatement, runPrepared } from '../core/prepared';

const LOCK_CONTACT: PreparedStatement = {
  name: 'sms-contact-lock',
  text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
};

/**
 * The transaction lock on one contact of one account: texts to and from a phone are written one transaction at a
 * time, so a new number texting twice becomes one customer and a technician's update and the customer's reply on
 * one ticket take their locks in one order. Taken with `pg_advisory_xact_lock(hashtextextended(key, 0))`.
 */
export function contactLockKey(accountId: string, phone: string): string {
  return `sms-contact:${accountId}:${phone}`;
}

/** The same key as SQL, for a statement that takes the lock on a row it has just read (`accountId`, `phone`: column expressions). */
export function contactLockKeySql(accountId: string, phone: string): string {
  return `'sms-contact:' || ${accountId} || ':' || ${phone}`;
}

/** Serializes, until the transaction ends, everything written about one contact's texts in an account. */
export async function lockContact(tx: EntityManager, accountId: string, phone: string): Promise<void> {
  await runPrepared(tx, LOCK_CONTACT, [contactLockKey(accountId, phone)]);
}
