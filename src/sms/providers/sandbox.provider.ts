import { randomBytes } from 'node:crypto';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SandboxMessage } from '../sandbox/sandbox-message.entity';
import { NumberOwnership, OutboundSms, SendAccepted, SmsProvider } from './sms-provider';

/** Records every outbound SMS in PostgreSQL instead of sending it, and reports it delivered. */
export class SandboxProvider implements SmsProvider {
  readonly name = 'sandbox';

  constructor(@InjectRepository(SandboxMessage) private readonly sandboxMessages: Repository<SandboxMessage>) {}

  async send(message: OutboundSms): Promise<SendAccepted> {
    const sid = `SB${randomBytes(16).toString('hex')}`;
    await this.sandboxMessages.insert({
      sid,
      accountId: message.accountId,
      messageId: message.messageId,
      toNumber: message.to,
      fromNumber: message.from,
      body: message.body,
    });
    return { providerMessageId: sid, status: 'delivered', segments: null };
  }

  async findSent(message: OutboundSms): Promise<SendAccepted | null> {
    const found = await this.sandboxMessages.findOne({ where: { messageId: message.messageId } });
    return found ? { providerMessageId: found.sid, status: 'delivered', segments: null } : null;
  }

  /** The sandbox sends from any number. */
  async ownsNumber(): Promise<NumberOwnership> {
    return { owned: true };
  }
}
