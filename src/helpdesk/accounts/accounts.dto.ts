import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsDateString,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsTimeZone,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { getCountries } from 'libphonenumber-js';
import type { NumberAssignment } from '../../sms';

export class CreateAccountDto {
  @ApiProperty({ example: 'Acme IT' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  name!: string;

  @ApiPropertyOptional({
    description: 'When the subscription started (ISO 8601); add-on credits can be bought 30 days after',
  })
  @IsOptional()
  @IsDateString()
  subscribedAt?: string;

  @ApiPropertyOptional({ example: 'US', description: 'Country for phone numbers typed without +country code' })
  @IsOptional()
  @Length(2, 2)
  @IsIn(getCountries(), { message: 'defaultCountry must be an ISO 3166 country code such as US or GB' })
  defaultCountry?: string;

  @ApiPropertyOptional({ example: 'America/New_York' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ example: 'Ada Admin', description: 'Name of the first admin user' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  adminName?: string;

  @ApiPropertyOptional({ example: 'admin@acme.example' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  adminEmail?: string;
}

export class AssignNumberDto {
  @ApiProperty({ example: '+12025550100', description: "One of the platform's Twilio numbers, with its country code" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  number!: string;
}

export class GrantCreditsDto {
  @ApiProperty({ minimum: 1, maximum: 1_000_000, description: 'Add-on credits to give; they roll over' })
  @IsInt({ message: 'credits must be a whole number' })
  @Min(1)
  @Max(1_000_000)
  credits!: number;

  @ApiProperty({ example: 'Goodwill after the outage of 3 May' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export function toAssignmentResponse(assignment: NumberAssignment) {
  return {
    number: assignment.number,
    accountId: assignment.accountId,
    assignedAt: assignment.assignedAt,
    smsNumberId: assignment.smsNumberId,
  };
}
