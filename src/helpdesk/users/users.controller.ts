import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminOnlyGuard, SmsCaller } from '../../sms';
import { CurrentUser } from '../auth/current-user';
import { CreateUserDto } from './users.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(AdminOnlyGuard)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** The new user's token is in the answer, once. */
  @Post()
  create(@CurrentUser() caller: SmsCaller, @Body() body: CreateUserDto) {
    return this.users.create(caller.accountId, body);
  }
}
