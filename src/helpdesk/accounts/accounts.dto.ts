import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsNotEmpty, IsOptional, IsString, IsTimeZone, Length, MaxLength } from 'class-validator';
import { getCountries } from 'libphonenumber-js';

export class CreateAccountDto {
  @ApiProperty({ example: 'Acme IT' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  name!: string;

  @ApiPropertyOptional({ description: 'When the subscription started (ISO 8601); add-on credits can be bought 30 days after' })
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
