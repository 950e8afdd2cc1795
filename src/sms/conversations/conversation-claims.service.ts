import {
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { SmsNumber } from '../numbers/sms-number.entity';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { audienceOf, liveHolder, memberSql, Viewer, viewerParams } from './conversation-access';
import { ClaimVia, ConversationClaim } from './conversation-claim.entity';
import { whyNotAMember } from './transfer-targets';
import { ConversationTimers } from './conversation-timers';
import { SmsEvents, SmsEventType } from './sms-events.service';
import { SmsConversation } from './sms-conversation.entity';
import { CLAIM_HOLDERS, EXTEND_CLAIM } from './conversations.queries';

/** A conversation locked for a change, with its number (null once the number left the account). */
export interface LockedConversation {
  conversation: SmsConversation;
  number: SmsNumber | null;
}

/**
 * Claims on team and shared numbers: replying claims a conversation for the claim timeout (the number's, else the
 * account's), each reply by the holder extends it, and while it is live nobody else may reply (409 naming the
 * holder). The holder can release it or hand it to another member; admins can release any. Every change happens
 * under the conversation's row lock (SELECT … FOR UPDATE), so of two members acting at the same instant exactly
 * one wins and the other sees the winner's claim.
 */
@Injectable()
export class ConversationClaims {
  constructor(
    @InjectRepository(SmsConversation) private readonly conversations: Repository<SmsConversation>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly settings: SmsSettingsService,
    private readonly events: SmsEvents,
    private readonly timers: ConversationTimers,
    private readonly clock: Clock,
  ) {}

  /**
   * The claim's expiry job: a claim still live on its conversation past its expiry lapses (ended `expired`, the
   * conversation free) and the number's members hear `conversation.released` with reason `timeout`. A claim that was
   * extended, released or handed on is left alone. Returns who held it, for their availability.
   */
  async lapse(accountId: string, conversationId: string, claimId: string): Promise<string | null> {
    return this.conversations.manager.transaction(async (tx) => {
      const claim = await tx.getRepository(ConversationClaim).findOne({ where: { accountId, id: claimId } });
      if (!claim) return null;
      const locked = await this.lock(tx, accountId, conversationId);
      const { conversation } = locked;
      const now = this.clock.now();
      if (conversation.claimId !== claimId || !conversation.claimExpiresAt) return claim.userId;
      if (conversation.claimExpiresAt.getTime() > now.getTime()) {
        // Extended since this job was added: the job of the new expiry is due then.
        this.timers.claimSet(tx, { accountId, conversationId, claimId }, conversation.claimExpiresAt);
        return claim.userId;
      }
      const expiredAt = conversation.claimExpiresAt;
      await this.endCurrent(tx, conversation, 'expired', expiredAt);
      await this.clearClaim(tx, conversation);
      await this.announce(
        tx,
        locked,
        'conversation.released',
        { userId: claim.userId, reason: 'timeout', expiredAt: expiredAt.toISOString() },
        now,
      );
      return claim.userId;
    });
  }

  /** 404 unless the viewer may act in the conversation (a member of its number, or of a team it was routed to). */
  async assertMember(viewer: Viewer, conversationId: string): Promise<void> {
    const found = await this.conversations
      .createQueryBuilder('c')
      .select('c.id')
      .where('c.id = :conversationId', { conversationId })
      .andWhere(memberSql(viewer), viewerParams(viewer, this.clock.now()))
      .getExists();
    if (!found) throw new NotFoundException('No such conversation for you in this account');
  }

  /** Locks the conversation row for the rest of `tx`: claims change one at a time. */
  async lock(tx: EntityManager, accountId: string, conversationId: string): Promise<LockedConversation> {
    const conversation = await tx
      .getRepository(SmsConversation)
      .findOne({ where: { accountId, id: conversationId }, lock: { mode: 'pessimistic_write' } });
    if (!conversation) throw new NotFoundException('No such conversation in this account');
    const number = await tx
      .getRepository(SmsNumber)
      .findOne({ where: { accountId, number: conversation.businessNumber } });
    return { conversation, number };
  }

  /**
   * Whether claims apply: team and shared numbers, and a direct number's thread that reached a team (not for its
   * agent).
   */
  static claimable(locked: LockedConversation, userId: string): boolean {
    const { number, conversation } = locked;
    if (!number || number.kind !== 'direct') return true;
    return conversation.routedTeamIds.length > 0 && number.userId !== userId;
  }

  /**
   * Takes the claim for `viewer` or extends theirs; 409 naming the holder while someone else's claim is live, unless
   * an admin asks to take it over (`takeOver`: the holder's claim ends as released by them). Returns whether a new
   * claim began. Call under `lock`.
   */
  async take(
    tx: EntityManager,
    locked: LockedConversation,
    viewer: Viewer,
    via: Exclude<ClaimVia, 'transfer'>,
    now: Date,
    options: { takeOver?: boolean } = {},
  ): Promise<boolean> {
    const { conversation } = locked;
    const holder = liveHolder(conversation, now);
    if (holder && holder !== viewer.userId) {
      if (!options.takeOver) throw await this.heldBy(tx, conversation, holder, viewer);
      await this.takeOverFrom(tx, locked, viewer, holder, now);
    }
    const expiresAt = new Date(now.getTime() + (await this.timeoutMs(tx, locked)));
    const claims = tx.getRepository(ConversationClaim);
    if (holder === viewer.userId) {
      await tx.query(EXTEND_CLAIM, [conversation.claimId, expiresAt, via === 'reply', now]);
      await this.setClaim(tx, conversation, conversation.claimId!, viewer.userId, expiresAt);
      return false;
    }
    await this.endCurrent(tx, conversation, 'expired', conversation.claimExpiresAt ?? now);
    const claim = await claims.save(
      claims.create({
        accountId: conversation.accountId,
        conversationId: conversation.id,
        userId: viewer.userId,
        via,
        fromUserId: null,
        claimedAt: now,
        expiresAt,
        repliedAt: via === 'reply' ? now : null,
      }),
    );
    await this.setClaim(tx, conversation, claim.id, viewer.userId, expiresAt);
    return true;
  }

  /** POST …/claim: take the conversation before replying. */
  async claim(viewer: Viewer, conversationId: string): Promise<void> {
    await this.assertMember(viewer, conversationId);
    await this.conversations.manager.transaction(async (tx) => {
      const locked = await this.lock(tx, viewer.accountId, conversationId);
      if (!ConversationClaims.claimable(locked, viewer.userId)) {
        throw new UnprocessableEntityException(
          "A direct number's conversations are its agent's own; there is nothing to claim",
        );
      }
      const now = this.clock.now();
      if (await this.take(tx, locked, viewer, 'claim', now))
        await this.announce(tx, locked, 'conversation.claimed', { userId: viewer.userId }, now);
    });
  }

  /**
   * POST …/release: the holder lets go (admins may release anyone's); releasing a free conversation changes nothing.
   */
  async release(viewer: Viewer, conversationId: string): Promise<void> {
    await this.assertMember(viewer, conversationId);
    await this.conversations.manager.transaction(async (tx) => {
      const locked = await this.lock(tx, viewer.accountId, conversationId);
      const now = this.clock.now();
      const holder = liveHolder(locked.conversation, now);
      if (!holder) return;
      if (holder !== viewer.userId && viewer.role !== 'admin') {
        const name = await this.nameOf(tx, viewer.accountId, holder);
        throw new ForbiddenException(`${name} holds this conversation; only they or an admin can release it`);
      }
      await this.endCurrent(tx, locked.conversation, 'released', now);
      await this.clearClaim(tx, locked.conversation);
      await this.announce(tx, locked, 'conversation.released', { userId: holder, releasedBy: viewer.userId }, now);
    });
  }

  /** POST …/transfer: the holder hands the conversation, claim and all, to another member of its number. */
  async transfer(viewer: Viewer, conversationId: string, toUserId: string): Promise<void> {
    await this.assertMember(viewer, conversationId);
    await this.conversations.manager.transaction(async (tx) => {
      const locked = await this.lock(tx, viewer.accountId, conversationId);
      const { conversation, number } = locked;
      if (!ConversationClaims.claimable(locked, viewer.userId)) {
        throw new UnprocessableEntityException(
          "A direct number's conversations are its agent's own; there is nothing to transfer",
        );
      }
      const now = this.clock.now();
      const holder = liveHolder(conversation, now);
      if (holder !== viewer.userId) {
        if (holder) throw await this.heldBy(tx, conversation, holder);
        throw new ConflictException(
          'Claim the conversation (or reply to it) first: only the member holding it can transfer it',
        );
      }
      if (toUserId === viewer.userId)
        throw new UnprocessableEntityException('You already hold this conversation; transfer it to another member');
      const target = await this.gateway.getUser(viewer.accountId, toUserId, tx);
      if (!target) throw new NotFoundException('No such user in this account');
      const why = await whyNotAMember(this.gateway, tx, locked, target);
      if (why) throw new UnprocessableEntityException(why);

      const expiresAt = new Date(now.getTime() + (await this.timeoutMs(tx, locked)));
      await this.endCurrent(tx, conversation, 'transferred', now);
      const claims = tx.getRepository(ConversationClaim);
      const claim = await claims.save(
        claims.create({
          accountId: conversation.accountId,
          conversationId: conversation.id,
          userId: target.id,
          via: 'transfer',
          fromUserId: viewer.userId,
          claimedAt: now,
          expiresAt,
          repliedAt: null,
        }),
      );
      await this.setClaim(tx, conversation, claim.id, target.id, expiresAt);
      await this.announce(
        tx,
        { conversation, number },
        'conversation.transferred',
        { fromUserId: viewer.userId, toUserId: target.id, expiresAt: expiresAt.toISOString() },
        now,
      );
    });
  }

  /**
   * Of `userIds` (at most 200), those a transfer of this conversation may go to: the same membership rule `transfer`
   * applies, so a console lists only people who can take the thread.
   */
  async transferTargets(viewer: Viewer, conversationId: string, userIds: string[]): Promise<string[]> {
    await this.assertMember(viewer, conversationId);
    const manager = this.conversations.manager;
    const conversation = await this.conversations.findOneByOrFail({ accountId: viewer.accountId, id: conversationId });
    const number = await manager
      .getRepository(SmsNumber)
      .findOne({ where: { accountId: viewer.accountId, number: conversation.businessNumber } });
    const locked = { conversation, number };
    if (!ConversationClaims.claimable(locked, viewer.userId)) return [];
    const allowed: string[] = [];
    for (const id of userIds.slice(0, 200)) {
      if (id === viewer.userId) continue;
      const user = await this.gateway.getUser(viewer.accountId, id, manager);
      if (user && !(await whyNotAMember(this.gateway, manager, locked, user))) allowed.push(id);
    }
    return allowed;
  }

  /** Raises a live event about the locked conversation (its state as changed in `tx`), sent once `tx` commits. */
  async announce(
    tx: EntityManager,
    locked: LockedConversation,
    type: SmsEventType,
    data: Record<string, unknown>,
    now: Date,
  ): Promise<void> {
    const conversation = { ...locked.conversation };
    const handlers = locked.number?.historyVisibility === 'handler' ? await this.handlers(tx, conversation.id) : [];
    const event = SmsEvents.event(
      type,
      audienceOf(conversation, locked.number, 'activity', now, handlers),
      { conversationId: conversation.id, ...data },
      now,
    );
    this.events.afterCommit(tx, event);
  }

  /** An admin ends another member's live claim to write to the contact themselves; the holder hears it was released. */
  private async takeOverFrom(
    tx: EntityManager,
    locked: LockedConversation,
    viewer: Viewer,
    holder: string,
    now: Date,
  ): Promise<void> {
    if (viewer.role !== 'admin') {
      const name = await this.nameOf(tx, viewer.accountId, holder);
      throw new ForbiddenException(`${name} holds this conversation; only an admin can take it over (takeOver)`);
    }
    await this.endCurrent(tx, locked.conversation, 'released', now);
    await this.clearClaim(tx, locked.conversation);
    await this.announce(
      tx,
      locked,
      'conversation.released',
      { userId: holder, releasedBy: viewer.userId, takenOver: true },
      now,
    );
  }

  /** 409 naming the holder and until when they hold it (in the account's time zone). */
  private async heldBy(
    tx: EntityManager,
    conversation: SmsConversation,
    holder: string,
    viewer?: Viewer,
  ): Promise<ConflictException> {
    const name = await this.nameOf(tx, conversation.accountId, holder);
    const timezone = (await this.gateway.getAccount(conversation.accountId, tx))?.timezone ?? 'UTC';
    const until = DateTime.fromJSDate(conversation.claimExpiresAt!, { zone: timezone }).toFormat('HH:mm ZZZZ');
    const adminHint = viewer?.role === 'admin' ? '; as an admin you can take it over (takeOver: true)' : '';
    return new ConflictException({
      statusCode: 409,
      error: 'Conflict',
      message: `${name} is handling this conversation with ${conversation.contactPhone} (claimed until ${until} unless they reply again); you can read it, and text them once they release it or the claim lapses${adminHint}`,
      holder: { id: holder, name },
      claimExpiresAt: conversation.claimExpiresAt!.toISOString(),
    });
  }

  private async nameOf(tx: EntityManager, accountId: string, userId: string): Promise<string> {
    return (await this.gateway.getUser(accountId, userId, tx))?.name ?? 'Another member';
  }

  private async timeoutMs(tx: EntityManager, locked: LockedConversation): Promise<number> {
    const minutes =
      locked.number?.claimTimeoutMinutes ??
      (await this.settings.get(locked.conversation.accountId, tx)).claimTimeoutMinutes;
    return minutes * 60_000;
  }

  private async handlers(tx: EntityManager, conversationId: string): Promise<string[]> {
    const rows = (await tx.query(CLAIM_HOLDERS, [conversationId])) as { user_id: string }[];
    return rows.map((r) => r.user_id);
  }

  private async endCurrent(
    tx: EntityManager,
    conversation: SmsConversation,
    reason: 'released' | 'transferred' | 'expired',
    at: Date,
  ): Promise<void> {
    if (!conversation.claimId) return;
    await tx
      .getRepository(ConversationClaim)
      .update({ id: conversation.claimId, endedAt: IsNull() }, { endedAt: at, endReason: reason });
  }

  private async setClaim(
    tx: EntityManager,
    conversation: SmsConversation,
    claimId: string,
    userId: string,
    expiresAt: Date,
  ): Promise<void> {
    await tx
      .getRepository(SmsConversation)
      .update({ id: conversation.id }, { claimId, claimedByUserId: userId, claimExpiresAt: expiresAt });
    Object.assign(conversation, { claimId, claimedByUserId: userId, claimExpiresAt: expiresAt });
    this.timers.claimSet(
      tx,
      { accountId: conversation.accountId, conversationId: conversation.id, claimId },
      expiresAt,
    );
  }

  private async clearClaim(tx: EntityManager, conversation: SmsConversation): Promise<void> {
    await tx
      .getRepository(SmsConversation)
      .update({ id: conversation.id }, { claimId: null, claimedByUserId: null, claimExpiresAt: null });
    Object.assign(conversation, { claimId: null, claimedByUserId: null, claimExpiresAt: null });
  }
}
