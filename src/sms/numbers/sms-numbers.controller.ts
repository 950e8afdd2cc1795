import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminOnlyGuard, CurrentCaller, SmsCaller } from '../auth/caller';
import { CreateSmsNumberDto, toSmsNumberResponse, UpdateSmsNumberDto } from './sms-number.dto';
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

  @Patch(':id')
  @UseGuards(AdminOnlyGuard)
  async update(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateSmsNumberDto) {
    return toSmsNumberResponse(await this.numbers.update(caller.accountId, id, body));
  }

  @Get()
  async list(@CurrentCaller() caller: SmsCaller) {
    return (await this.numbers.list(caller.accountId)).map(toSmsNumberResponse);
  }
}
