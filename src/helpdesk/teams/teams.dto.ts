import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';

export class CreateTeamDto {
  @ApiProperty({ example: 'Support' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  name!: string;
}

export class AddTeamMemberDto {
  @ApiProperty()
  @IsUUID()
  userId!: string;
}
