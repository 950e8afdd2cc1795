import type { SmsNumberKind } from './sms-number.entity';

/** Who a number belongs to: a user (`direct`), a team (`group`) or the whole account (`shared`). */
export interface NumberHolder {
  kind: SmsNumberKind;
  userId: string | null;
  teamId: string | null;
}

/**
 * `user_to_team`: a user's number cannot go to a team; `second_team`: a team's number cannot go to another team;
 * `assigned_elsewhere`: a bulk file never moves a number someone else holds.
 */
export type AssignmentConflict = 'user_to_team' | 'second_team' | 'assigned_elsewhere';

/**
 * Whether `next` may replace `current`. One-by-one changes (`single`): unassigning is always allowed and making a
 * number direct takes it from whoever had it, but a user's number is never handed to a team and a team's number
 * never to a second team without being unassigned first. Bulk files are stricter: they only assign free numbers
 * (or confirm an assignment that is already so), because a wrong line should not silently move someone's number.
 */
export function assignmentConflict(
  current: NumberHolder,
  next: NumberHolder,
  mode: 'single' | 'bulk',
): AssignmentConflict | null {
  if (sameHolder(current, next) || next.kind === 'shared') return null;
  if (mode === 'bulk' && current.kind !== 'shared') return 'assigned_elsewhere';
  if (next.kind === 'group' && current.kind === 'direct') return 'user_to_team';
  if (next.kind === 'group' && current.kind === 'group') return 'second_team';
  return null;
}

export function sameHolder(a: NumberHolder, b: NumberHolder): boolean {
  return a.kind === b.kind && (a.userId ?? null) === (b.userId ?? null) && (a.teamId ?? null) === (b.teamId ?? null);
}
