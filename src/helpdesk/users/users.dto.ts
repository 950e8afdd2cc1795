import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { USER_ROLES, UserRole } from './user.entity';

export class CreateUserDto {
  @ApiProperty({ example: 'Tess Tech' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  name!: string;

  @ApiProperty({ example: 'tess@acme.example' })
  @IsEmail()
  email!: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES)
  role!: UserRole;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  teamIds?: string[];
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES, { message: 'role must be admin or technician' })
  role?: UserRole;

  @ApiPropertyOptional({ type: [String], description: 'Every team the user is in (replaces the list)' })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true, message: 'Each of teamIds must be a team id' })
  teamIds?: string[];

  @ApiPropertyOptional({ description: 'false: the user can no longer sign in or use their API token' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}
