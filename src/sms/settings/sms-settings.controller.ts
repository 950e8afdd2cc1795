import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminOnlyGuard, CurrentCaller, SmsCaller } from '../auth/caller';
import { UpdateSmsSettingsDto } from './sms-settings.dto';
import { SmsSettingsService } from './sms-settings.service';

@ApiTags('sms settings')
@ApiBearerAuth()
@UseGuards(AdminOnlyGuard)
@Controller('sms/settings')
export class SmsSettingsController {
  constructor(private readonly settings: SmsSettingsService) {}

  @Get()
  get(@CurrentCaller() caller: SmsCaller) {
    return this.settings.get(caller.accountId);
  }

  @Put()
  update(@CurrentCaller() caller: SmsCaller, @Body() body: UpdateSmsSettingsDto) {
    return this.settings.update(caller.accountId, body);
  }
}
