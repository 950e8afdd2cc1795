import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { InFlightLimit } from '../core/in-flight-limit';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { Clock } from '../clock/clock';
import { ConversationsService } from '../conversations/conversations.service';
import { type ClaimResult, CreditGate } from '../credits/credit-gate.service';
import {
  IN_PROCESS_WAIT_MS,
  PROVIDER_429_BACKOFF_MS,
  ProviderRateLimiter,
  SendThrottledError,
} from '../providers/provider-rate-limiter';
import { ProviderResolver } from '../providers/provider-resolver';
import {
  SendAccepted,
  SendAmbiguousError,
  SendRefusedError,
  SendRetryableError,
  SmsProvider,
} from '../providers/sms-provider';
import { SmsMetrics } from '../metrics/sms-metrics.service';
import { OutboundQueue } from './outbound-queue.service';
import {
  ACCEPTED_MANY,
  loadManyStatement,
  loadMessages,
  loadPart,
  NEXT_PARTS,
  partStatement,
} from './send-pipeline.queries';
import {
  toOutboundSms,
  type Accepted,
  type LoadedMessage,
  type Ready,
  type SendOutcome,
  type SendResult,
  StillHandingOverError,
} from './send-results';

import { OutboundStatus, statusesBelow, WAITING_STATUSES } from './message-status';
import { SendEndings } from './send-endings.service';
import { SmsMessage } from './sms-message.entity';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { SendSchedule } from '../schedule/send-schedule.service';

/**
 * Hands message rows to the provider, each at most once, a batch at a time: the rows of the send jobs running are read
 * in one statement, claimed `pending → submitting` (with their credits) in one transaction, handed to the provider
 * concurrently, and their acceptances recorded in one statement. The claim comes before the provider call, so two
 * workers never both send a row, and a row found in `submitting` (a crash or an ambiguous failure mid-call) is looked
 * up at the provider before anything is sent again.
 */
