import { CanActivate, createParamDecorator, ExecutionContext, Injectable, NotFoundException } from '@nestjs/common';
import type { Request } from 'express';
import { FlowrouteSettings } from './flowroute-settings.service';

type FlowrouteRequest = Request & { flowrouteAccountId?: string };

/**
 * Flowroute does not sign its callbacks, so the secret token in the path says which account they are for.
 * An unknown token answers 404, before anything is read or stored.
 */
@Injectable()
export class FlowrouteTokenGuard implements CanActivate {
  constructor(private readonly flowroute: FlowrouteSettings) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FlowrouteRequest>();
    const token = request.params.accountToken;
    const accountId = typeof token === 'string' ? await this.flowroute.accountForWebhookToken(token) : null;
    if (!accountId) throw new NotFoundException('No such webhook');
    request.flowrouteAccountId = accountId;
    return true;
  }
}

/** The account the path token of a Flowroute callback belongs to (set by FlowrouteTokenGuard). */
export const FlowrouteAccount = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const accountId = context.switchToHttp().getRequest<FlowrouteRequest>().flowrouteAccountId;
  if (!accountId) throw new NotFoundException('No such webhook');
  return accountId;
});
