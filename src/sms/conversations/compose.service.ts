import { BadRequestException, Inject, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CountryCode, parsePhoneNumberWithError, ParseError } from 'libphonenumber-js';
import { Repository } from 'typeorm';
import { SmsMessage } from '../messages/sms-message.entity';
import { SendingIdentity } from '../numbers/sending-identity.service';
import { SmsNumber } from '../numbers/sms-number.entity';
import { OptOutsService } from '../opt-outs/opt-outs.service';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsSettingsService } from '../settings/sms-settings.service';
import type { Viewer } from './conversation-access';
import { ConversationReplies } from './conversation-replies.service';
import type { ComposeDto } from './conversations.dto';
import { DROP_UNUSED_THREAD, OPEN_THREAD } from './conversations.queries';

/** A contact's phone typed by a member: E.164, or national in the account's country; 400 with the reason otherwise. */
export function parseContactPhone(input: string, defaultCountry: string): string {
  try {
    const parsed = parsePhoneNumberWithError(input.trim(), defaultCountry as CountryCode);
    if (!parsed.isValid()) throw new BadRequestException(`to: ${input} is not a valid phone number`);
    return parsed.number;
  } catch (e) {
    if (e instanceof ParseError)
      throw new BadRequestException(
        `to: ${input} is not a phone number (${e.message.toLowerCase().replace(/_/g, ' ')})`,
      );
    throw e;
  }
}

/**
 * Starting a text to any phone from a number the member may use, without waiting for the contact to write first:
 * the thread is opened (or found) and the text goes as a reply in it, so it is claimed, metered, scheduled and sent
 * exactly as a reply is. Refused before anything is written: an invalid phone (400), a number the member may not use
 * (403), an unverified number or SMS off (422), a contact who texted STOP (422).
 */
@Injectable()
export class ComposeService {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly senders: SendingIdentity,
    private readonly settings: SmsSettingsService,
    private readonly optOuts: OptOutsService,
    private readonly replies: ConversationReplies,
  ) {}

  async compose(viewer: Viewer, input: ComposeDto): Promise<{ conversationId: string; messages: SmsMessage[] }> {
    const account = await this.gateway.getAccount(viewer.accountId);
    const to = parseContactPhone(input.to, account?.defaultCountry ?? 'US');
    const opened = await this.messages.manager.transaction(async (tx) => {
      const automatic = input.fromNumberId
        ? null
        : await this.senders.automatic(tx, viewer.accountId, viewer.userId, to);
      if (automatic && 'skip' in automatic) throw new UnprocessableEntityException(automatic.skip);
      // The same checks for a number chosen automatically (the account's default may be a team's) as for one given.
      const fromNumberId = input.fromNumberId ?? (automatic as { number: SmsNumber }).number.id;
      const choice = await this.senders.chosen(tx, viewer.accountId, viewer.userId, fromNumberId);
      if ('skip' in choice) throw new UnprocessableEntityException(choice.skip);
      const { number } = choice;
      if (!(await this.settings.get(viewer.accountId, tx)).enabled)
        throw new UnprocessableEntityException('SMS is turned off for this account');
      if (await this.optOuts.isOptedOut(viewer.accountId, to, tx))
        throw new UnprocessableEntityException(`${to} texted STOP: nothing goes to this number until they text START`);
      const [row] = (await tx.query(OPEN_THREAD, [viewer.accountId, number.number, to])) as {
        id: string;
        created: boolean;
      }[];
      return row;
    });
    try {
      return { conversationId: opened.id, messages: await this.replies.reply(viewer, opened.id, input) };
    } catch (error) {
      if (opened.created) await this.messages.manager.query(DROP_UNUSED_THREAD, [opened.id]);
      throw error;
    }
  }
}
