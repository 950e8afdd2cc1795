import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { Repository } from 'typeorm';
import {
  PreparedStatement,
  PUBLIC_ROUTE,
  RateLimits,
  runPrepared,
  SmsCaller,
  TooManyRequestsException,
} from '../../sms';
import { User } from '../users/user.entity';
import { hashToken } from './tokens';

// Prepared: every API request runs it.
const USER_BY_TOKEN: PreparedStatement = {
  name: 'helpdesk-user-by-token',
  text: 'SELECT id, account_id, role FROM users WHERE token_hash = $1 AND deactivated_at IS NULL',
};
/** Unknown tokens one client address may send per window before its requests are refused without a lookup. */
export const TOKEN_FAILURES_PER_ADDRESS = 50;
export const TOKEN_FAILURE_WINDOW_MS = 5 * 60_000;
/** Addresses a process remembers as refused; past it the oldest is forgotten (Redis still counts it). */
const BLOCKED_ADDRESSES_REMEMBERED = 10_000;

/** Every route needs a user's bearer token unless it is marked public (webhooks, health, platform, portal). */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  /**
   * Addresses this process saw reach the limit, with when their window ends: refused without a lookup. The count is
   * kept in Redis for every process; a process learns an address is over it from the count its own next failure gets
   * back, so a valid token costs no round trip to Redis and a flood of unknown ones costs each process one lookup more.
   */
  private readonly blocked = new Map<string, number>();

  constructor(
    private readonly reflector: Reflector,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<Request & { user?: SmsCaller }>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.header('authorization') ?? '');
    if (!match) throw new UnauthorizedException('Send Authorization: Bearer <token>');
    const failuresKey = `bearer-failures:${request.ip ?? 'unknown'}`;
    const blockedUntil = this.blocked.get(failuresKey);
    if (blockedUntil !== undefined) {
      if (blockedUntil > Date.now()) throw tooManyUnknownTokens(blockedUntil - Date.now());
      this.blocked.delete(failuresKey);
    }
    const [user] = await runPrepared<{ id: string; account_id: string; role: User['role'] }>(
      this.users.manager,
      USER_BY_TOKEN,
      [hashToken(match[1])],
    );
    if (!user) {
      const failures = await this.limits.hit(failuresKey, TOKEN_FAILURE_WINDOW_MS);
      // The failure that reaches the limit is still answered 401; the next request from the address is refused here.
      if (failures.count >= TOKEN_FAILURES_PER_ADDRESS) this.remember(failuresKey, Date.now() + failures.resetMs);
      if (failures.count > TOKEN_FAILURES_PER_ADDRESS) throw tooManyUnknownTokens(failures.resetMs);
      throw new UnauthorizedException('Unknown or revoked token');
    }
    request.user = { accountId: user.account_id, userId: user.id, role: user.role };
    return true;
  }

  private remember(key: string, until: number): void {
    this.blocked.delete(key);
    if (this.blocked.size >= BLOCKED_ADDRESSES_REMEMBERED) this.blocked.delete(this.blocked.keys().next().value!);
    this.blocked.set(key, until);
  }
}

function tooManyUnknownTokens(resetMs: number): TooManyRequestsException {
  return new TooManyRequestsException(
    'Too many requests with unknown tokens from your network; try again later',
    resetMs,
  );
}
