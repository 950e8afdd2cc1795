import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Params } from 'nestjs-pino';
import { maskPhone } from './sms';

/** Structured logs: tokens, auth headers and signatures never logged; phone numbers keep only their ends. */
export function loggerParams(level: string): Params {
  return {
    // Every route, written the way path-to-regexp 8 reads it (nestjs-pino's default '*' draws a warning at start-up).
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      genReqId: requestId,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-twilio-signature"]',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: maskPhone(
            req.url
              .replace(/([?&](token|m|_csrf)=)[^&]+/g, '$1…')
              .replace(/(\/portal\/tickets\/)[^/?]+/, '$1…')
              .replace(/(\/webhooks\/flowroute\/)[^/?]+/, '$1…')
              .replace(/(\/console\/invite\/)[^/?]+/, '$1…'),
          ),
        }),
      },
      formatters: {
        log: (object: Record<string, unknown>) => maskPhonesIn(object) as Record<string, unknown>,
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/health' },
    },
  };
}

// A caller's id is kept when it is a plain token of sane length (a proxy's or a client's); anything else gets a new one.
const GIVEN_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id, on its log lines (pino's `req.id`) and answered as X-Request-Id: the caller's own X-Request-Id
 * when it is a plain token, so one id follows a request through a proxy, else a new one.
 */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const id = givenOrNewRequestId(req);
  res.setHeader('X-Request-Id', id);
  return id;
}

/** The caller's X-Request-Id when it is a plain token, else a new id. */
export function givenOrNewRequestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && GIVEN_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Error answers (JSON objects with a 4xx or 5xx status) carry the request's id, so a report can be found in the logs. */
export function requestIdInErrors(req: Request, res: Response, next: NextFunction): void {
  const json = res.json.bind(res);
  res.json = (body?: unknown) => {
    const id = (req as Request & { id?: unknown }).id;
    const isError = res.statusCode >= 400 && body !== null && typeof body === 'object' && !Array.isArray(body);
    return json(isError && typeof id === 'string' ? { ...(body as object), requestId: id } : body);
  };
  next();
}

/**
 * Every string of a log line's fields with its phone numbers masked. The request and response of a request's line are
 * left whole: their serializers pick what is logged of them (the URL masked), and walking the objects themselves cost
 * more than the rest of handling the request.
 */
export function maskPhonesIn(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhone(value);
  if (depth > 4 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (value instanceof IncomingMessage || value instanceof ServerResponse) return value;
  if (Array.isArray(value)) return value.map((v) => maskPhonesIn(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPhonesIn(v, depth + 1)]));
}
