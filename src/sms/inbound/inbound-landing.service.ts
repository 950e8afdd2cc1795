import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AfterHoursService } from '../after-hours/after-hours.service';
import { Clock } from '../clock/clock';
import { InboundMediaService } from '../media/inbound-media.service';
import { SmsMessage } from '../messages/sms-message.entity';
import { smsKeyword } from '../opt-outs/opt-out-keywords';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { InboundQueries } from './inbound.queries';
import { InboundKind, InboundRouting, Landing, Turn } from './inbound-routing.service';
import { LATER, whoseTurn } from './inbound-turns';
import { MatchRule } from './reply-matching';

export type InboundOutcome =
  | { outcome: 'already-done' }
  | { outcome: 'processed'; kind: InboundKind; ticketId: string | null; rule: MatchRule | null; guess: boolean };

export type BatchOutcome = InboundOutcome | typeof LATER;

/**
 * Lands inbound texts, each exactly once: the message rows are locked and must still be `received`, and the
 * comments, the tickets' status and the rows' new state commit together. Texts from one phone to one account are
 * processed one at a time (one per batch, under the contact's lock: see `inbound-turns.ts`), so a new number texting
 * twice at once still becomes one customer. A batch runs the same statements as a single text (one of each, for every
 * text of it).
 */
@Injectable()
export class InboundLanding {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly queries: InboundQueries,
    private readonly routing: InboundRouting,
    private readonly settings: SmsSettingsService,
    private readonly media: InboundMediaService,
    private readonly afterHours: AfterHoursService,
    private readonly clock: Clock,
  ) {}

  /**
   * Lands the texts in one transaction, answering for each in the order given: `LATER` for a text whose contact has
   * an earlier text to land first (it must be processed again, in a later batch). A single text is a batch of one.
   */
  async land(messageIds: string[]): Promise<BatchOutcome[]> {
    const now = this.clock.now();
    // Everything is read under the row locks: a second run of the same job waits here, then finds its text processed.
    const done = await this.messages.manager.transaction(async (tx) => {
      const { turns, later } = await whoseTurn(tx, this.queries, await this.queries.lock(tx, messageIds), messageIds);
      const batch = turns.map((text): Turn => {
        const { message, settings } = text.read();
        return {
          message,
          settings: this.settings.remember(tx, message.accountId, settings),
          anyAfterHoursReplyOn: text.afterHoursOn,
          keyword: smsKeyword(message.body),
          media: [],
        };
      });
      const landings = await this.routing.route(tx, batch, now);
      await this.queries.markProcessed(
        tx,
        landings.map((landing, i) => ({ id: batch[i].message.id, ...landing })),
      );
      return { batch, landings, later };
    });

    const outcomes = new Map<string, InboundOutcome>();
    for (const [i, turn] of done.batch.entries()) {
      const landing = done.landings[i];
      await this.afterCommit(turn, landing);
      outcomes.set(turn.message.id, {
        outcome: 'processed',
        kind: landing.kind,
        ticketId: landing.ticketId,
        rule: landing.rule,
        guess: landing.guess,
      });
    }
    return messageIds.map((id) => outcomes.get(id) ?? (done.later.has(id) ? LATER : { outcome: 'already-done' }));
  }

  /** After the last retry: the text stays visible (triage lists failed texts) with the reason. */
  giveUp(messageId: string, reason: string): Promise<void> {
    return this.queries.markFailed(messageId, reason);
  }

  /** Talking to the outside world waits for the commit: the comment already references our copies. */
  private async afterCommit({ message, settings, media, anyAfterHoursReplyOn }: Turn, landing: Landing): Promise<void> {
    // While closed, a customer's text gets the after-hours reply of the level that applies (at most once per window).
    if (landing.kind === 'reply') {
      await this.afterHours.onInbound({
        accountId: message.accountId,
        businessNumber: message.toNumber!,
        contactPhone: message.fromNumber!,
        ticketId: landing.ticketId,
        receivedAt: message.createdAt,
        anyReplyOn: anyAfterHoursReplyOn,
      });
    }
    if (settings.deleteProviderMedia && media.length > 0) await this.media.deleteAtProvider(message);
  }
}
