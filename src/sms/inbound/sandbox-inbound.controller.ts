import { Body, Controller, HttpCode, Inject, NotFoundException, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../core/api-docs';
import { CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { SandboxInboundDto } from './inbound.dto';
import { SandboxInbound } from './sandbox-inbound.service';

@ApiTags('sms sandbox')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms/sandbox')
export class SandboxInboundController {
  constructor(
    private readonly sandbox: SandboxInbound,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {}

  /** A customer's text (and pictures) to one of the account's numbers, processed like a real one; follow it at GET /api/sms/messages/:messageId. */
  @Post('inbound')
  @HttpCode(202)
  async inbound(@CurrentCaller() caller: SmsCaller, @Body() body: SandboxInboundDto) {
    if (this.options.provider !== 'sandbox') throw new NotFoundException('The sandbox provider is not in use');
    return this.sandbox.simulate(caller.accountId, body);
  }
}
