import { Body, Controller, ForbiddenException, Get, Param, Put, UseGuards } from '@nestjs/common';
import { HostIdPipe } from '../core/host-id';
import { ApiBearerAuth, ApiTags } from '../core/api-docs';
import { CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { SetAvailabilityDto, toAvailabilityResponse } from './availability.dto';
import { AvailabilityService } from './availability.service';

@ApiTags('sms availability')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms/availability')
export class AvailabilityController {
  constructor(private readonly availability: AvailabilityService) {}

  @Get('me')
  async mine(@CurrentCaller() caller: SmsCaller) {
    return toAvailabilityResponse(await this.availability.statusOf(caller.accountId, caller.userId));
  }

  /** The agent sets themselves away, or available again (after being away, missed or unresponsive). */
  @Put('me')
  async setMine(@CurrentCaller() caller: SmsCaller, @Body() body: SetAvailabilityDto) {
    return toAvailabilityResponse(await this.availability.setStatus(caller.accountId, caller.userId, body.status));
  }

  /** An agent's availability: admins see anyone's, technicians their own. */
  @Get('users/:userId')
  async ofUser(@CurrentCaller() caller: SmsCaller, @Param('userId', HostIdPipe) userId: string) {
    if (caller.role !== 'admin' && caller.userId !== userId)
      throw new ForbiddenException("Only admins see other agents' availability");
    await this.availability.assertUser(caller.accountId, userId);
    return toAvailabilityResponse(await this.availability.statusOf(caller.accountId, userId));
  }
}
