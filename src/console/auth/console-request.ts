import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { SmsCaller } from '../../sms';
import type { ConsoleUser } from './console-auth.service';
import type { ConsoleSession } from './console-session.entity';

export const SESSION_COOKIE = 'tsms_console';

/** What the console knows about the signed-in browser, set by ConsoleSessionGuard. */
export interface ConsoleContext {
  session: ConsoleSession;
  user: ConsoleUser;
  account: { id: string; name: string; timezone: string; defaultCountry: string };
  caller: SmsCaller;
}

export type ConsoleRequest = Request & { user?: SmsCaller; console?: ConsoleContext };

/** Pages only some roles may open; others get a 403 page. */
export const CONSOLE_ROLES = 'console:roles';
export const ConsoleRoles = (...roles: SmsCaller['role'][]) => SetMetadata(CONSOLE_ROLES, roles);

/** Routes of the console that need no session (sign-in, invite links, the stylesheet). */
export const CONSOLE_ANONYMOUS = 'console:anonymous';
export const ConsoleAnonymous = () => SetMetadata(CONSOLE_ANONYMOUS, true);

export const CurrentConsole = createParamDecorator((_data: unknown, context: ExecutionContext): ConsoleContext => {
  const console = context.switchToHttp().getRequest<ConsoleRequest>().console;
  if (!console) throw new Error('CurrentConsole used on a route without ConsoleSessionGuard');
  return console;
});

export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** Whether the client wants JSON (the console's scripts) rather than a page. */
export function wantsJson(request: Request): boolean {
  return request.path.startsWith('/console/api/') || (request.headers.accept ?? '').includes('application/json');
}