@Injectable()
export class SendPipeline {
  private readonly logger = new Logger(SendPipeline.name);
  /**
   * Provider calls in flight at once in this process. Each call's timeout runs from its request: a call beyond the
   * client's sockets would wait for one within it; a call that times out is ambiguous and is looked up before any
   * resend. The rest of a batch waits here, outside any timeout.
   */
  private readonly providerCalls: InFlightLimit;

  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly providers: ProviderResolver,
    private readonly rateLimiter: ProviderRateLimiter,
    private readonly clock: Clock,
    private readonly credits: CreditGate,
    private readonly queue: OutboundQueue,
    private readonly settings: SmsSettingsService,
    private readonly conversations: ConversationsService,
    private readonly schedule: SendSchedule,
    private readonly metrics: SmsMetrics,
    private readonly endings: SendEndings,
    @Inject(SMS_MODULE_OPTIONS) options: ResolvedSmsOptions,
  ) {
    this.providerCalls = new InFlightLimit(options.providerCallsInFlight);
    const manager = messages.manager;
    this.loadStatement = loadManyStatement(manager);
    this.partStatement = partStatement(manager);
  }

  private readonly loadStatement: PreparedStatement;
  /**
   * Rows this process claimed and is still handing over, from the claim until the provider's answer is recorded. A
   * second job for one of them (the outbox sweep's, after Redis lost the first) must not look it up and send it again
   * while its call may not have reached the provider yet: it waits for a later attempt instead.
   */
  private readonly handing = new Set<string>();
  /** One part of a split text, by its index. */
  private readonly partStatement: PreparedStatement;

  /**
   * The message rows with what the send job's gates ask about each, in one statement: whether its `to` opted out, its
   * sender number (scoped to the row's account), the account's SMS settings and the part before it. By row id; a row
   * that does not exist is absent.
   */
  async loadMany(messageIds: string[]): Promise<Map<string, LoadedMessage>> {
    return loadMessages(this.messages.manager, this.loadStatement, messageIds, (accountId, row) =>
      this.settings.orDefaults(accountId, row),
    );
  }

  /** The send jobs of these rows, together: a result per row, in the order given. */
  async sendMany(messageIds: string[]): Promise<SendResult[]> {
    const loaded = await this.loadMany(messageIds);
    const ready: Ready[] = [];
    const gated = await Promise.all(
      messageIds.map(async (id): Promise<SendResult | null> => {
        try {
          const passed = await this.gates(id, loaded.get(id) ?? null);
          if (!('row' in passed)) return passed;
          ready.push(passed);
          return null;
        } catch (error) {
          return { error };
        }
      }),
    );
    const handed = await this.claimAndHandOver(ready);
    return messageIds.map((id, i) => gated[i] ?? handed.get(id) ?? { outcome: 'already-done' });
  }

  /**
   * Everything before the claim, for one row: the business-hours gate (a scheduled text still outside hours waits, no
   * attempt used), a row left mid-call (looked up first), opt-out, a verified sender, part order, the provider in force
   * now and its rate limit.
   */
  private async gates(messageId: string, given: LoadedMessage | null): Promise<SendResult | Ready> {
    let loaded = given;
    if (loaded?.row.status === 'scheduled') {
      const waitMs = await this.schedule.holdFor(loaded.row, loaded.settings);
      if (waitMs !== null) return { delayMs: waitMs };
      // Not released (it changed meanwhile): read again, as it stands now.
      if (loaded.row.status === 'scheduled') loaded = (await this.loadMany([messageId])).get(messageId) ?? null;
    }
    const row = loaded?.row;
    if (!loaded || !row || row.direction !== 'outbound') return { outcome: 'already-done' };

    if (row.status === 'submitting') return { outcome: await this.resume(row) };
    if (row.status !== 'pending') return { outcome: 'already-done' };
    if (await this.endings.optedOut(row, loaded.optedOut)) return { outcome: 'refused' };
    if (await this.endings.unverifiedSender(row, loaded.sender)) return { outcome: 'refused' };

    const turn = await this.partTurn(row, loaded.previousPart);
    if (turn !== 'go') return { outcome: turn };

    // The provider in force now, not when the text was written: a text that waited goes out the account's current way.
    const provider = await this.providers.forAccount(row.accountId, loaded.settings);
    await this.throttle(provider, row);
    // Whether credits are spent follows the provider the text is handed to (an account's own provider is not metered).
    row.provider = provider.name;
    return { row, provider };
  }

  /**
   * Claims the rows (the credit gate commits the debits in the claim's transaction, or holds rows when credits are
   * short), calls the provider for each claimed row at once, and records the acceptances together.
   */
  private async claimAndHandOver(ready: Ready[]): Promise<Map<string, SendResult>> {
    const results = new Map<string, SendResult>();
    if (ready.length === 0) return results;
    // Marked before the claim commits: a job that reads the row `submitting` finds it marked.
    for (const one of ready) this.handing.add(one.row.id);
    try {
      return await this.handOver(ready, await this.credits.claimMany(ready.map((r) => r.row)), results);
    } finally {
      for (const one of ready) this.handing.delete(one.row.id);
    }
  }

  private async handOver(
    ready: Ready[],
    claims: Map<string, ClaimResult>,
    results: Map<string, SendResult>,
  ): Promise<Map<string, SendResult>> {
    const claimed: Ready[] = [];
    for (const one of ready) {
      const claim = claims.get(one.row.id);
      if (claim === 'claimed') claimed.push(one);
      else if (claim === 'held') {
        this.metrics.text('outbound', 'held_no_credit', one.provider.name);
        results.set(one.row.id, { outcome: 'held' });
      } else results.set(one.row.id, { outcome: 'already-done' });
    }
    const accepted: Accepted[] = [];
    await Promise.all(
      claimed.map(async (one) => {
        const answer = await this.callProvider(one.row, one.provider);
        if ('providerMessageId' in answer) accepted.push({ ...one, accepted: answer });
        else results.set(one.row.id, answer);
      }),
    );
    await this.acceptedMany(accepted);
    for (const one of accepted) {
      this.metrics.text('outbound', 'sent', one.provider.name);
      results.set(one.row.id, { outcome: 'sent' });
    }
    return results;
  }

  /** The last attempt stopped mid-call: send only if the provider has no trace of the message. */
  private async resume(row: SmsMessage): Promise<SendOutcome> {
    if (this.handing.has(row.id)) throw new StillHandingOverError(row.id);
    this.handing.add(row.id);
    try {
      return await this.lookUpOrSend(row);
    } finally {
      this.handing.delete(row.id);
    }
  }

  private async lookUpOrSend(row: SmsMessage): Promise<SendOutcome> {
    const since = row.submittedAt ?? row.createdAt;
    // Asked of the provider it was handed to, even if the account has switched since: only that one can have sent it.
    const provider = await this.providers.named(row.accountId, row.provider);
    // The same text may have gone to the same number before: a message another row already owns is not this one.
    const isTaken = (providerMessageId: string) =>
      this.messages.exists({ where: { provider: provider.name, providerMessageId, id: Not(row.id) } });
    const found = await provider.findSent(toOutboundSms(row), since, isTaken);
    if (found) {
      await this.acceptedMany([{ row, provider, accepted: found }]);
      this.metrics.text('outbound', 'sent', provider.name);
      return 'reconciled';
    }
    await this.throttle(provider, row);
    await this.messages.update(
      { id: row.id, status: 'submitting' },
      { attempts: () => 'attempts + 1', submittedAt: this.clock.now() },
    );
    const answer = await this.callProvider(row, provider);
    if (!('providerMessageId' in answer)) {
      if ('error' in answer) throw answer.error;
      return 'outcome' in answer ? answer.outcome : 'already-done';
    }
    await this.acceptedMany([{ row, provider, accepted: answer }]);
    this.metrics.text('outbound', 'sent', provider.name);
    return 'sent';
  }

  /** Waits for the provider account's next send slot (Flowroute: 5 SMS/s): briefly here, else the job is delayed to it. */
  private async throttle(provider: SmsProvider, row: SmsMessage): Promise<void> {
    const limit = provider.rateLimit?.(toOutboundSms(row));
    if (!limit) return;
    const waitMs = await this.rateLimiter.reserve(limit, row.id);
    if (waitMs > IN_PROCESS_WAIT_MS) throw new SendThrottledError(waitMs);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  /**
   * One claimed row to the provider: what it accepted, or what the job does about a failure (a refusal ends the row and
   * the parts after it; a retryable failure puts it back to `pending`; an ambiguous one leaves it `submitting`).
   */
  private async callProvider(row: SmsMessage, provider: SmsProvider): Promise<SendAccepted | SendResult> {
    const limit = provider.rateLimit?.(toOutboundSms(row));
    if (limit) await this.rateLimiter.admit(limit, row.id);
    try {
      const accepted = await this.providerCalls.run(async () => {
        const called = this.metrics.sendStarted(provider.name);
        try {
          const answer = await provider.send(toOutboundSms(row));
          called('accepted');
          return answer;
        } catch (e) {
          called(
            e instanceof SendRefusedError ? 'refused' : e instanceof SendRetryableError ? 'retryable' : 'ambiguous',
          );
          throw e;
        }
      });
      return accepted;
    } catch (e) {
      try {
        if (e instanceof SendRefusedError) {
          const status: OutboundStatus = e.optedOut ? 'opted_out' : 'failed';
          this.metrics.text('outbound', status, provider.name);
          // The refusal proves nothing was sent: refunded, and the rest of a split text ends the same way.
          await this.endings.endRest(row, status, e.message, true, { errorCode: e.code, errorMessage: e.message });
          this.logger.warn({ messageId: row.id, code: e.code }, `provider refused the SMS: ${e.message}`);
          return { outcome: 'refused' };
        }
        if (e instanceof SendRetryableError) {
          // Nothing went out: the row waits again and the job retries with backoff.
          await this.messages.update(
            { id: row.id, status: 'submitting' },
            { status: 'pending', errorCode: e.code, errorMessage: e.message },
          );
          // A rate-limited provider account that says 429 holds its other texts back too, not only this one.
          if (limit && e.code === '429') await this.rateLimiter.backOff(limit, PROVIDER_429_BACKOFF_MS);
          return { error: e };
        }
        const ambiguous = e instanceof SendAmbiguousError ? e : new SendAmbiguousError((e as Error).message, null);
        // The row stays `submitting`; the retry looks the message up before sending again.
        await this.messages.update({ id: row.id }, { errorCode: ambiguous.code, errorMessage: ambiguous.message });
        return { error: ambiguous };
      } catch (recording) {
        // The failure could not be recorded (the database went away): the job retries, and finds the row as it is.
        return { error: recording };
      }
    }
  }

  /**
   * The provider took these rows: their provider ids and statuses in one statement; replies in their conversations now
   * go to their tickets (reply matching); the next part of each split text is enqueued.
   */
  private async acceptedMany(accepted: Accepted[]): Promise<void> {
    if (accepted.length === 0) return;
    await runPrepared(this.messages.manager, ACCEPTED_MANY, [
      accepted.map((a) => a.row.id),
      accepted.map((a) => a.accepted.providerMessageId),
      accepted.map((a) => a.provider.name),
      accepted.map((a) => a.accepted.segments ?? a.row.segments),
      accepted.map((a) => statusesBelow(a.accepted.status).join(',')),
      accepted.map((a) => a.accepted.status),
    ]);
    // Counted from when the provider took the texts.
    const at = this.clock.now();
    await this.conversations.recordOutboundMany(
      accepted
        .map((a) => a.row)
        .filter((row) => row.ticketId && row.fromNumber && row.toNumber)
        .map((row) => ({
          accountId: row.accountId,
          businessNumber: row.fromNumber!,
          contactPhone: row.toNumber!,
          ticketId: row.ticketId!,
          at,
        })),
    );
    const split = accepted.map((a) => a.row).filter((row) => row.partIndex < row.partCount);
    if (split.length === 0) return;
    const next = await runPrepared<{ id: string }>(this.messages.manager, NEXT_PARTS, [
      split.map((row) => row.accountId),
      split.map((row) => row.sendId),
      split.map((row) => row.partIndex),
    ]);
    await this.queue.requeue(next.map((n) => n.id));
  }

  /** A later part of a split text goes only once the provider accepted the part before it (which then enqueues it). */
  private async partTurn(
    row: SmsMessage,
    previous: LoadedMessage['previousPart'],
  ): Promise<'go' | 'waiting' | 'already-done'> {
    if (row.partIndex <= 1 || !previous || previous.providerMessageId) return 'go';
    if (previous.status === 'submitting' || WAITING_STATUSES.includes(previous.status)) return 'waiting';
    // The part before ended unsent (a crash came between its refusal and ending the parts after it).
    const before = await loadPart(this.messages.manager, this.partStatement, row, row.partIndex - 1);
    if (before)
      await this.endings.endRest(before, before.status as OutboundStatus, before.errorMessage ?? 'not sent', false);
    return 'already-done';
  }
}
