import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../../sms.options';

/**
 * Checks X-Twilio-Signature over the URL Twilio called and every posted field. The URL is built from
 * PUBLIC_URL and the request path, never from the Host header, which a caller controls.
 */
@Injectable()
export class TwilioSignatureGuard implements CanActivate {
  constructor(@Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const signature = request.header('x-twilio-signature');
    const authToken = this.options.twilio?.authToken;
    if (!signature || !authToken) throw new ForbiddenException('Missing or invalid Twilio signature');
    const url = `${this.options.publicUrl}${request.originalUrl}`;
    const params = (request.body ?? {}) as Record<string, string | string[]>;
    if (typeof params !== 'object' || !validateRequest(authToken, signature, url, params)) {
      throw new ForbiddenException('Missing or invalid Twilio signature');
    }
    return true;
  }
}
