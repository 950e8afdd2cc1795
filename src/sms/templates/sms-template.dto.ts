import { ApiProperty, ApiPropertyOptional } from '../core/api-docs';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsHostId } from '../core/host-id';

export class SaveSmsTemplateDto {
  @ApiProperty({ example: 'Hi {{customer.firstName}}, ticket #{{ticket.number}}: {{message}}' })
  @IsString()
  @MaxLength(5000)
  body!: string;
}

export class PreviewSmsTemplateDto {
  @ApiPropertyOptional({ description: 'Text to preview; the template in force when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  body?: string;

  @ApiPropertyOptional({ description: 'Render against this ticket; example values when absent' })
  @IsOptional()
  @IsHostId()
  ticketId?: string;
}
