import { Logger } from '@nestjs/common';

// deadlock_detected, serialization_failure: PostgreSQL rolled the transaction back whole, so running it again is safe.
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const logger = new Logger('TransactionRetry');

/** Whether PostgreSQL aborted the transaction only because it collided with another one (TypeORM wraps the driver's error). */
export function isTransactionConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  return RETRYABLE_SQLSTATES.has(String(e.code)) || RETRYABLE_SQLSTATES.has(String(e.driverError?.code));
}

/**
 * Runs `transaction` (a whole `dataSource.transaction(...)`), and again when PostgreSQL aborted it as the victim of a
 * deadlock or a serialization conflict: two writers that lock the same rows in different orders (a technician's update
 * and a customer's reply on one ticket) then both succeed instead of one getting a 500.
 */
export async function retryingConflicts<T>(what: string, transaction: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (e) {
      if (attempt >= attempts || !isTransactionConflict(e)) throw e;
      logger.warn(`${what}: ${(e as Error).message}; running it again (attempt ${attempt + 1} of ${attempts})`);
      // A random pause that doubles each time, so the colliding transactions (and the next in line) do not meet again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, (10 + Math.random() * 40) * 2 ** (attempt - 1)));
    }
  }
}
