import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { In, MoreThan, Not, Repository } from 'typeorm';
import { columnList, hydrate, hydratePrefixed, prefixedColumnList } from '../core/hydrate';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { Clock } from '../clock/clock';
import { ConversationsService } from '../conversations/conversations.service';
import { CreditGate, olderHeld } from '../credits/credit-gate.service';
import {
  IN_PROCESS_WAIT_MS,
  PROVIDER_429_BACKOFF_MS,
  ProviderRateLimiter,
  SendThrottledError,
} from '../providers/provider-rate-limiter';
import { ProviderResolver } from '../providers/provider-resolver';
import {
  OutboundSms,
  SendAccepted,
  SendAmbiguousError,
  SendRefusedError,
  SendRetryableError,
  SmsProvider,
} from '../providers/sms-provider';
import { SmsMetrics } from '../metrics/sms-metrics.service';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { MessageQueue } from './message-queue.service';
import { OutboundStatus, statusesBelow, WAITING_STATUSES } from './message-status';
import { SmsMessage } from './sms-message.entity';
import { SmsNumber } from '../numbers/sms-number.entity';
import { notVerified } from '../numbers/sms-numbers.service';
import { SmsSettings } from '../settings/sms-settings.entity';
import { SmsSettingsService } from '../settings/sms-settings.service';

/** A message row as the send job reads it, with the answers its gates need (`SendPipeline.load`). */
export interface LoadedMessage {
  row: SmsMessage;
  /** Whether the row's `to` number opted out of the account's texts (STOP). */
  optedOut: boolean;
  /** The account's number the row goes from; null when it is not (or no longer) one of the account's numbers. */
  sender: SmsNumber | null;
  settings: SmsSettings;
}

// The claim: pending → submitting, at most once. With the credit gate's condition (`olderHeld`) when it asks.
const claimText = (notBehindHeld: boolean) =>
  `UPDATE sms_messages SET status = 'submitting', submitted_at = $2, attempts = attempts + 1, provider = $3, updated_at = now()
   WHERE id = $1 AND status = 'pending'${notBehindHeld ? ` AND NOT EXISTS (${olderHeld('$1', '$4', '$5')})` : ''} RETURNING id`;
const CLAIM: PreparedStatement = { name: 'sms-send-claim', text: claimText(false) };
const CLAIM_NOT_BEHIND_HELD: PreparedStatement = { name: 'sms-send-claim-not-behind-held', text: claimText(true) };
// The provider took the text. A status callback may already have moved the row further; never move it back ($5: the
// statuses below the accepted one, $6).
const ACCEPTED: PreparedStatement = {
  name: 'sms-send-accepted',
  text: `UPDATE sms_messages SET provider_message_id = $2, provider = $3, segments = $4, error_code = NULL, error_message = NULL,
           status = CASE WHEN status = ANY($5::text[]) THEN $6::text ELSE status END, updated_at = now()
         WHERE id = $1`,
};

/** `held`: waits for credits; `waiting`: a later part of a split text waits for the part before it to be accepted. */
export type SendOutcome = 'sent' | 'already-done' | 'refused' | 'reconciled' | 'held' | 'waiting';

/**
 * Hands one message row to the provider, at most once. The row moves `pending → submitting` atomically
 * before the provider call, so two workers never both send it, and a row found in `submitting` (a crash
 * or an ambiguous failure mid-call) is looked up at the provider before anything is sent again.
 */
