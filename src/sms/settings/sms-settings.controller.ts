import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../core/api-docs';
import { AdminOnlyGuard, CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { FlowrouteSettings } from '../providers/flowroute/flowroute-settings.service';
import { BusinessHoursService } from '../schedule/business-hours.service';
import { SendSchedule } from '../schedule/send-schedule.service';
import type { SmsSettings } from './sms-settings.entity';
import { toSmsSettingsResponse, UpdateSmsSettingsDto } from './sms-settings.dto';
import { SmsSettingsService } from './sms-settings.service';

@ApiTags('sms settings')
@ApiBearerAuth()
@UseGuards(AdminOnlyGuard)
@UseGuards(SmsCallerGuard)
@Controller('sms/settings')
export class SmsSettingsController {
  constructor(
    private readonly settings: SmsSettingsService,
    private readonly businessHours: BusinessHoursService,
    private readonly schedule: SendSchedule,
    private readonly flowroute: FlowrouteSettings,
  ) {}

  @Get()
  async get(@CurrentCaller() caller: SmsCaller) {
    return this.respond(caller.accountId, await this.settings.get(caller.accountId));
  }

  @Put()
  async update(@CurrentCaller() caller: SmsCaller, @Body() body: UpdateSmsSettingsDto) {
    const changes = await this.businessHours.prepare(caller.accountId, body);
    const saved = await this.settings.update(caller.accountId, { ...changes, flowroute: body.flowroute });
    if (BusinessHoursService.movesSchedule(changes)) await this.schedule.replan(caller.accountId);
    return this.respond(caller.accountId, saved);
  }

  /** The settings with the hours in force, whether open now and the next change. */
  private async respond(accountId: string, settings: SmsSettings) {
    return {
      ...toSmsSettingsResponse(settings, this.flowroute.describe(settings)),
      ...(await this.businessHours.describe(accountId, settings)),
    };
  }
}
