import { timingSafeEqual } from 'node:crypto';
import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Account } from '../../helpdesk/accounts/account.entity';
import type { SmsCaller } from '../../sms';
import { ConsoleAuthService } from './console-auth.service';
import { CONSOLE_ANONYMOUS, CONSOLE_ROLES, ConsoleRequest, readCookie, SESSION_COOKIE } from './console-request';

/** No live session: pages redirect to the sign-in form, the console's JSON answers 401. */
export class SignInRequiredException extends HttpException {
  constructor() {
    super({ statusCode: 401, error: 'Unauthorized', message: 'Sign in to the console first' }, HttpStatus.UNAUTHORIZED);
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Authenticates console routes by the session cookie (API bearer tokens are not accepted here), checks the
 * session's CSRF synchronizer token on every write, and the role a page asks for.
 */
@Injectable()
export class ConsoleSessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: ConsoleAuthService,
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    if (this.reflector.getAllAndOverride<boolean>(CONSOLE_ANONYMOUS, [context.getHandler(), context.getClass()]))
      return true;
    const signedIn = await this.auth.resume(readCookie(request, SESSION_COOKIE));
    if (!signedIn) throw new SignInRequiredException();
    const account = await this.accounts.findOne({ where: { id: signedIn.user.accountId } });
    if (!account) throw new SignInRequiredException();
    if (!SAFE_METHODS.has(request.method)) {
      const body = request.body as Record<string, unknown> | undefined;
      const given = request.header('x-csrf-token') ?? body?._csrf;
      if (!sameToken(given, signedIn.session.csrfToken)) {
        throw new ForbiddenException('This form has no valid security (CSRF) token; reload the page and send it again');
      }
    }
    const caller: SmsCaller = { accountId: account.id, userId: signedIn.user.id, role: signedIn.user.role };
    request.user = caller;
    request.console = {
      ...signedIn,
      account: {
        id: account.id,
        name: account.name,
        timezone: account.timezone,
        defaultCountry: account.defaultCountry,
      },
      caller,
    };
    const roles = this.reflector.getAllAndOverride<SmsCaller['role'][] | undefined>(CONSOLE_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && !roles.includes(caller.role))
      throw new ForbiddenException('Only an admin of this account may open this page');
    return true;
  }
}
