import { ApiProperty, ApiPropertyOptional } from '../../core/api-docs';
import { Type } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import type { ConnectionTest } from './flowroute.provider';
import type { FlowrouteSettingsView } from './flowroute-settings.service';

const KEY = /^[\x21-\x7e]+$/;

/** The account's Flowroute API credentials (Flowroute Manage → Preferences → API Control). */
export class FlowrouteCredentialsDto {
  @ApiProperty({ example: '38881230', description: 'Flowroute API access key (the basic-auth user name)' })
  @IsString()
  @MinLength(8, { message: 'flowroute.accessKey must be at least 8 characters' })
  @MaxLength(200)
  @Matches(KEY, { message: 'flowroute.accessKey may not contain spaces or non-ASCII characters' })
  accessKey!: string;

  @ApiProperty({ description: 'Flowroute API secret key; stored encrypted and never returned' })
  @IsString()
  @MinLength(8, { message: 'flowroute.secretKey must be at least 8 characters' })
  @MaxLength(200)
  @Matches(KEY, { message: 'flowroute.secretKey may not contain spaces or non-ASCII characters' })
  secretKey!: string;
}

export class TestFlowrouteConnectionDto {
  @ApiPropertyOptional({
    type: FlowrouteCredentialsDto,
    description: 'Credentials to try before saving them; the saved ones when absent',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => FlowrouteCredentialsDto)
  flowroute?: FlowrouteCredentialsDto;
}

export function toFlowrouteSettingsResponse(view: FlowrouteSettingsView | null) {
  return view
    ? { accessKey: view.accessKey, secretKey: view.secretKey, inboundUrl: view.inboundUrl, problem: view.problem }
    : null;
}

export function toConnectionTestResponse(test: ConnectionTest) {
  return { ok: test.ok, message: test.message };
}
