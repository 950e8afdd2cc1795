import { randomBytes, randomUUID } from 'node:crypto';
import {
  BadRequestException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { MediaStorage } from '../media/media-storage';
import type { InboundMediaItem } from '../messages/sms-message.entity';
import { SmsNumbersService } from '../numbers/sms-numbers.service';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import type { SandboxInboundDto } from './inbound.dto';
import { InboundReceiver } from './inbound-receiver.service';

/** Plays a customer texting one of the account's numbers, through the same receiver and jobs as Twilio. */
@Injectable()
export class SandboxInbound {
  constructor(
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly numbers: SmsNumbersService,
    private readonly storage: MediaStorage,
    private readonly receiver: InboundReceiver,
  ) {}

  async simulate(accountId: string, input: SandboxInboundDto): Promise<{ messageId: string }> {
    const account = await this.gateway.getAccount(accountId);
    if (!account) throw new NotFoundException('No such account');
    const from = this.phone(input.from, account.defaultCountry, 'from');
    const to = this.phone(input.to, account.defaultCountry, 'to');
    const number = await this.numbers.findByNumber(to);
    if (!number || number.accountId !== accountId)
      throw new UnprocessableEntityException(`${to} is not one of this account's SMS numbers`);
    const files = (input.media ?? []).map((m, i) => {
      const bytes = Buffer.from(m.base64, 'base64');
      if (bytes.length === 0) throw new BadRequestException(`media[${i}] is empty`);
      return { bytes, contentType: m.contentType };
    });

    const messageId = randomUUID();
    const media: InboundMediaItem[] = [];
    for (const [position, file] of files.entries()) {
      // Stored raw under the message id; the media job cleans it like a download and then deletes it.
      const uploadKey = `uploads/${accountId}/${messageId}/${position}`;
      await this.storage.write(uploadKey, file.bytes);
      media.push({ url: null, contentType: file.contentType, uploadKey });
    }
    const received = await this.receiver.receive({
      provider: 'sandbox',
      providerMessageId: `SM${randomBytes(16).toString('hex')}`,
      from,
      to,
      body: input.body ?? '',
      media,
      messageId,
    });
    if (received.outcome !== 'stored')
      throw new UnprocessableEntityException(`${to} is not one of this account's SMS numbers`);
    return { messageId: received.messageId };
  }

  private phone(input: string, defaultCountry: string, field: string): string {
    const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry as CountryCode);
    if (!parsed?.isValid()) throw new UnprocessableEntityException(`${field}: "${input}" is not a valid phone number`);
    return parsed.number;
  }
}
