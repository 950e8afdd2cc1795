import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../../sms';
import { PlatformTokenGuard } from '../auth/platform-token.guard';
import { CreateAccountDto } from './accounts.dto';
import { AccountsService } from './accounts.service';

@ApiTags('platform')
@ApiBearerAuth()
@PublicRoute()
@UseGuards(PlatformTokenGuard)
@Controller('platform/accounts')
export class PlatformController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  create(@Body() body: CreateAccountDto) {
    return this.accounts.create(body);
  }
}
