import { timingSafeEqual } from 'node:crypto';
import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, Environment } from '../../config/app-config';

/** The platform API (creating accounts) answers only to PLATFORM_TOKEN, and does not exist without one. */
@Injectable()
export class PlatformTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly env: Environment) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.env.PLATFORM_TOKEN) throw new NotFoundException('The platform API is off (PLATFORM_TOKEN is not set)');
    const header = context.switchToHttp().getRequest<Request>().header('authorization') ?? '';
    const given = Buffer.from(header.replace(/^Bearer\s+/i, ''));
    const expected = Buffer.from(this.env.PLATFORM_TOKEN);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new ForbiddenException('Wrong platform token');
    return true;
  }
}
