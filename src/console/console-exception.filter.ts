import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Response } from 'express';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
  retryAfterHeader,
} from '../sms';
import { ConsoleRequest, wantsJson } from './auth/console-request';
import { SignInRequiredException } from './auth/console-session.guard';
import { ConsoleViews } from './console-views';

const HEADINGS: Record<number, string> = {
  403: 'Not allowed',
  404: 'Not found',
  422: 'Cannot do that',
  429: 'Too many attempts',
  503: 'Unavailable for a moment',
};

/** Console errors as a person sees them: a sign-in redirect, a page with the reason, or JSON for the page scripts. */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Console');

  constructor(private readonly views: ConsoleViews) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<ConsoleRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    if (thrown instanceof SignInRequiredException && !wantsJson(request)) {
      const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.originalUrl)}` : '';
      res.redirect(303, `/console/sign-in${next}`);
      return;
    }
    // PostgreSQL down or restarting: say so, and when to try again, rather than report a fault of ours.
    const databaseDown = isDatabaseUnavailable(thrown);
    if (databaseDown) {
      this.logger.warn(
        `${request.method} ${request.originalUrl.split('?')[0]} answered 503: ${(thrown as Error).message}`,
      );
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    }
    const retryAfter = retryAfterHeader(thrown);
    if (retryAfter) res.setHeader('Retry-After', retryAfter);
    const exception = databaseDown ? new ServiceUnavailableException(DATABASE_UNAVAILABLE_MESSAGE) : thrown;
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    if (status >= 500 && status !== 503)
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    const body =
      exception instanceof HttpException
        ? exception.getResponse()
        : { statusCode: 500, message: 'Something went wrong on our side; try again' };
    const message = messageOf(body);
    if (wantsJson(request)) {
      res.status(status).json(typeof body === 'string' ? { statusCode: status, message } : body);
      return;
    }
    this.views.page(
      res,
      request.console ?? null,
      'error',
      { heading: HEADINGS[status] ?? 'Something went wrong', message },
      { title: 'Error', status },
    );
  }
}

export function messageOf(body: unknown): string {
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : 'Something went wrong';
}
