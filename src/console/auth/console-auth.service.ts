import { createHash, randomBytes } from 'node:crypto';
import { Injectable, NotFoundException, UnauthorizedException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { Observable, Subject } from 'rxjs';
import { DataSource, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { User } from '../../helpdesk/users/user.entity';
import { Clock } from '../../sms';
import { ConsoleInvite } from './console-invite.entity';
import { ConsolePassword } from './console-password.entity';
import { ConsoleSession } from './console-session.entity';
import { hashPassword, passwordProblem } from './password';
import { PasswordHashing } from './password-hashing';
import { SignInLimits } from './sign-in-limits';

export const SESSION_IDLE_MS = 8 * 3600_000;
export const INVITE_TTL_MS = 7 * 24 * 3600_000;
// Touching last_seen_at on every request would write on every page view; once a minute is enough for idle expiry.
const TOUCH_EVERY_MS = 60_000;

export interface ConsoleUser {
  id: string;
  accountId: string;
  name: string;
  email: string;
  role: User['role'];
}

export interface SignedIn {
  session: ConsoleSession;
  user: ConsoleUser;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toConsoleUser(user: User): ConsoleUser {
  return { id: user.id, accountId: user.accountId, name: user.name, email: user.email, role: user.role };
}

/** Sessions that just ended in this process: one by its id (sign-out), or all of a user's (a new password). */
export type SessionsEnded = { sessionId: string } | { userId: string };

/** Sign-in with email and password, browser sessions, first passwords and invite links. */
@Injectable()
export class ConsoleAuthService {
  private readonly ended = new Subject<SessionsEnded>();

  // Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
  private readonly decoy = hashPassword(randomBytes(16).toString('hex'));

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(ConsoleSession) private readonly sessions: Repository<ConsoleSession>,
    @InjectRepository(ConsolePassword) private readonly passwords: Repository<ConsolePassword>,
    @InjectRepository(ConsoleInvite) private readonly invites: Repository<ConsoleInvite>,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly clock: Clock,
    private readonly hashing: PasswordHashing,
    private readonly signInLimits: SignInLimits,
  ) {}

  /**
   * A new session for the user whose email and password match; 401 otherwise. Attempts are counted before any
   * hashing (429 with the wait when over a limit); `browser` is the console's long-lived browser cookie.
   */
  async signIn(
    emailInput: string,
    password: string,
    address: string,
    browser: string,
  ): Promise<{ token: string; signedIn: SignedIn }> {
    const email = emailInput.trim().toLowerCase();
    const now = this.clock.now();
    await this.signInLimits.admit(email, address, browser);

    // An email is unique within an account, not across them: the account whose password matches wins.
    const candidates = (await this.dataSource.query(
      `SELECT u.id, p.password_hash FROM users u JOIN console_passwords p ON p.user_id = u.id
        WHERE u.email = $1 AND u.deactivated_at IS NULL ORDER BY u.created_at`,
      [email],
    )) as { id: string; password_hash: string }[];
    let userId: string | null = null;
    if (candidates.length === 0) await this.hashing.verify(password, await this.decoy);
    for (const candidate of candidates) {
      if (await this.hashing.verify(password, candidate.password_hash)) {
        userId = candidate.id;
        break;
      }
    }
    if (!userId) throw new UnauthorizedException('Wrong email or password');
    await this.signInLimits.succeeded(email, address, browser);
    const user = await this.users.findOneByOrFail({ id: userId });
    const token = randomBytes(32).toString('base64url');
    const session = await this.sessions.save(
      this.sessions.create({
        tokenHash: digest(token),
        userId: user.id,
        accountId: user.accountId,
        csrfToken: randomBytes(32).toString('base64url'),
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + SESSION_IDLE_MS),
      }),
    );
    return { token, signedIn: { session, user: toConsoleUser(user) } };
  }

  /** The session a cookie names, if it is still alive; its idle expiry moves forward. */
  async resume(token: string | undefined): Promise<SignedIn | null> {
    if (!token) return null;
    const now = this.clock.now();
    const session = await this.sessions.findOne({ where: { tokenHash: digest(token), expiresAt: MoreThan(now) } });
    if (!session) return null;
    const user = await this.users.findOne({
      where: { id: session.userId, accountId: session.accountId, deactivatedAt: IsNull() },
    });
    if (!user) return null;
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.sessions.update(
        { id: session.id },
        { lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_IDLE_MS) },
      );
    }
    return { session, user: toConsoleUser(user) };
  }

  async signOut(sessionId: string): Promise<void> {
    await this.sessions.delete({ id: sessionId });
    this.ended.next({ sessionId });
  }

  /** Sessions ended by this process, as they end; other processes' streams notice at their next session check. */
  sessionsEnded(): Observable<SessionsEnded> {
    return this.ended.asObservable();
  }

  /** Whether the session still exists and has not expired (a live stream asks now and then). */
  async alive(sessionId: string): Promise<boolean> {
    const session = await this.sessions.findOne({ where: { id: sessionId, expiresAt: MoreThan(this.clock.now()) } });
    // A user deactivated through the API keeps their session rows; their streams end all the same.
    return !!session && this.users.exists({ where: { id: session.userId, deactivatedAt: IsNull() } });
  }

  /** An admin sets a user's password (the first one, or a reset); the user's other sessions end. */
  async setPassword(accountId: string, userId: string, password: string): Promise<void> {
    await this.requireUser(accountId, userId);
    await this.storePassword(accountId, userId, password);
  }

  /** A person changes their own password: the current one first; their other sessions end, this one stays. */
  async changeOwnPassword(
    user: { id: string; accountId: string },
    current: string,
    next: string,
    keepSessionId: string,
  ): Promise<void> {
    const stored = await this.passwords.findOne({ where: { userId: user.id, accountId: user.accountId } });
    if (!stored || !(await this.hashing.verify(current, stored.passwordHash)))
      throw new UnprocessableEntityException({
        message: 'The current password is not right',
        problems: [{ field: 'currentPassword', message: 'This is not your current password.' }],
      });
    await this.storePassword(user.accountId, user.id, next, keepSessionId);
  }

  /** A deactivated user's ways in end now: sessions, their live streams and invite links not yet used. */
  async endAccess(accountId: string, userId: string): Promise<void> {
    await this.sessions.delete({ userId, accountId });
    await this.invites.update({ userId, usedAt: IsNull() }, { usedAt: this.clock.now() });
    this.ended.next({ userId });
  }

  /** A one-time link for the user to choose a password; the token is shown once. */
  async createInvite(
    accountId: string,
    userId: string,
    createdByUserId: string,
  ): Promise<{ token: string; expiresAt: Date }> {
    await this.requireUser(accountId, userId);
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
    await this.invites.insert({
      tokenHash: digest(token),
      userId,
      accountId,
      createdByUserId,
      createdAt: now,
      expiresAt,
      usedAt: null,
    });
    return { token, expiresAt };
  }

  /** The user an unused, unexpired invite is for; 404 otherwise (an unknown and a used link look alike). */
  async invitee(token: string): Promise<{ invite: ConsoleInvite; user: ConsoleUser }> {
    const invite = await this.invites.findOne({
      where: { tokenHash: digest(token), usedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) },
    });
    const user = invite
      ? await this.users.findOne({ where: { id: invite.userId, accountId: invite.accountId, deactivatedAt: IsNull() } })
      : null;
    if (!invite || !user)
      throw new NotFoundException('This invite link is unknown, used or expired; ask an admin for a new one');
    return { invite, user: toConsoleUser(user) };
  }

  async acceptInvite(token: string, password: string): Promise<ConsoleUser> {
    const { invite, user } = await this.invitee(token);
    const problem = passwordProblem(password);
    if (problem) throw new UnprocessableEntityException(problem);
    // Marked used first and conditionally, so two submissions of one link cannot both set a password.
    const used = await this.invites.update({ id: invite.id, usedAt: IsNull() }, { usedAt: this.clock.now() });
    if (!used.affected) throw new NotFoundException('This invite link was used already');
    await this.storePassword(invite.accountId, invite.userId, password);
    return user;
  }

  /** Which users of the account have a console password. */
  async withPassword(accountId: string): Promise<Set<string>> {
    return new Set(
      (await this.passwords.find({ where: { accountId }, select: { userId: true } })).map((p) => p.userId),
    );
  }

  private async storePassword(
    accountId: string,
    userId: string,
    password: string,
    keepSessionId?: string,
  ): Promise<void> {
    const problem = passwordProblem(password);
    if (problem)
      throw new UnprocessableEntityException({ message: problem, problems: [{ field: 'password', message: problem }] });
    const passwordHash = await this.hashing.hash(password);
    await this.passwords.upsert({ userId, accountId, passwordHash }, ['userId']);
    // A new password ends every way in made with the old state: sessions, their live streams, and invite links not yet used.
    await this.sessions.delete(keepSessionId ? { userId, id: Not(keepSessionId) } : { userId });
    await this.invites.update({ userId, usedAt: IsNull() }, { usedAt: this.clock.now() });
    // Live streams of the kept session end too, and the page's EventSource reconnects with it.
    this.ended.next({ userId });
  }

  private async requireUser(accountId: string, userId: string): Promise<void> {
    if (!isUUID(userId) || !(await this.users.exists({ where: { id: userId, accountId } })))
      throw new NotFoundException('No such user in this account');
  }
}
