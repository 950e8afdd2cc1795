import type { SmsNumber } from '../numbers/sms-number.entity';
import type { SmsEventAudience } from './sms-events.service';
import type { SmsConversation } from './sms-conversation.entity';

/** Who is looking: the caller with the teams they belong to. */
export interface Viewer {
  accountId: string;
  userId: string;
  role: 'admin' | 'technician';
  teamIds: string[];
}

/** Query parameters the predicates below use (TypeORM named parameters). */
export function viewerParams(viewer: Viewer, now: Date) {
  return { viewerAccountId: viewer.accountId, viewerId: viewer.userId, viewerTeams: viewer.teamIds, viewerNow: now };
}

// Members of an assignment `n`: a row of sms_numbers (the current one) or of sms_number_history (an earlier one, with
// the same columns). A direct number's user, a group number's team, a users number's chosen users, everyone for a
// shared number, nobody for an unassigned one (admins see everything anyway).
const MEMBER_OF = `((n.kind = 'direct' AND n.user_id = :viewerId)
  OR n.kind = 'shared'
  OR (n.kind = 'group' AND n.team_id = ANY(:viewerTeams::text[]))
  OR (n.kind = 'users' AND :viewerId = ANY(n.member_ids)))`;

// The viewer handled the thread: holds it, held a claim on it, or wrote in it.
const HANDLED = `c.claimed_by_user_id = :viewerId
  OR EXISTS (SELECT 1 FROM sms_conversation_claims k WHERE k.conversation_id = c.id AND k.user_id = :viewerId)
  OR EXISTS (SELECT 1 FROM sms_messages o WHERE o.account_id = c.account_id AND o.from_number = c.business_number
             AND o.to_number = c.contact_phone AND o.direction = 'outbound' AND o.created_by_user_id = :viewerId)`;

// Waiting for an answer that nobody holds: with `handler` visibility every member sees it, so someone picks it up.
const WAITING_FREE = `(c.waiting_since IS NOT NULL AND (c.claimed_by_user_id IS NULL OR c.claim_expires_at <= :viewerNow))`;

// With `handler` visibility a member sees a team or shared thread they handled, and any thread waiting for an answer.
const SEES_HISTORY = `n.kind = 'direct' OR n.history_visibility = 'members' OR ${WAITING_FREE} OR ${HANDLED}`;

// The same for one text `m`: a member who sees the thread only because it waits sees what the contact wrote since the
// last text to them, not the history before it.
const SEES_TEXT = `n.kind = 'direct' OR n.history_visibility = 'members' OR ${HANDLED}
  OR (${WAITING_FREE} AND m.created_at > coalesce((SELECT max(o.created_at) FROM sms_messages o WHERE o.account_id = c.account_id
      AND o.direction = 'outbound' AND o.from_number = c.business_number AND o.to_number = c.contact_phone), '-infinity'))`;

// A direct number's texts reached its agent's teams while the agent was not available: those teams see the thread.
const ROUTED = `c.routed_team_ids && :viewerTeams::text[]`;

// The thread has texts created in [from, until) (database time, as the texts' own).
const textsBetween = (from: string, until: string | null) =>
  `EXISTS (SELECT 1 FROM sms_messages w WHERE w.account_id = c.account_id
     AND ((w.from_number = c.contact_phone AND w.to_number = c.business_number) OR (w.from_number = c.business_number AND w.to_number = c.contact_phone))
     AND w.created_at >= ${from}${until ? ` AND w.created_at < ${until}` : ''})`;

// The current assignment sees the texts since its history began; a thread begun since then is all of it.
const CURRENT_WINDOW = `(n.history_from IS NULL OR n.history_from <= c.created_at OR ${textsBetween('n.history_from', null)})`;
// An earlier assignment sees the texts of its own time.
const EARLIER_WINDOW = `(c.created_at < n.visible_until AND (n.visible_from IS NULL OR n.visible_from <= c.created_at
  OR ${textsBetween('n.visible_from', 'n.visible_until')}))`;

const CURRENT = (where: string) => `EXISTS (SELECT 1 FROM sms_numbers n WHERE n.account_id = c.account_id
    AND n.number = c.business_number AND ${where})`;
const EARLIER = (
  where: string,
) => `EXISTS (SELECT 1 FROM sms_numbers n0 JOIN sms_number_history n ON n.number_id = n0.id
    WHERE n0.account_id = c.account_id AND n0.number = c.business_number AND ${where})`;

/**
 * SQL over `c` (sms_conversations): may the viewer answer, claim or be handed this conversation? Admins: every one of
 * the account; others: members of its number's current assignment whose texts are theirs to see (see above), or of a
 * team it was routed to. Earlier holders read what they saw but no longer act on the number.
 */
export function memberSql(viewer: Viewer): string {
  if (viewer.role === 'admin') return `c.account_id = :viewerAccountId`;
  return `c.account_id = :viewerAccountId AND (${CURRENT(`${MEMBER_OF} AND ${CURRENT_WINDOW}`)} OR ${ROUTED})`;
}

