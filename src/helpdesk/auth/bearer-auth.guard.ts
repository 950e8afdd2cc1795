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

/** Every route needs a user's bearer token unless it is marked public (webhooks, health, platform, portal). */
@Injectable()
export class BearerAuthGuard implements CanActivate {
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
    const failures = await this.limits.peek(failuresKey);
    if (failures.count >= TOKEN_FAILURES_PER_ADDRESS) {
      throw new TooManyRequestsException(
        'Too many requests with unknown tokens from your network; try again later',
        failures.resetMs,
      );
    }
    const [user] = await runPrepared<{ id: string; account_id: string; role: User['role'] }>(
      this.users.manager,
      USER_BY_TOKEN,
      [hashToken(match[1])],
    );
    if (!user) {
      await this.limits.hit(failuresKey, TOKEN_FAILURE_WINDOW_MS);
      throw new UnauthorizedException('Unknown or revoked token');
    }
    request.user = { accountId: user.account_id, userId: user.id, role: user.role };
    return true;
  }
}
