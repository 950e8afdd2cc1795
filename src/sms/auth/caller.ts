import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';

/**
 * Who is calling. The host authenticates every request and sets `request.user` to this shape;
 * the SMS module only reads it, so any host with its own sign-in can serve the module's routes.
 */
export interface SmsCaller {
  accountId: string;
  userId: string;
  role: 'admin' | 'technician';
}

/** Routes that carry their own authentication (provider webhooks, health): the host's guard lets them through. */
export const PUBLIC_ROUTE = 'sms:public-route';
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

export function callerOf(context: ExecutionContext): SmsCaller {
  const user = context.switchToHttp().getRequest<{ user?: SmsCaller }>().user;
  if (!user) throw new UnauthorizedException('Sign in with a bearer token');
  return user;
}

export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext) => callerOf(context));

@Injectable()
export class AdminOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (callerOf(context).role !== 'admin') throw new ForbiddenException('Only an admin of this account may do this');
    return true;
  }
}
