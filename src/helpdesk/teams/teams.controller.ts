import { Body, Controller, Get, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminOnlyGuard, SmsCaller } from '../../sms';
import { CurrentUser } from '../auth/current-user';
import { AddTeamMemberDto, CreateTeamDto } from './teams.dto';
import { TeamsService } from './teams.service';

@ApiTags('teams')
@ApiBearerAuth()
@Controller('teams')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Post()
  @UseGuards(AdminOnlyGuard)
  async create(@CurrentUser() caller: SmsCaller, @Body() body: CreateTeamDto) {
    const team = await this.teams.create(caller.accountId, body.name);
    return { id: team.id, name: team.name };
  }

  @Get()
  @UseGuards(AdminOnlyGuard)
  list(@CurrentUser() caller: SmsCaller) {
    return this.teams.list(caller.accountId);
  }

  @Post(':id/members')
  @UseGuards(AdminOnlyGuard)
  async addMember(
    @CurrentUser() caller: SmsCaller,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: AddTeamMemberDto,
  ) {
    await this.teams.addMember(caller.accountId, id, body.userId);
    return this.teams.list(caller.accountId).then((teams) => teams.find((t) => t.id === id));
  }
}
