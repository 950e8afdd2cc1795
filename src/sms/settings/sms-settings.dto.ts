import { ApiPropertyOptional } from '../core/api-docs';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { BusinessHoursDto } from '../schedule/business-hours.dto';
import type { BusinessHours } from '../schedule/business-hours';
import type { SplitMode } from '../segments/segments';
import { FlowrouteCredentialsDto, toFlowrouteSettingsResponse } from '../providers/flowroute/flowroute-settings.dto';
import type { FlowrouteSettingsView } from '../providers/flowroute/flowroute-settings.service';
import type { AccountProvider, SmsSettings } from './sms-settings.entity';

export class UpdateSmsSettingsDto {
  @ApiPropertyOptional({ description: 'Send SMS for this account at all' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description: 'Typographic quotes, dashes and ellipses become GSM-7 characters before counting and sending',
  })
  @IsOptional()
  @IsBoolean()
  smartEncoding?: boolean;

  @ApiPropertyOptional({
    enum: ['split', 'concatenate'],
    description: 'split: several one-segment SMS with a (1/3) counter; concatenate: one carrier-joined SMS',
  })
  @IsOptional()
  @IsIn(['split', 'concatenate'], { message: 'splitMode must be split or concatenate' })
  splitMode?: SplitMode;

  // Checked by validateBusinessHours (422 listing every problem), not field by field here.
  @ApiPropertyOptional({
    type: BusinessHoursDto,
    nullable: true,
    description: 'null: Monday–Friday 09:00–17:00 in the account time zone',
  })
  @IsOptional()
  @IsObject()
  businessHours?: BusinessHours | null;

  @ApiPropertyOptional({ description: 'Hold texts written while closed until the next opening' })
  @IsOptional()
  @IsBoolean()
  businessHoursOnly?: boolean;

  @ApiPropertyOptional({ description: 'Let technicians send while closed with sendNow (admins always may)' })
  @IsOptional()
  @IsBoolean()
  allowSendNow?: boolean;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 365,
    description: 'A reply goes to the ticket of the last SMS sent to that phone within this many days',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  replyWindowDays?: number;

  @ApiPropertyOptional({
    enum: ['new_ticket', 'triage'],
    description: "A known customer's reply with no open ticket: open a new ticket, or wait in GET /api/sms/triage",
  })
  @IsOptional()
  @IsIn(['new_ticket', 'triage'])
  unmatchedReplies?: 'new_ticket' | 'triage';

  @ApiPropertyOptional({ description: 'Delete MMS media at the provider once our copy is stored' })
  @IsOptional()
  @IsBoolean()
  deleteProviderMedia?: boolean;

  @ApiPropertyOptional({
    enum: ['platform', 'flowroute'],
    description:
      "platform: the service's own provider, paid with credits; flowroute: the account's own Flowroute account (not metered)",
  })
  @IsOptional()
  @IsIn(['platform', 'flowroute'], { message: 'provider must be platform or flowroute' })
  provider?: AccountProvider;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1440,
    description:
      'Shared and team numbers: a reply claims the conversation for this many minutes after the holder last acted',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1440)
  claimTimeoutMinutes?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1440,
    description: 'Direct numbers: a text unanswered this many minutes is missed',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1440)
  responseTimeMinutes?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 100,
    description:
      'Consecutive missed direct conversations that make an agent missed (their texts then also reach their team)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  missedThreshold?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 100,
    description: 'Consecutive claims left to lapse without a reply that make an agent unresponsive',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  unresponsiveThreshold?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 720,
    description: 'Session report: a conversation idle this many hours starts a new session',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(720)
  sessionGapHours?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 10080,
    default: 1440,
    description:
      'A reply to a contact who texted within this many minutes goes at once, even outside business hours (0: replies wait for the hours too)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10080)
  liveReplyWindowMinutes?: number;

  @ApiPropertyOptional({
    type: FlowrouteCredentialsDto,
    nullable: true,
    description: 'Flowroute access key and secret key: stored encrypted, returned masked; null removes them',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => FlowrouteCredentialsDto)
  flowroute?: FlowrouteCredentialsDto | null;
}

export function toSmsSettingsResponse(settings: SmsSettings, flowroute?: FlowrouteSettingsView | null) {
  // Sealed credentials, the sealed webhook token and its digest never leave the service; `flowroute` shows them masked.
  const {
    accountId: _accountId,
    flowrouteCredentials: _credentials,
    flowrouteWebhookToken: _token,
    flowrouteWebhookTokenHash: _digest,
    ...rest
  } = settings;
  return { ...rest, flowroute: toFlowrouteSettingsResponse(flowroute ?? null) };
}
