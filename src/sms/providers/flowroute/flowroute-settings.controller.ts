import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '../../core/api-docs';
import { AdminOnlyGuard, CurrentCaller, type SmsCaller, SmsCallerGuard } from '../../auth/caller';
import { SmsSettingsService } from '../../settings/sms-settings.service';
import {
  TestFlowrouteConnectionDto,
  toConnectionTestResponse,
  toFlowrouteSettingsResponse,
} from './flowroute-settings.dto';
import { FlowrouteSettings } from './flowroute-settings.service';

@ApiTags('sms settings')
@ApiBearerAuth()
@UseGuards(AdminOnlyGuard)
@UseGuards(SmsCallerGuard)
@Controller('sms/settings/flowroute')
export class FlowrouteSettingsController {
  constructor(
    private readonly flowroute: FlowrouteSettings,
    private readonly settings: SmsSettingsService,
  ) {}

  @Post('test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Checks Flowroute credentials (the given ones, else the saved ones) with a harmless authenticated request',
  })
  async test(@CurrentCaller() caller: SmsCaller, @Body() body: TestFlowrouteConnectionDto) {
    return toConnectionTestResponse(await this.flowroute.testConnection(caller.accountId, body.flowroute));
  }

  @Post('webhook-token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replaces the secret token in the Flowroute webhook URL; the old URL answers 404 at once' })
  async rotateWebhookToken(@CurrentCaller() caller: SmsCaller) {
    await this.flowroute.rotateWebhookToken(caller.accountId);
    return toFlowrouteSettingsResponse(this.flowroute.describe(await this.settings.get(caller.accountId)));
  }
}
