import {
  CanActivate,
  ExecutionContext,
  Injectable,
  PayloadTooLargeException,
  BadRequestException,
} from '@nestjs/common';
import type { Request } from 'express';

/**
 * What a provider callback may carry. The largest real ones (an MMS with ten media links and every optional field)
 * are a few kilobytes, so these leave room without letting one request cost more than a few milliseconds.
 */
export const WEBHOOK_LIMITS = {
  /** Bytes of a callback body; the HTTP layer's body parsers for the webhook routes should use this limit too. */
  bodyBytes: 64 * 1024,
  /** Top-level fields of a form callback (Twilio's inbound form has about 40 with ten media). */
  formFields: 100,
  /** Characters of an inbound text: Twilio's 1,600 with slack for providers that count differently. */
  textCharacters: 5_000,
  /** A provider's message or record id (Twilio sids are 34, Flowroute record ids about 40). */
  idCharacters: 64,
  /** A media link. */
  urlCharacters: 2_048,
  /** Entries of a JSON:API `included` array or relationship list (media items at most ten). */
  listItems: 20,
} as const;

/**
 * Refuses an oversized or over-wide callback before any signature, parsing or database work: 413 when the body is
 * larger than WEBHOOK_LIMITS.bodyBytes (by its declared length, which the body parser has already enforced), 400
 * when a form has more fields than any provider sends.
 */
@Injectable()
export class WebhookLimitsGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const declared = Number(request.header('content-length') ?? 0);
    if (declared > WEBHOOK_LIMITS.bodyBytes) {
      throw new PayloadTooLargeException(
        `A callback body may be at most ${WEBHOOK_LIMITS.bodyBytes} bytes; this one is ${declared}`,
      );
    }
    const body: unknown = request.body;
    if (request.is('application/x-www-form-urlencoded') && typeof body === 'object' && body !== null) {
      const fields = Object.keys(body).length;
      if (fields > WEBHOOK_LIMITS.formFields)
        throw new BadRequestException(
          `A callback may have at most ${WEBHOOK_LIMITS.formFields} fields; this one has ${fields}`,
        );
    }
    return true;
  }
}
