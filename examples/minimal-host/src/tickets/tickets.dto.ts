import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';

export class CreateTicketDto {
  @IsInt()
  @Min(1)
  customerId!: number;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  subject!: string;

  @IsString()
  @MaxLength(10_000)
  description!: string;
}

export class AddCommentDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(10_000)
  body!: string;

  /** Default true: the customer may see it. */
  @IsOptional()
  @IsBoolean()
  isPublic?: boolean;

  /** Texted to the customer, if given. */
  @IsOptional()
  @IsString()
  @MaxLength(1_600)
  smsText?: string;
}
