import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock';
import { CreditEntry } from './credit-entry.entity';
import { CreditLedger } from './credit-ledger.service';
import { CREDITS_PER_PACK } from './credit-rules';
import { HeldMessages } from './held-messages.service';

/** Credits the platform gave an account, or that an account paid for; `replayed`: the key was seen before, nothing added. */
export interface CreditGrant {
  entry: CreditEntry;
  replayed: boolean;
}

export type SettledPurchase = CreditGrant;

function purchaseConflict(earlierCredits: number): string {
  return `This Idempotency-Key was used for a purchase of ${earlierCredits / CREDITS_PER_PACK} packs; use a new key for a different purchase`;
}

/**
 * The only ways add-on credits come into an account: a grant by the platform, or a purchase the host's billing says
 * was paid. Each is idempotent by its key, appended to the ledger under the balance lock, and releases held texts.
 */
@Injectable()
export class CreditGrants {
  private readonly logger = new Logger(CreditGrants.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: CreditLedger,
    private readonly held: HeldMessages,
    private readonly clock: Clock,
  ) {}

  /** Credits the platform gives an account (support, a correction, a plan); the same `idempotencyKey` grants once. */
  async grant(
    accountId: string,
    grant: { credits: number; reason: string; idempotencyKey: string },
  ): Promise<CreditGrant> {
    const result = await this.add(
      accountId,
      'grant',
      `grant-by-platform:${accountId}:${grant.idempotencyKey}`,
      grant.credits,
      null,
      (earlier) => `This key was used for a grant of ${earlier} credits; use a new key for a different grant`,
    );
    if (!result.replayed)
      this.logger.log(
        { accountId, credits: grant.credits, reason: grant.reason, entryId: result.entry.id },
        'credits granted by the platform',
      );
    return result;
  }

  /**
   * Credits a purchase the host's billing was paid for: at once when `CreditPurchases.charge` answered `paid`, or
   * later for one it answered `pending` (an invoice paid afterwards). `idempotencyKey` is the one `charge` was given.
   */
  settlePurchase(
    accountId: string,
    purchase: { idempotencyKey: string; credits: number; userId: string | null },
  ): Promise<SettledPurchase> {
    return this.add(
      accountId,
      'purchase',
      purchase.idempotencyKey,
      purchase.credits,
      purchase.userId,
      purchaseConflict,
    );
  }

  /** The purchase a key already credited, if any; 409 when that purchase was for another amount. */
  async creditedPurchase(accountId: string, idempotencyKey: string, credits: number): Promise<CreditEntry | null> {
    const earlier = await this.dataSource.getRepository(CreditEntry).findOne({ where: { idempotencyKey, accountId } });
    if (earlier && earlier.amount !== credits) throw new ConflictException(purchaseConflict(earlier.amount));
    return earlier;
  }

  private async add(
    accountId: string,
    kind: 'grant' | 'purchase',
    key: string,
    credits: number,
    userId: string | null,
    conflict: (earlierAmount: number) => string,
  ): Promise<CreditGrant> {
    const account = await this.ledger.account(accountId);
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (tx) => {
      // Under the balance lock, a second request with the same key waits for the first and then finds its entry.
      const balance = await this.ledger.lock(tx, account, now);
      const earlier = await tx.getRepository(CreditEntry).findOne({ where: { idempotencyKey: key, accountId } });
      if (earlier) {
        if (earlier.amount !== credits) throw new ConflictException(conflict(earlier.amount));
        return { entry: earlier, replayed: true };
      }
      return { entry: await this.ledger.addAddon(tx, balance, { kind, key, credits, userId }, now), replayed: false };
    });
    if (!result.replayed) await this.held.release(accountId);
    return result;
  }
}
