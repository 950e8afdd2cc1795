import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class UpdateSmsSettingsDto {
  @ApiPropertyOptional({ description: 'Send SMS for this account at all' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
