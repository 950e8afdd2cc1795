import { Body, Controller, Param, ParseUUIDPipe, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminOnlyGuard, SmsCaller } from '../../sms';
import { CurrentUser } from '../auth/current-user';
import { CreateUserDto, UpdateUserDto } from './users.dto';
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

  /** Role, teams (the full list) or active; a deactivated user's token stops working at once. */
  @Patch(':id')
  async update(@CurrentUser() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateUserDto) {
    const user = await this.users.update(caller.accountId, caller.userId, id, body);
    return { id: user.id, name: user.name, email: user.email, role: user.role, active: user.deactivatedAt === null };
  }
}
