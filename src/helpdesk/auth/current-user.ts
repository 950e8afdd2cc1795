import { createParamDecorator, ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { SmsCaller } from '../../sms';

/** The signed-in user, as BearerAuthGuard (or the console's session guard) left it on the request. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): SmsCaller => {
  const user = context.switchToHttp().getRequest<{ user?: SmsCaller }>().user;
  if (!user) throw new UnauthorizedException('Sign in with a bearer token');
  return user;
});
