import { Body, Controller, Delete, Get, Param, Put, UseGuards } from '@nestjs/common';
import { HostIdPipe } from '../core/host-id';
import { ApiBearerAuth, ApiOperation, ApiTags } from '../core/api-docs';
import { AdminOnlyGuard, CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { AfterHoursSettingsService } from './after-hours-settings.service';
import { SaveAccountAfterHoursDto, SaveAfterHoursOverrideDto, SetAfterHoursEditorDto } from './after-hours.dto';

@ApiTags('sms after-hours replies')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms/after-hours')
export class AfterHoursController {
  constructor(private readonly afterHours: AfterHoursSettingsService) {}

  @Get()
  @UseGuards(AdminOnlyGuard)
  @ApiOperation({ summary: 'The account reply, every team and user override, and who may edit their own' })
  overview(@CurrentCaller() caller: SmsCaller) {
    return this.afterHours.overview(caller.accountId);
  }

  @Get('account')
  @UseGuards(AdminOnlyGuard)
  account(@CurrentCaller() caller: SmsCaller) {
    return this.afterHours.account(caller.accountId);
  }

  @Put('account')
  @UseGuards(AdminOnlyGuard)
  @ApiOperation({
    summary:
      'On/off, hours (null: business hours) and window of the account reply; its text is the after_hours template',
  })
  saveAccount(@CurrentCaller() caller: SmsCaller, @Body() body: SaveAccountAfterHoursDto) {
    return this.afterHours.saveAccount(caller, body);
  }

  @Get('teams/:teamId')
  @UseGuards(AdminOnlyGuard)
  team(@CurrentCaller() caller: SmsCaller, @Param('teamId', HostIdPipe) teamId: string) {
    return this.afterHours.team(caller.accountId, teamId);
  }

  @Put('teams/:teamId')
  @UseGuards(AdminOnlyGuard)
  saveTeam(
    @CurrentCaller() caller: SmsCaller,
    @Param('teamId', HostIdPipe) teamId: string,
    @Body() body: SaveAfterHoursOverrideDto,
  ) {
    return this.afterHours.saveTeam(caller, teamId, body);
  }

  @Delete('teams/:teamId')
  @UseGuards(AdminOnlyGuard)
  @ApiOperation({ summary: 'Reset to account' })
  resetTeam(@CurrentCaller() caller: SmsCaller, @Param('teamId', HostIdPipe) teamId: string) {
    return this.afterHours.resetTeam(caller.accountId, teamId);
  }

  @Get('users/:userId')
  @ApiOperation({ summary: "A user's override; technicians may read their own" })
  user(@CurrentCaller() caller: SmsCaller, @Param('userId', HostIdPipe) userId: string) {
    return this.afterHours.user(caller, userId);
  }

  @Put('users/:userId')
  @ApiOperation({ summary: 'Admins, or the user when an admin allowed self-edit' })
  saveUser(
    @CurrentCaller() caller: SmsCaller,
    @Param('userId', HostIdPipe) userId: string,
    @Body() body: SaveAfterHoursOverrideDto,
  ) {
    return this.afterHours.saveUser(caller, userId, body);
  }

  @Delete('users/:userId')
  @ApiOperation({ summary: 'Reset to account (the user then answers with their team reply, or the account reply)' })
  resetUser(@CurrentCaller() caller: SmsCaller, @Param('userId', HostIdPipe) userId: string) {
    return this.afterHours.resetUser(caller, userId);
  }

  @Put('users/:userId/self-edit')
  @UseGuards(AdminOnlyGuard)
  @ApiOperation({ summary: 'Allow (or stop) a user editing their own after-hours reply' })
  setSelfEdit(
    @CurrentCaller() caller: SmsCaller,
    @Param('userId', HostIdPipe) userId: string,
    @Body() body: SetAfterHoursEditorDto,
  ) {
    return this.afterHours.setSelfEdit(caller, userId, body.allowed);
  }
}
