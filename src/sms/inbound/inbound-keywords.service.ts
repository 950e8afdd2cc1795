import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SmsMessage } from '../messages/sms-message.entity';
import { KeywordKind } from '../opt-outs/opt-out-keywords';
import { OptOutsService } from '../opt-outs/opt-outs.service';
import { CustomerSummary, TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { MatchDecision, MatchRule } from './reply-matching';

export interface SmsKeyword {
  kind: KeywordKind;
  keyword: string;
}

/** Where a keyword text landed: a private note on the ticket a reply would have gone to, if any. */
export interface KeywordLanding {
  kind: 'opt_out' | 'opt_in';
  customerId: string | null;
  ticketId: string | null;
  commentId: string | null;
  rule: MatchRule | null;
  guess: false;
}

/** STOP and START as they land: the opt-out list changes, and the ticket gets a private note, never a comment. */
@Injectable()
export class InboundKeywords {
  constructor(
    private readonly optOuts: OptOutsService,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
  ) {}

  /** STOP always lands as a keyword; START only from an opted-out phone (otherwise it is a reply). HELP is a reply. */
  async landsAsKeyword(tx: EntityManager, message: SmsMessage, keyword: SmsKeyword | null): Promise<boolean> {
    if (keyword === null) return false;
    if (keyword.kind === 'opt_out') return true;
    return keyword.kind === 'opt_in' && this.optOuts.isOptedOut(message.accountId, message.fromNumber!, tx);
  }

  /** STOP records the opt-out, START removes it; either leaves a private note where a reply would have gone. */
  async land(
    tx: EntityManager,
    message: SmsMessage,
    keyword: SmsKeyword,
    customers: CustomerSummary[],
    decision: MatchDecision | null,
    now: Date,
  ): Promise<KeywordLanding> {
    const { accountId } = message;
    const phone = message.fromNumber!;
    let note: string;
    if (keyword.kind === 'opt_out') {
      const changed = await this.optOuts.optOut(tx, {
        accountId,
        phone,
        keyword: keyword.keyword,
        messageId: message.id,
        at: now,
      });
      note = changed
        ? `The customer texted ${keyword.keyword} from ${phone}: no more texts go to this number until they text START.`
        : `The customer texted ${keyword.keyword} again from ${phone}; texts to this number stay off until they text START.`;
    } else {
      await this.optOuts.optIn(tx, accountId, phone);
      note = `The customer texted ${keyword.keyword} from ${phone}: texts to this number are back on.`;
    }
    const kind = keyword.kind === 'opt_out' ? 'opt_out' : 'opt_in';
    if (customers.length === 0)
      return { customerId: null, ticketId: null, commentId: null, rule: null, guess: false, kind };
    if (!decision?.ticket)
      return { customerId: customers[0].id, ticketId: null, commentId: null, rule: null, guess: false, kind };
    const { commentId } = await this.gateway.addPrivateNote(accountId, decision.ticket.id, note, tx);
    return {
      customerId: decision.ticket.customerId,
      ticketId: decision.ticket.id,
      commentId,
      rule: decision.rule,
      guess: false,
      kind,
    };
  }
}
