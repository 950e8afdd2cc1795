import { ApiProperty } from '../core/api-docs';
import { IsIn } from 'class-validator';
import type { AvailabilityView } from './availability.service';

export class SetAvailabilityDto {
  @ApiProperty({
    enum: ['available', 'away'],
    description: 'An agent sets themselves away or available; missed and unresponsive follow from the rules',
  })
  @IsIn(['available', 'away'], {
    message:
      'status can be set to available or away; missed and unresponsive are set by the missed and unresponsive thresholds',
  })
  status!: 'available' | 'away';
}

export function toAvailabilityResponse(view: AvailabilityView) {
  return {
    userId: view.userId,
    status: view.status,
    since: view.since,
    reason: view.reason,
    /** While not available, texts to the agent's direct numbers also reach their teams. */
    textsAlsoReachTeams: view.status !== 'available',
    missedInARow: view.missedInARow,
    lapsedInARow: view.lapsedInARow,
    thresholds: view.thresholds,
  };
}
