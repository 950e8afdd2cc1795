import type { SmsNumberKind } from './sms-number.entity';

/**
 * Who a number belongs to: nobody yet (`unassigned`), a user (`direct`), a team (`group`), chosen users (`users`) or
 * the whole account (`shared`).
 */
export interface NumberHolder {
  kind: SmsNumberKind;
  userId: string | null;
  teamId: string | null;
  memberIds?: string[];
}

/** What happens to the threads a number's earlier holders could see when it changes hands. */
export const HISTORY_CHOICES = ['keep', 'hand_over'] as const;
/** `keep`: they stay with those who could see them; `hand_over`: the new holders see them instead. */
export type HistoryChoice = (typeof HISTORY_CHOICES)[number];

/**
 * `user_to_team`: a user's number cannot go to a team; `second_team`: a team's number cannot go to another team;
 * `assigned_elsewhere`: a bulk file never moves a number someone else holds.
 */
export type AssignmentConflict = 'user_to_team' | 'second_team' | 'assigned_elsewhere';

/** Numbers nobody in particular holds: a bulk file may assign them. */
export function isFree(holder: Pick<NumberHolder, 'kind'>): boolean {
  return holder.kind === 'unassigned' || holder.kind === 'shared';
}

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
  if (sameHolder(current, next) || isFree(next)) return null;
  if (mode === 'bulk' && !isFree(current)) return 'assigned_elsewhere';
  if (next.kind === 'group' && current.kind === 'direct') return 'user_to_team';
  if (next.kind === 'group' && current.kind === 'group') return 'second_team';
  return null;
}

/**
 * Whether the change must say what happens to the history: a user's own number given to anyone else would otherwise
 * carry their threads along (or silently take them away). Unassigning keeps them with the user unless told.
 */
export function historyChoiceRequired(current: NumberHolder, next: NumberHolder): boolean {
  return current.kind === 'direct' && next.kind !== 'unassigned' && !sameHolder(current, next);
}

export function sameHolder(a: NumberHolder, b: NumberHolder): boolean {
  const members = (h: NumberHolder) => [...(h.memberIds ?? [])].sort().join(',');
  return (
    a.kind === b.kind &&
    (a.userId ?? null) === (b.userId ?? null) &&
    (a.teamId ?? null) === (b.teamId ?? null) &&
    members(a) === members(b)
  );
}
