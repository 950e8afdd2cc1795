import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { Customer } from './customer.entity';
import { PHONE_TYPES, PhoneType } from './customer-phone.entity';

export class CustomerPhoneDto {
  @ApiProperty({ example: '(201) 555-0123' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  number!: string;

  @ApiProperty({ enum: PHONE_TYPES })
  @IsIn(PHONE_TYPES)
  type!: PhoneType;
}

export class CreateCustomerDto {
  @ApiProperty({ example: 'Carla Customer' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  email?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  smsEnabled?: boolean;

  @ApiProperty({ type: [CustomerPhoneDto] })
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => CustomerPhoneDto)
  phones!: CustomerPhoneDto[];
}

export function toCustomerResponse(c: Customer) {
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    smsEnabled: c.smsEnabled,
    phones: (c.phones ?? []).map((p) => ({ id: p.id, number: p.number, type: p.type })),
    createdAt: c.createdAt,
  };
}
