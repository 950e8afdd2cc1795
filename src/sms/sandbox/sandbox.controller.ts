import { Controller, Get, Inject, NotFoundException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../core/api-docs';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { SandboxMessage } from './sandbox-message.entity';

@ApiTags('sms sandbox')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms/sandbox')
export class SandboxController {
  constructor(
    @InjectRepository(SandboxMessage) private readonly sandboxMessages: Repository<SandboxMessage>,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {}

  /** What the sandbox provider "sent", newest first. */
  @Get('messages')
  async list(@CurrentCaller() caller: SmsCaller) {
    if (this.options.provider !== 'sandbox') throw new NotFoundException('The sandbox provider is not in use');
    const rows = await this.sandboxMessages.find({
      where: { accountId: caller.accountId },
      order: { createdAt: 'DESC' },
      take: 200,
    });
    return rows.map((r) => ({
      sid: r.sid,
      messageId: r.messageId,
      to: r.toNumber,
      from: r.fromNumber,
      body: r.body,
      createdAt: r.createdAt,
    }));
  }
}
