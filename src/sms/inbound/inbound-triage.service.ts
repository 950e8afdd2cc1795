import { ConflictException, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { textVisibleSql, viewerParams } from '../conversations/conversation-access';
import { SmsMedia } from '../media/sms-media.entity';
import { SmsMessage } from '../messages/sms-message.entity';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { toTriageItemResponse } from './inbound.dto';
import { replyAttachments, replyCommentBody } from './reply-comment';

const TRIAGE_LIMIT = 200;

/** Who reads texts: the caller as the module knows them. */
interface TextReader {
  accountId: string;
  userId: string;
  role: 'admin' | 'technician';
}

/** What technicians do with inbound replies: look at the ones the rules were unsure of, and move them. */
@Injectable()
export class InboundTriage {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @InjectRepository(SmsMedia) private readonly media: Repository<SmsMedia>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly clock: Clock,
  ) {}

  /** The reader's visibility over texts, as SQL over `m` with its parameters. */
  private async visible(reader: TextReader): Promise<[string, Record<string, unknown>]> {
    const teamIds =
      reader.role === 'admin' ? [] : ((await this.gateway.getUser(reader.accountId, reader.userId))?.teamIds ?? []);
    const viewer = { ...reader, teamIds };
    return [textVisibleSql(viewer), viewerParams(viewer, this.clock.now())];
  }

  /**
   * Moves a reply, with its comment and attachments, to another ticket of the customer who sent it; a reply
   * waiting in triage gets its comment there. Moving it to the ticket it is on confirms a guess.
   */
  async move(reader: TextReader, messageId: string, ticketId: string): Promise<SmsMessage> {
    const accountId = reader.accountId;
    const [visible, params] = await this.visible(reader);
    const mayRead = await this.messages
      .createQueryBuilder('m')
      .where('m.id = :messageId', { messageId })
      .andWhere(visible, params)
      .getExists();
    if (!mayRead) throw new NotFoundException('No such inbound SMS in this account');
    return this.messages.manager.transaction(async (tx) => {
      const repo = tx.getRepository(SmsMessage);
      const message = await repo.findOne({
        where: { accountId, id: messageId, direction: 'inbound' },
        lock: { mode: 'pessimistic_write' },
      });
      if (!message) throw new NotFoundException('No such inbound SMS in this account');
      if (message.kind !== 'reply' && message.kind !== 'help') {
        throw new UnprocessableEntityException(
          `Only a customer's reply can be moved; this text was the ${message.kind.replace('_', '-')} keyword "${message.body.trim()}"`,
        );
      }
      if (message.status === 'received')
        throw new ConflictException('This text is still being processed; try again in a moment');
      if (message.status !== 'processed')
        throw new ConflictException(
          `This text could not be processed (${message.errorMessage ?? message.status}) and cannot be moved`,
        );
      const target = await this.gateway.findTicket(accountId, { id: ticketId }, tx);
      if (!target) throw new NotFoundException('No such ticket in this account');
      if (!message.customerId || target.customerId !== message.customerId) {
        throw new UnprocessableEntityException(
          `Ticket #${target.number} belongs to another customer; a reply can only move to a ticket of the customer who sent it`,
        );
      }

      let commentId = message.commentId;
      if (commentId && message.ticketId !== target.id) {
        await this.gateway.moveComment(accountId, commentId, target.id, tx);
      } else if (!commentId) {
        const media = await tx
          .getRepository(SmsMedia)
          .find({ where: { messageId: message.id }, order: { position: 'ASC' } });
        ({ commentId } = await this.gateway.addCustomerComment(
          accountId,
          {
            ticketId: target.id,
            customerId: message.customerId,
            body: replyCommentBody(message.body, media),
            attachments: replyAttachments(media),
          },
          tx,
        ));
      }
      await repo.update({ id: message.id }, { ticketId: target.id, commentId, matchRule: 'manual', matchGuess: false });
      return repo.findOneByOrFail({ id: message.id });
    });
  }

  /** Guessed tickets, replies no ticket took, and texts whose processing failed: newest first. */
  async triage(reader: TextReader) {
    const accountId = reader.accountId;
    const [visible, params] = await this.visible(reader);
    const rows = await this.messages
      .createQueryBuilder('m')
      .where('m.accountId = :accountId', { accountId })
      // Only texts of threads the reader sees (see conversation-access).
      .andWhere(visible, params)
      // Same predicate as the partial index on sms_messages, so only these rows are read.
      .andWhere("m.direction = 'inbound' AND (m.match_guess OR m.match_rule = 'triage' OR m.status = 'failed')")
      .orderBy('m.createdAt', 'DESC')
      .take(TRIAGE_LIMIT)
      .getMany();
    const media =
      rows.length > 0
        ? await this.media.find({ where: { messageId: In(rows.map((r) => r.id)) }, order: { position: 'ASC' } })
        : [];
    const items: ReturnType<typeof toTriageItemResponse>[] = [];
    for (const row of rows) {
      const candidates = row.customerId ? await this.gateway.listOpenTickets(accountId, row.customerId) : [];
      items.push(
        toTriageItemResponse(
          row,
          media.filter((m) => m.messageId === row.id),
          candidates,
        ),
      );
    }
    return { messages: items };
  }
}
