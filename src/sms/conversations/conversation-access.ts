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

// Members of the conversation's number: a direct number's agent, a group number's team, everyone for a shared number.
const MEMBER_OF_NUMBER = `(n.kind = 'direct' AND n.user_id = :viewerId)
  OR n.kind = 'shared'
  OR (n.kind = 'group' AND n.team_id = ANY(:viewerTeams::text[]))`;

// With `handler` visibility a member sees a team or shared thread they handled (held a claim, wrote in it), the one
// they hold, and any thread waiting for an answer that nobody holds, so someone can pick it up.
const SEES_HISTORY = `n.kind = 'direct' OR n.history_visibility = 'members'
  OR c.claimed_by_user_id = :viewerId
  OR (c.waiting_since IS NOT NULL AND (c.claimed_by_user_id IS NULL OR c.claim_expires_at <= :viewerNow))
  OR EXISTS (SELECT 1 FROM sms_conversation_claims k WHERE k.conversation_id = c.id AND k.user_id = :viewerId)
  OR EXISTS (SELECT 1 FROM sms_messages m WHERE m.account_id = c.account_id AND m.from_number = c.business_number
             AND m.to_number = c.contact_phone AND m.direction = 'outbound' AND m.created_by_user_id = :viewerId)`;

// A direct number's texts reached its agent's teams while the agent was not available: those teams see the thread.
const ROUTED = `c.routed_team_ids && :viewerTeams::text[]`;

/**
 * SQL over `c` (sms_conversations): may the viewer answer, claim or be handed this conversation? Admins: every one of
 * the account; others: members of its number (see above), or of a team it was routed to.
 */
export function memberSql(viewer: Viewer): string {
  if (viewer.role === 'admin') return `c.account_id = :viewerAccountId`;
  return `c.account_id = :viewerAccountId AND (EXISTS (SELECT 1 FROM sms_numbers n WHERE n.account_id = c.account_id
    AND n.number = c.business_number AND (${MEMBER_OF_NUMBER})) OR ${ROUTED})`;
}

/** SQL over `c`: may the viewer read this conversation? Members, minus past threads hidden by `handler` visibility. */
export function visibleSql(viewer: Viewer): string {
  if (viewer.role === 'admin') return `c.account_id = :viewerAccountId`;
  return `c.account_id = :viewerAccountId AND (EXISTS (SELECT 1 FROM sms_numbers n WHERE n.account_id = c.account_id
    AND n.number = c.business_number AND (${MEMBER_OF_NUMBER}) AND (${SEES_HISTORY})) OR ${ROUTED})`;
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
  number: Pick<SmsNumber, 'kind' | 'userId' | 'teamId' | 'historyVisibility'> | null,
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
  if (!number) return audience;
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
  else audience.allMembers = true;
  return audience;
}

/** Whether a connected user is in an event's audience. */
export function hears(audience: SmsEventAudience, viewer: Viewer): boolean {
  if (audience.accountId !== viewer.accountId) return false;
  if (viewer.role === 'admin' || audience.allMembers || audience.userIds.includes(viewer.userId)) return true;
  return audience.teamIds.some((t) => viewer.teamIds.includes(t));
}
