import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { SmsNumber } from './sms-number.entity';

export class CreateSmsNumberDto {
  @ApiProperty({ example: '+15550100199', description: 'With its country code' })
  @IsString()
  @IsNotEmpty()
  number!: string;

  @ApiProperty({ example: 'Front desk' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  label!: string;
}

export function toSmsNumberResponse(number: SmsNumber) {
  return { id: number.id, number: number.number, label: number.label, isDefault: number.isDefault, createdAt: number.createdAt };
}
