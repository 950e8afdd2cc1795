import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { isHostId } from '../core/host-id';
import { type ResolvedSmsOptions, SMS_MODULE_OPTIONS } from '../sms.options';

/**
 * Who is calling: a user of one account and their role there. The host authenticates every request its own way;
 * the module asks it through the `resolveCaller` option (default: `request.user` of this shape).
 */
export interface SmsCaller {
  accountId: string;
  userId: string;
  role: 'admin' | 'technician';
}

/** Routes that carry their own authentication (provider webhooks): a host's global guard should let them through. */
export const PUBLIC_ROUTE = 'sms:public-route';
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

// Where the resolved caller is kept on the request, once per request.
const CALLER = Symbol('sms-caller');
type WithCaller = { [CALLER]?: SmsCaller };

const logger = new Logger('SmsCaller');

async function resolveOnce(request: WithCaller, options: ResolvedSmsOptions): Promise<SmsCaller> {
  const known = request[CALLER];
  if (known) return known;
  const caller = await options.resolveCaller(request);
  if (!caller) throw new UnauthorizedException('Sign in first');
  if (
    !isHostId(caller.accountId) ||
    !isHostId(caller.userId) ||
    (caller.role !== 'admin' && caller.role !== 'technician')
  ) {
    // The host's resolver is wrong, not the request: say so where the host's developers look, and refuse.
    logger.error(
      "resolveCaller answered something that is not an SmsCaller ({ accountId, userId, role: 'admin' | 'technician' })",
    );
    throw new UnauthorizedException('The caller could not be identified');
  }
  request[CALLER] = { accountId: caller.accountId, userId: caller.userId, role: caller.role };
  return request[CALLER];
}

/** On every route of the module but the webhooks: asks the host who is calling, and refuses nobody with 401. */
@Injectable()
export class SmsCallerGuard implements CanActivate {
  constructor(@Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await resolveOnce(context.switchToHttp().getRequest<WithCaller>(), this.options);
    return true;
  }
}

/** Admins of the account only (403 for technicians); resolves the caller itself, whatever order guards run in. */
@Injectable()
export class AdminOnlyGuard implements CanActivate {
  constructor(@Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const caller = await resolveOnce(context.switchToHttp().getRequest<WithCaller>(), this.options);
    if (caller.role !== 'admin') throw new ForbiddenException('Only an admin of this account may do this');
    return true;
  }
}

export function callerOf(context: ExecutionContext): SmsCaller {
  const caller = context.switchToHttp().getRequest<WithCaller>()[CALLER];
  if (!caller) throw new UnauthorizedException('Sign in first');
  return caller;
}

/** The caller SmsCallerGuard resolved for this request. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext) => callerOf(context));
