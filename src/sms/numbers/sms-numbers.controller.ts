import { Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminOnlyGuard, CurrentCaller, SmsCaller } from '../auth/caller';
import { CreateSmsNumberDto, toSmsNumberResponse } from './sms-number.dto';
import { SmsNumbersService } from './sms-numbers.service';

@ApiTags('sms numbers')
@ApiBearerAuth()
@Controller('sms/numbers')
export class SmsNumbersController {
  constructor(private readonly numbers: SmsNumbersService) {}

  @Post()
  @UseGuards(AdminOnlyGuard)
  async add(@CurrentCaller() caller: SmsCaller, @Body() body: CreateSmsNumberDto) {
    return toSmsNumberResponse(await this.numbers.add(caller.accountId, body));
  }

  @Get()
  async list(@CurrentCaller() caller: SmsCaller) {
    return (await this.numbers.list(caller.accountId)).map(toSmsNumberResponse);
  }
}
