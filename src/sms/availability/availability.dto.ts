import { ApiProperty } from '../core/api-docs';
import { Equals } from 'class-validator';
import type { AvailabilityView } from './availability.service';

export class SetAvailabilityDto {
  @ApiProperty({
    enum: ['available'],
    description: 'An agent can only make themselves available; missed and unresponsive follow from the rules',
  })
  @Equals('available', {
    message:
      'status can only be set to available; missed and unresponsive are set by the missed and unresponsive thresholds',
  })
  status!: 'available';
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