/**
 * SQL over `c`: may the viewer read this conversation? Members of its number's current assignment (for the texts since
 * that began), members of an earlier assignment (for the texts of its time), minus past threads hidden by `handler`
 * visibility; and teams it was routed to.
 */
export function visibleSql(viewer: Viewer): string {
  if (viewer.role === 'admin') return `c.account_id = :viewerAccountId`;
  return `c.account_id = :viewerAccountId AND (${ROUTED}
    OR ${CURRENT(`${MEMBER_OF} AND (${SEES_HISTORY}) AND ${CURRENT_WINDOW}`)}
    OR ${EARLIER(`${MEMBER_OF} AND (${SEES_HISTORY}) AND ${EARLIER_WINDOW}`)})`;
}

/**
 * SQL over `m` (sms_messages): may the viewer read this text? The same rule as its conversation's, text by text: the
 * assignment whose time it was written in, the handler rule, the teams it was routed to. A text that never went from
 * a number (refused before one was chosen, e.g. no mobile phone) belongs to its ticket alone.
 */
export function textVisibleSql(viewer: Viewer): string {
  if (viewer.role === 'admin') return `m.account_id = :viewerAccountId`;
  return `m.account_id = :viewerAccountId AND (m.from_number IS NULL OR m.to_number IS NULL
    OR EXISTS (SELECT 1 FROM sms_conversations c WHERE c.account_id = m.account_id
      AND c.business_number = CASE WHEN m.direction = 'inbound' THEN m.to_number ELSE m.from_number END
      AND c.contact_phone = CASE WHEN m.direction = 'inbound' THEN m.from_number ELSE m.to_number END
      AND (${ROUTED}
        OR ${CURRENT(`${MEMBER_OF} AND (${SEES_TEXT}) AND (n.history_from IS NULL OR m.created_at >= n.history_from)`)}
        OR ${EARLIER(
          `${MEMBER_OF} AND (${SEES_TEXT}) AND m.created_at < n.visible_until AND (n.visible_from IS NULL OR m.created_at >= n.visible_from)`,
        )})))`;
}

/** Whether a conversation's claim is live at `now`. */
export function liveHolder(
  conversation: Pick<SmsConversation, 'claimedByUserId' | 'claimExpiresAt'>,
  now: Date,
): string | null {
  if (!conversation.claimedByUserId || !conversation.claimExpiresAt) return null;
  return conversation.claimExpiresAt.getTime() > now.getTime() ? conversation.claimedByUserId : null;
}

/**
 * Who hears about something that happened in a conversation (admins always do). A new text while a claim is live
 * goes to the holder only (sticky); otherwise to the number's members. With `handler` visibility, activity on a
 * thread nobody is waiting on goes to those who handled it (`handlers`), as only they see it.
 */
export function audienceOf(
  conversation: Pick<
    SmsConversation,
    'accountId' | 'claimedByUserId' | 'claimExpiresAt' | 'waitingSince' | 'routedTeamIds'
  >,
  number: (Pick<SmsNumber, 'kind' | 'userId' | 'teamId' | 'historyVisibility'> & { memberIds?: string[] }) | null,
  what: 'inbound' | 'activity',
  now: Date,
  handlers: string[] = [],
): SmsEventAudience {
  const audience: SmsEventAudience = {
    accountId: conversation.accountId,
    userIds: [],
    teamIds: [...conversation.routedTeamIds],
    allMembers: false,
  };
  // A number that left the account, or that nobody holds: admins only (and teams it was routed to).
  if (!number || number.kind === 'unassigned') return audience;
  const holder = liveHolder(conversation, now);
  if (number.kind === 'direct') {
    if (number.userId) audience.userIds.push(number.userId);
    if (holder && !audience.userIds.includes(holder)) audience.userIds.push(holder);
    return audience;
  }
  if (what === 'inbound' && holder) {
    audience.userIds.push(holder);
    return audience;
  }
  const openToAll = number.historyVisibility === 'members' || (conversation.waitingSince !== null && !holder);
  if (!openToAll) {
    audience.userIds.push(...new Set([...handlers, ...(holder ? [holder] : [])]));
    return audience;
  }
  if (number.kind === 'group' && number.teamId) audience.teamIds.push(number.teamId);
  else if (number.kind === 'users') audience.userIds.push(...(number.memberIds ?? []));
  else audience.allMembers = true;
  return audience;
}

/** Whether a connected user is in an event's audience. */
export function hears(audience: SmsEventAudience, viewer: Viewer): boolean {
  if (audience.accountId !== viewer.accountId) return false;
  if (viewer.role === 'admin' || audience.allMembers || audience.userIds.includes(viewer.userId)) return true;
  return audience.teamIds.some((t) => viewer.teamIds.includes(t));
}
