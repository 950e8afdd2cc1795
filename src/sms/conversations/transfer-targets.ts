import type { EntityManager } from 'typeorm';
import type { TicketGateway } from '../ports/ticket-gateway.port';
import type { LockedConversation } from './conversation-claims.service';

/** Why `target` may not be handed the conversation, or null when they are a member of its number. */
export async function whyNotAMember(
  gateway: TicketGateway,
  tx: EntityManager,
  locked: LockedConversation,
  target: { id: string; name: string; role: string; teamIds: string[] },
): Promise<string | null> {
  const { number, conversation } = locked;
  if (target.role === 'admin') return null;
  if (!number)
    return `${target.name} cannot take over: this conversation's number is no longer the account's, so only admins see it`;
  if (number.kind === 'group') {
    if (number.teamId && target.teamIds.includes(number.teamId)) return null;
    const team = number.teamId ? await gateway.getTeam(conversation.accountId, number.teamId, tx) : null;
    return `${target.name} is not a member of the ${team?.name ?? ''} team that shares ${number.number}; transfer to a member of it`;
  }
  if (number.kind === 'unassigned')
    return `${target.name} cannot take over: ${number.number} is not assigned to anyone, so only admins handle its conversations`;
  if (number.kind === 'users') {
    if (number.memberIds.includes(target.id)) return null;
    return `${target.name} is not one of the users who share ${number.number}; transfer to one of them`;
  }
  if (number.kind === 'direct') {
    if (target.id === number.userId || target.teamIds.some((t) => conversation.routedTeamIds.includes(t))) return null;
    return `${target.name} is not in a team this conversation reached; transfer to its agent or to a member of those teams`;
  }
  return null;
}
