import { Injectable } from '@nestjs/common';
import { Clock, CreditsService } from '../sms';

export interface CreditState {
  metered: boolean;
  remaining: number;
  /** Texts waiting for credits (`held_no_credit`). */
  held: number;
}

/** A balance read serves the counters of an account this long: typing must not lock the balance row per keystroke. */
const FRESH_MS = 5_000;
const MAX_CACHED = 1_000;

/** What credits will do to a text about to be sent: for the counters, the banners and the notice after saving. */
@Injectable()
export class CreditOutlook {
  private readonly cache = new Map<string, { at: number; state: CreditState }>();

  constructor(
    private readonly credits: CreditsService,
    private readonly clock: Clock,
  ) {}

  async state(accountId: string, fresh = false): Promise<CreditState> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(accountId);
    if (!fresh && cached && now - cached.at < FRESH_MS) return cached.state;
    const summary = await this.credits.summary(accountId);
    const state = {
      metered: summary.metered,
      remaining: summary.balance.monthlyRemaining + summary.balance.addonRemaining,
      held: summary.held,
    };
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(accountId, { at: now, state });
    return state;
  }

  /** Why a text needing `credits` would wait instead of going (null when it can go). */
  async shortFor(accountId: string, credits: number, fresh = false): Promise<string | null> {
    const state = await this.state(accountId, fresh);
    if (!state.metered || credits === 0 || state.remaining >= credits) return null;
    return `Not enough credits (${credits} needed, ${state.remaining} left): held until credits are added${heldNote(state.held)}`;
  }

  /** The warning a page shows while texts cannot go for want of credits. */
  async banner(accountId: string): Promise<string | null> {
    const state = await this.state(accountId);
    if (!state.metered || (state.remaining > 0 && state.held === 0)) return null;
    if (state.remaining === 0)
      return `SMS credits have run out${heldNote(state.held)}. New texts wait too, until credits are added.`;
    return `${state.held} ${state.held === 1 ? 'text waits' : 'texts wait'} for credits (${state.remaining} left).`;
  }
}

function heldNote(held: number): string {
  return held > 0 ? ` · ${held} ${held === 1 ? 'text' : 'texts'} already held` : '';
}
