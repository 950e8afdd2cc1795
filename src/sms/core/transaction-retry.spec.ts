import { QueryFailedError } from 'typeorm';
import { isTransactionConflict, retryingConflicts } from './transaction-retry';

const pgError = (message: string, code: string) =>
  new QueryFailedError('UPDATE "tickets" SET "status" = $1', ['New'], Object.assign(new Error(message), { code }));
const deadlock = () => pgError('deadlock detected', '40P01');

describe('isTransactionConflict', () => {
  it('is true for a deadlock and a serialization failure', () => {
    expect(isTransactionConflict(deadlock())).toBe(true);
    expect(isTransactionConflict(pgError('could not serialize access due to concurrent update', '40001'))).toBe(true);
  });

  it('is false for other failures', () => {
    expect(isTransactionConflict(pgError('duplicate key value violates unique constraint', '23505'))).toBe(false);
    expect(isTransactionConflict(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isTransactionConflict(undefined)).toBe(false);
  });
});

describe('retryingConflicts', () => {
  it('runs the transaction again after a deadlock and returns its result', async () => {
    let runs = 0;
    const sut = () =>
      retryingConflicts('ticket update', async () => {
        runs++;
        if (runs < 3) throw deadlock();
        return 'committed';
      });
    await expect(sut()).resolves.toBe('committed');
    expect(runs).toBe(3);
  });

  it('gives up after the last attempt with the database error', async () => {
    let runs = 0;
    const sut = () =>
      retryingConflicts(
        'ticket update',
        async () => {
          runs++;
          throw deadlock();
        },
        3,
      );
    await expect(sut()).rejects.toThrow('deadlock detected');
    expect(runs).toBe(3);
  });

  it('never repeats a transaction that failed for another reason', async () => {
    let runs = 0;
    const sut = () =>
      retryingConflicts('ticket update', async () => {
        runs++;
        throw pgError('duplicate key value violates unique constraint', '23505');
      });
    await expect(sut()).rejects.toThrow('duplicate key');
    expect(runs).toBe(1);
  });
});
