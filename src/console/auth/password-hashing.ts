import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, Environment } from '../../config/app-config';
import { BusyException } from '../../sms';
import { hashPassword, verifyPassword } from './password';

/** How long a password check waits for a free hashing slot before the caller is told to come back. */
export const HASH_WAIT_MS = 2000;
/** Waiting checks per slot; past that a check is refused at once rather than queued. */
const QUEUE_PER_SLOT = 8;

/**
 * Every scrypt of the console goes through here, at most PASSWORD_HASH_CONCURRENCY at a time. scrypt runs on libuv's
 * thread pool (4 threads by default), which file reads and DNS share: unbounded sign-ins would starve attachment
 * downloads of every account. Excess checks wait briefly, then get 503 with Retry-After.
 */
@Injectable()
export class PasswordHashing {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly slots: number;

  constructor(@Inject(APP_CONFIG) env: Environment) {
    this.slots = env.PASSWORD_HASH_CONCURRENCY;
  }

  hash(password: string): Promise<string> {
    return this.bounded(() => hashPassword(password));
  }

  verify(password: string, stored: string): Promise<boolean> {
    return this.bounded(() => verifyPassword(password, stored));
  }

  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    await this.slot();
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private slot(): Promise<void> {
    if (this.running < this.slots) {
      this.running++;
      return Promise.resolve();
    }
    const busy = () => new BusyException('Too many sign-ins are being checked right now; try again in a moment', 1000);
    if (this.waiting.length >= this.slots * QUEUE_PER_SLOT) return Promise.reject(busy());
    return new Promise((resolve, reject) => {
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(granted), 1);
        reject(busy());
      }, HASH_WAIT_MS);
      this.waiting.push(granted);
    });
  }
}
