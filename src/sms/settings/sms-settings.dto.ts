import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import type { SmsSettings } from './sms-settings.entity';

export class UpdateSmsSettingsDto {
  @ApiPropertyOptional({ description: 'Send SMS for this account at all' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export function toSmsSettingsResponse(settings: SmsSettings) {
  const { accountId: _accountId, ...rest } = settings;
  return rest;
}
