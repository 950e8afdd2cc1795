import { EntityManager, IsNull, Not } from 'typeorm';
import { SmsNumber } from './sms-number.entity';

/** After the default went away: the oldest verified number becomes the default, if there is one. */
export async function ensureDefaultNumber(tx: EntityManager, accountId: string): Promise<void> {
  const repo = tx.getRepository(SmsNumber);
  if (await repo.exists({ where: { accountId, isDefault: true } })) return;
  const next = await repo.findOne({ where: { accountId, verifiedAt: Not(IsNull()) }, order: { createdAt: 'ASC' } });
  if (next) await repo.update({ id: next.id }, { isDefault: true });
}
