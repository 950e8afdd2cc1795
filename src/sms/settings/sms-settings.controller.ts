import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminOnlyGuard, CurrentCaller, SmsCaller } from '../auth/caller';
import { toSmsSettingsResponse, UpdateSmsSettingsDto } from './sms-settings.dto';
import { SmsSettingsService } from './sms-settings.service';

@ApiTags('sms settings')
@ApiBearerAuth()
@UseGuards(AdminOnlyGuard)
@Controller('sms/settings')
export class SmsSettingsController {
  constructor(private readonly settings: SmsSettingsService) {}

  @Get()
  async get(@CurrentCaller() caller: SmsCaller) {
    return toSmsSettingsResponse(await this.settings.get(caller.accountId));
  }

  @Put()
  async update(@CurrentCaller() caller: SmsCaller, @Body() body: UpdateSmsSettingsDto) {
    return toSmsSettingsResponse(await this.settings.update(caller.accountId, body));
  }
}
