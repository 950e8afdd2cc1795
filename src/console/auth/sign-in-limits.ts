import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { RateLimits, TooManyRequestsException } from '../../sms';

export const SIGN_IN_WINDOW_MS = 15 * 60_000;
/** Sign-in attempts one client address may make per window, whatever the emails. */
export const SIGN_IN_ATTEMPTS_PER_ADDRESS = 30;
/** Wrong passwords for one email from one address per window: the guesser's own address is the one held back. */
export const FAILED_SIGN_INS_PER_ADDRESS_AND_EMAIL = 5;
/** Failures for one email (from anywhere) before each further attempt must wait, a delay that doubles up to the cap. */
export const FAILED_SIGN_INS_BEFORE_DELAY = 10;
export const MAX_SIGN_IN_DELAY_MS = 30_000;
/** A browser that signed in to an email is known to it this long; guessing elsewhere does not slow it down. */
export const KNOWN_BROWSER_MS = 90 * 86_400_000;

function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

/**
 * Sign-in attempts counted in Redis (every api process shares the counts) before any password is hashed; each count
 * goes up in the same step it is read, so concurrent guesses cannot slip past it. Nobody can lock another person out:
 * an address is held back for its own failures, and failures spread over many addresses only space out attempts for
 * that email, by a delay capped at half a minute, which a browser that signed in to it before does not wait for.
 */
@Injectable()
export class SignInLimits {
  constructor(private readonly limits: RateLimits) {}

  /** Counts this attempt; throws 429 with the wait when it must not be evaluated. */
  async admit(email: string, address: string, browser: string): Promise<void> {
    const keys = this.keys(email, address);
    const fromAddress = await this.limits.hit(keys.address, SIGN_IN_WINDOW_MS);
    if (fromAddress.count > SIGN_IN_ATTEMPTS_PER_ADDRESS) {
      throw new TooManyRequestsException(
        `Too many sign-in attempts from your network; try again in ${minutes(fromAddress.resetMs)}`,
        fromAddress.resetMs,
      );
    }
    const pair = await this.limits.hit(keys.pair, SIGN_IN_WINDOW_MS);
    if (pair.count > FAILED_SIGN_INS_PER_ADDRESS_AND_EMAIL) {
      throw new TooManyRequestsException(
        `Too many failed sign-ins; try again in ${minutes(pair.resetMs)}`,
        pair.resetMs,
      );
    }
    const forEmail = await this.limits.hit(keys.email, SIGN_IN_WINDOW_MS);
    const over = forEmail.count - FAILED_SIGN_INS_BEFORE_DELAY;
    if (over > 0 && !(await this.limits.marked(this.browserKey(email, browser)))) {
      const wait = await this.limits.space(keys.spacing, Math.min(MAX_SIGN_IN_DELAY_MS, 1000 * 2 ** (over - 1)));
      if (wait > 0) {
        await this.limits.hit(keys.pair, SIGN_IN_WINDOW_MS, -1);
        throw new TooManyRequestsException(
          `Many failed sign-ins for this email; try again in ${Math.ceil(wait / 1000)} seconds`,
          wait,
        );
      }
    }
  }

  /** The password was right: this address's count for the email starts again, and the browser is known from now on. */
  async succeeded(email: string, address: string, browser: string): Promise<void> {
    const keys = this.keys(email, address);
    await this.limits.reset(keys.pair);
    await this.limits.hit(keys.address, SIGN_IN_WINDOW_MS, -1);
    await this.limits.hit(keys.email, SIGN_IN_WINDOW_MS, -1);
    await this.limits.mark(this.browserKey(email, browser), KNOWN_BROWSER_MS);
  }

  private keys(email: string, address: string) {
    const e = digest(email);
    return {
      address: `sign-in:address:${address}`,
      pair: `sign-in:pair:${e}:${address}`,
      email: `sign-in:email:${e}`,
      spacing: `sign-in:spacing:${e}`,
    };
  }

  private browserKey(email: string, browser: string): string {
    return `sign-in:browser:${digest(browser)}:${digest(email)}`;
  }
}
