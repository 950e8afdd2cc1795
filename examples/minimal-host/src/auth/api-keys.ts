import { createHash } from 'node:crypto';
import { CanActivate, createParamDecorator, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { SmsCaller } from 'ticket-sms';
import { Repository } from 'typeorm';
import { Agent, smsRole } from '../accounts/agent.entity';

type ApiRequest = { headers: Record<string, string | string[] | undefined>; agent?: Agent | null };

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Who an `X-Api-Key` header belongs to, looked up once per request. */
@Injectable()
export class ApiKeys {
  constructor(@InjectRepository(Agent) private readonly agents: Repository<Agent>) {}

  async agentOf(request: ApiRequest): Promise<Agent | null> {
    if (request.agent === undefined) {
      const key = request.headers['x-api-key'];
      request.agent =
        typeof key === 'string' && key ? await this.agents.findOneBy({ apiKeyHash: hashApiKey(key) }) : null;
    }
    return request.agent;
  }

  /** The same agent as ticket-sms sees them (its `resolveCaller`). */
  async smsCallerOf(request: unknown): Promise<SmsCaller | null> {
    const agent = await this.agentOf(request as ApiRequest);
    return agent && { accountId: String(agent.accountId), userId: String(agent.id), role: smsRole(agent.role) };
  }
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeys) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!(await this.keys.agentOf(context.switchToHttp().getRequest<ApiRequest>())))
      throw new UnauthorizedException('Send your API key in X-Api-Key');
    return true;
  }
}

/** The agent ApiKeyGuard let in. */
export const CurrentAgent = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<ApiRequest>().agent as Agent,
);
