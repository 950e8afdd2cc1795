import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { retryAfterHeader } from '../rate-limits/rate-limits';

/** Seconds a client (or Twilio, retrying a webhook) should wait: about what a PostgreSQL restart or failover takes. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable right now; try again in a few seconds';

// Socket-level failures of the connection to PostgreSQL (pg rethrows them as they are).
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// SQLSTATEs of a server going away or not ready: admin shutdown, crash shutdown, cannot connect now, too many connections.
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
// pg and pg-pool report a dropped or never-made connection by message only.
const MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /is not queryable/,
  /the database system is (starting up|shutting down|in recovery mode)/,
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  isAxiosError?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * Whether `error` says the database could not be reached (down, restarting, refusing connections), as opposed to a
 * query that failed on its own merits. Looks through TypeORM's `driverError`, `cause` and an AggregateError's `errors`.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null || error instanceof HttpException) return false;
  const e = error as ErrorLike;
  // The provider's HTTP client reports its own refused connections; those are handled where texts are sent.
  if (e.isAxiosError === true) return false;
  if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || SQLSTATES.has(e.code) || e.code.startsWith('08')))
    return true;
  if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e.message as string))) return true;
  const nested = [e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return nested.some((n) => n !== e && isDatabaseUnavailable(n, depth + 1));
}

/**
 * A request that fails because PostgreSQL is down or restarting answers 503 with Retry-After instead of 500: the
 * caller may try again, and Twilio retries a webhook that got one (a transaction commits all or nothing, so nothing is
 * half-written). Every other error goes to Nest's own handling.
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(DatabaseUnavailableFilter.name);

  override catch(exception: unknown, host: ArgumentsHost): void {
    const adapter = this.applicationRef ?? this.httpAdapterHost?.httpAdapter;
    const retryAfter = retryAfterHeader(exception);
    // A rate limit or a full bound says when to come back.
    if (
      retryAfter &&
      adapter &&
      host.getType() === 'http' &&
      !adapter.isHeadersSent(host.switchToHttp().getResponse())
    ) {
      adapter.setHeader(host.switchToHttp().getResponse(), 'Retry-After', retryAfter);
    }
    if (host.getType() !== 'http' || !adapter || !isDatabaseUnavailable(exception)) return super.catch(exception, host);
    const response: unknown = host.switchToHttp().getResponse();
    const request = host.switchToHttp().getRequest<{ method?: string; url?: string }>();
    this.logger.warn(
      `${request.method ?? ''} ${(request.url ?? '').split('?')[0]} answered 503: ${(exception as Error).message}`,
    );
    if (!adapter.isHeadersSent(response)) {
      adapter.setHeader(response, 'Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      // A webhook handler has already declared text/xml for its answer; this one is JSON.
      adapter.setHeader(response, 'Content-Type', 'application/json; charset=utf-8');
    }
    adapter.reply(
      response,
      {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'Service Unavailable',
        message: DATABASE_UNAVAILABLE_MESSAGE,
      },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
}
