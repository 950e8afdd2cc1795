import { Body, Controller, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { APP_CONFIG, Environment } from '../../config/app-config';
import { AdminOnlyGuard, SmsCaller } from '../../sms';
import { CurrentUser } from '../../helpdesk/auth/current-user';
import { ConsoleAuthService } from './console-auth.service';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password';

export class SetConsolePasswordDto {
  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, description: 'The web console password of the user' })
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(MAX_PASSWORD_LENGTH)
  password!: string;
}

/** Console access through the REST API, so an admin holding only an API token can let people into the console. */
@ApiTags('console access')
@ApiBearerAuth()
@UseGuards(AdminOnlyGuard)
@Controller('users')
export class ConsoleAccessController {
  constructor(
    private readonly auth: ConsoleAuthService,
    @Inject(APP_CONFIG) private readonly env: Environment,
  ) {}

  /** Sets a user's console password (`me` for oneself); their open console sessions end. */
  @Post(':id/console-password')
  @HttpCode(204)
  async setPassword(@CurrentUser() caller: SmsCaller, @Param('id') id: string, @Body() body: SetConsolePasswordDto) {
    await this.auth.setPassword(caller.accountId, id === 'me' ? caller.userId : id, body.password);
  }

  /** A one-time link (7 days) with which the user chooses their console password. */
  @Post(':id/console-invites')
  async invite(@CurrentUser() caller: SmsCaller, @Param('id') id: string) {
    const { token, expiresAt } = await this.auth.createInvite(
      caller.accountId,
      id === 'me' ? caller.userId : id,
      caller.userId,
    );
    return { url: `${this.env.PUBLIC_URL}/console/invite/${token}`, expiresAt };
  }
}