@Injectable()
export class SendPipeline {
  private readonly logger = new Logger(SendPipeline.name);

  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly providers: ProviderResolver,
    private readonly rateLimiter: ProviderRateLimiter,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
    private readonly clock: Clock,
    private readonly credits: CreditGate,
    private readonly queue: MessageQueue,
    private readonly settings: SmsSettingsService,
    private readonly conversations: ConversationsService,
    private readonly metrics: SmsMetrics,
  ) {
    const manager = messages.manager;
    // Prepared, as the statements below: every send job runs it.
    this.loadStatement = {
      name: 'sms-send-load',
      text: `SELECT ${prefixedColumnList(manager, SmsMessage, 'm', 'm.')}, ${prefixedColumnList(manager, SmsNumber, 'n', 'n.')},
               ${prefixedColumnList(manager, SmsSettings, 's', 's.')},
               EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.account_id = m.account_id AND o.phone = m.to_number) AS opted_out
             FROM sms_messages m
             LEFT JOIN sms_numbers n ON n.account_id = m.account_id AND n.number = m.from_number
             LEFT JOIN sms_settings s ON s.account_id = m.account_id
             WHERE m.id = $1`,
    };
    this.partStatement = {
      name: 'sms-send-part',
      text: `SELECT ${columnList(manager, SmsMessage)} FROM sms_messages WHERE account_id = $1 AND send_id = $2 AND part_index = $3`,
    };
  }

  private readonly loadStatement: PreparedStatement;
  /** One part of a split text, by its index. */
  private readonly partStatement: PreparedStatement;

  /**
   * The message row with what the send job's gates ask about it, in one statement: whether its `to` opted out, its
   * sender number (scoped to the row's account) and the account's SMS settings. null: no such row.
   */
  async load(messageId: string): Promise<LoadedMessage | null> {
    const db = this.messages.manager;
    const [found] = await runPrepared(db, this.loadStatement, [messageId]);
    if (!found) return null;
    const row = hydratePrefixed(db, SmsMessage, found, 'm.')!;
    return {
      row,
      optedOut: found.opted_out as boolean,
      sender: hydratePrefixed(db, SmsNumber, found, 'n.'),
      settings: this.settings.orDefaults(row.accountId, hydratePrefixed(db, SmsSettings, found, 's.')),
    };
  }

  /** `given`: the row as the job loaded it (`load`) and the business-hours gate left it. */
  async send(messageId: string, given?: LoadedMessage | null): Promise<SendOutcome> {
    // A scheduled row the gate could not release (it changed meanwhile) is read again, as it stands now.
    const loaded = given && given.row.status !== 'scheduled' ? given : await this.load(messageId);
    const row = loaded?.row;
    if (!loaded || !row || row.direction !== 'outbound') return 'already-done';

    if (row.status === 'submitting') return this.resume(row);
    if (row.status !== 'pending') return 'already-done';
    if (await this.optedOut(row, loaded.optedOut)) return 'refused';
    if (await this.unverifiedSender(row, loaded.sender)) return 'refused';

    const turn = await this.partTurn(row);
    if (turn !== 'go') return turn;

    // The provider in force now, not when the text was written: a text that waited goes out the account's current way.
    const provider = await this.providers.forAccount(row.accountId, loaded.settings);
    await this.throttle(provider, row);
    // Whether credits are spent follows the provider the text is handed to (an account's own provider is not metered).
    row.provider = provider.name;
    // The credit gate commits the debit in the claim's transaction, or holds the row when credits are short.
    const claim = await this.credits.claim(row, async (tx, notBehindHeld) => {
      const base = [row.id, this.clock.now(), provider.name];
      const claimed = await (notBehindHeld
        ? runPrepared(tx, CLAIM_NOT_BEHIND_HELD, [...base, row.accountId, row.sendId])
        : runPrepared(tx, CLAIM, base));
      return claimed.length === 1;
    });
    if (claim === 'held') {
      this.metrics.text('outbound', 'held_no_credit', provider.name);
      return 'held';
    }
    if (claim !== 'claimed') return 'already-done';
    return this.handOver(row, provider);
  }

  /** The last attempt stopped mid-call: send only if the provider has no trace of the message. */
  private async resume(row: SmsMessage): Promise<SendOutcome> {
    const since = row.submittedAt ?? row.createdAt;
    // Asked of the provider it was handed to, even if the account has switched since: only that one can have sent it.
    const provider = await this.providers.named(row.accountId, row.provider);
    // The same text may have gone to the same number before: a message another row already owns is not this one.
    const isTaken = (providerMessageId: string) =>
      this.messages.exists({ where: { provider: provider.name, providerMessageId, id: Not(row.id) } });
    const found = await provider.findSent(this.outbound(row), since, isTaken);
    if (found) {
      await this.accepted(row, found, provider);
      this.metrics.text('outbound', 'sent', provider.name);
      return 'reconciled';
    }
    await this.throttle(provider, row);
    await this.messages.update(
      { id: row.id, status: 'submitting' },
      { attempts: () => 'attempts + 1', submittedAt: this.clock.now() },
    );
    return this.handOver(row, provider);
  }

  /**
   * Waits for the provider account's next send slot (Flowroute: 5 SMS/s): briefly here, else the job is delayed to it.
   */
  private async throttle(provider: SmsProvider, row: SmsMessage): Promise<void> {
    const limit = provider.rateLimit?.(this.outbound(row));
    if (!limit) return;
    const waitMs = await this.rateLimiter.reserve(limit, row.id);
    if (waitMs > IN_PROCESS_WAIT_MS) throw new SendThrottledError(waitMs);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  private async handOver(row: SmsMessage, provider: SmsProvider): Promise<SendOutcome> {
    const limit = provider.rateLimit?.(this.outbound(row));
    if (limit) await this.rateLimiter.admit(limit, row.id);
    const called = this.metrics.sendStarted(provider.name);
    try {
      const accepted = await provider.send(this.outbound(row));
      called('accepted');
      await this.accepted(row, accepted, provider);
      this.metrics.text('outbound', 'sent', provider.name);
      return 'sent';
    } catch (e) {
      called(e instanceof SendRefusedError ? 'refused' : e instanceof SendRetryableError ? 'retryable' : 'ambiguous');
      if (e instanceof SendRefusedError) {
        const status: OutboundStatus = e.optedOut ? 'opted_out' : 'failed';
        this.metrics.text('outbound', status, provider.name);
        // The refusal proves nothing was sent: refunded, and the rest of a split text ends the same way.
        await this.endRest(row, status, e.message, true, { errorCode: e.code, errorMessage: e.message });
        this.logger.warn({ messageId: row.id, code: e.code }, `provider refused the SMS: ${e.message}`);
        return 'refused';
      }
      if (e instanceof SendRetryableError) {
        // Nothing went out: the row waits again and the job retries with backoff.
        await this.messages.update(
          { id: row.id, status: 'submitting' },
          { status: 'pending', errorCode: e.code, errorMessage: e.message },
        );
        // A rate-limited provider account that says 429 holds its other texts back too, not only this one.
        if (limit && e.code === '429') await this.rateLimiter.backOff(limit, PROVIDER_429_BACKOFF_MS);
        throw e;
      }
      const ambiguous = e instanceof SendAmbiguousError ? e : new SendAmbiguousError((e as Error).message, null);
      // The row stays `submitting`; the retry looks the message up before sending again.
      await this.messages.update({ id: row.id }, { errorCode: ambiguous.code, errorMessage: ambiguous.message });
      throw ambiguous;
    }
  }

  private async accepted(row: SmsMessage, accepted: SendAccepted, provider: SmsProvider): Promise<void> {
    await runPrepared(this.messages.manager, ACCEPTED, [
      row.id,
      accepted.providerMessageId,
      provider.name,
      accepted.segments ?? row.segments,
      statusesBelow(accepted.status),
      accepted.status,
    ]);
    await this.rememberInConversation(row);
    if (row.partIndex < row.partCount) await this.enqueueNextPart(row);
  }

  /** A later part of a split text goes only once the provider accepted the part before it (which then enqueues it). */
  private async partTurn(row: SmsMessage): Promise<'go' | 'waiting' | 'already-done'> {
    if (row.partIndex <= 1) return 'go';
    const previous = await this.part(row, row.partIndex - 1);
    if (!previous || previous.providerMessageId) return 'go';
    if (previous.status === 'submitting' || WAITING_STATUSES.includes(previous.status as OutboundStatus))
      return 'waiting';
    // The part before ended unsent (a crash came between its refusal and ending the parts after it).
    await this.endRest(previous, previous.status as OutboundStatus, previous.errorMessage ?? 'not sent', false);
    return 'already-done';
  }

  private async enqueueNextPart(row: SmsMessage): Promise<void> {
    const next = await this.part(row, row.partIndex + 1);
    if (next) await this.queue.requeue([next.id]);
  }

  /** The part `partIndex` of the split text `row` belongs to, in the row's account. */
  private async part(row: SmsMessage, partIndex: number): Promise<SmsMessage | null> {
    const db = this.messages.manager;
    const [found] = await runPrepared(db, this.partStatement, [row.accountId, row.sendId, partIndex]);
    return found ? hydrate(db, SmsMessage, found) : null;
  }

  /**
   * A part ended unsent: it (with `ending`, when given) and the parts after it end with `status`, and what was never
   * handed over is refunded, in one transaction.
   */
  private async endRest(
    row: SmsMessage,
    status: OutboundStatus,
    reason: string,
    refundThisPart: boolean,
    ending?: Partial<SmsMessage>,
  ): Promise<void> {
    const later =
      row.partIndex < row.partCount
        ? await this.messages.find({
            select: { id: true },
            where: {
              accountId: row.accountId,
              sendId: row.sendId,
              partIndex: MoreThan(row.partIndex),
              status: In(WAITING_STATUSES),
            },
          })
        : [];
    const laterIds = later.map((l) => l.id);
    await this.credits.refund(row.accountId, refundThisPart ? [row.id, ...laterIds] : laterIds, async (tx) => {
      if (ending) await tx.getRepository(SmsMessage).update({ id: row.id }, { ...ending, status });
      if (laterIds.length === 0) return;
      await tx
        .getRepository(SmsMessage)
        .update(
          { id: In(laterIds), status: In(WAITING_STATUSES) },
          { status, errorMessage: `Part ${row.partIndex} of ${row.partCount} was not sent: ${reason}` },
        );
    });
  }

  /**
   * The customer texted STOP (`optedOut`, read with the row): the row ends `opted_out` before any provider call or
   * credit.
   */
  private async optedOut(row: SmsMessage, optedOut: boolean): Promise<boolean> {
    if (!row.toNumber || !optedOut) return false;
    const reason = 'The customer opted out of texts (STOP); nothing goes to this number until they text START';
    await this.messages.update({ id: row.id, status: 'pending' }, { status: 'opted_out', errorMessage: reason });
    this.metrics.text('outbound', 'opted_out', row.provider ?? 'unknown');
    return true;
  }

  /**
   * Only verified numbers send: a row from a number that is not (or no longer) a verified number of the account ends
   * `failed`, unsent and uncharged.
   */
  private async unverifiedSender(row: SmsMessage, number: SmsNumber | null): Promise<boolean> {
    if (number?.verifiedAt) return false;
    const reason = number
      ? notVerified(number)
      : `${row.fromNumber ?? 'The sender'} is no longer one of the account's SMS numbers`;
    // It and the parts after it end unsent; whatever a split text already paid is refunded.
    await this.endRest(row, 'failed', reason, true, { errorMessage: reason });
    this.metrics.text('outbound', 'failed', row.provider ?? 'unknown');
    return true;
  }

  /**
   * Replies in this conversation now go to this ticket (reply matching), counted from when the provider took the text.
   */
  private async rememberInConversation(row: SmsMessage): Promise<void> {
    if (!row.ticketId || !row.fromNumber || !row.toNumber) return;
    await this.conversations.recordOutbound({
      accountId: row.accountId,
      businessNumber: row.fromNumber,
      contactPhone: row.toNumber,
      ticketId: row.ticketId,
      at: this.clock.now(),
    });
  }

  /** After the last retry: the row is failed for good, with the last reason kept. */
  async giveUp(messageId: string, reason: string): Promise<void> {
    const row = await this.messages.findOne({ where: { id: messageId } });
    const gaveUp = await this.messages.update(
      { id: messageId, status: In(['pending', 'submitting']) },
      { status: 'failed', errorMessage: reason },
    );
    // Still `pending` means the provider never took it (429s, refused connections): refunded. `submitting` may have
    // gone out.
    if (row && gaveUp.affected === 1) {
      await this.endRest(row, 'failed', reason, row.status === 'pending');
      this.metrics.text('outbound', 'failed', row.provider ?? 'unknown');
    }
  }

  private outbound(row: SmsMessage): OutboundSms {
    return {
      messageId: row.id,
      accountId: row.accountId,
      to: row.toNumber!,
      from: row.fromNumber!,
      body: row.body,
    };
  }
}

export { UnrecoverableError };
