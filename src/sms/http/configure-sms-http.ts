import { INestApplication, RequestMethod } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { refuseDeepJson } from './json-depth';

/** Largest form body (Twilio's webhooks) and JSON body (Flowroute's, the REST API) the parsers accept; more is a 413. */
export const SMS_FORM_BODY_LIMIT = '256kb';
export const SMS_JSON_BODY_LIMIT = '1mb';

/**
 * The provider webhooks' routes. A host that sets a global prefix (`app.setGlobalPrefix('api', { exclude })`) usually
 * leaves these out of it, so the URLs given to providers stay short; either way `publicUrl` must match.
 */
export const SMS_WEBHOOK_ROUTES: RouteInfo[] = [{ path: 'webhooks/{*path}', method: RequestMethod.ALL }];

/**
 * What the HTTP layer needs for the module's routes, on a NestJS express app created with `{ bodyParser: false }`:
 * flat form fields (Twilio signs each field by its exact name, so `extended` parsing would break signatures) and
 * JSON that includes `application/vnd.api+json` (Flowroute's callbacks are JSON:API), each with a size cap, and JSON
 * nested deeper than any body the module takes refused (400) before it is parsed.
 */
export function configureSmsHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  if (typeof express.useBodyParser !== 'function')
    throw new Error('ticket-sms serves its routes through @nestjs/platform-express');
  express.useBodyParser('urlencoded', { extended: false, limit: SMS_FORM_BODY_LIMIT });
  express.useBodyParser('json', {
    limit: SMS_JSON_BODY_LIMIT,
    type: ['application/json', 'application/*+json'],
    verify: refuseDeepJson,
  });
}
