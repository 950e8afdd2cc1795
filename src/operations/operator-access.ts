import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface OperatorRefusal {
  status: 401 | 404;
  message: string;
}

const REALM = 'Basic realm="ticket-sms operators", charset="UTF-8"';

/**
 * Operators (the queue dashboard, /metrics) show themselves with PLATFORM_TOKEN, like the platform API: as a bearer
 * token (a scraper, curl) or as the password of HTTP basic auth, the one a browser prompts for. Null: let in.
 */
export function operatorRefusal(header: string | undefined, platformToken: string | undefined): OperatorRefusal | null {
  if (!platformToken) return { status: 404, message: 'Operator pages are off (PLATFORM_TOKEN is not set)' };
  const given = presentedToken(header ?? '');
  if (given === null)
    return { status: 401, message: 'Operator pages need the platform token (Bearer, or as the basic-auth password)' };
  const [a, b] = [Buffer.from(given), Buffer.from(platformToken)];
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { status: 401, message: 'Wrong platform token' };
  return null;
}

function presentedToken(header: string): string | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/** Answers a refusal: a 401 asks a browser for the token with a basic-auth prompt. */
export function refuse(res: Response, refusal: OperatorRefusal): void {
  if (refusal.status === 401) res.setHeader('WWW-Authenticate', REALM);
  res.status(refusal.status).json({ statusCode: refusal.status, message: refusal.message });
}

/** Express middleware in front of operator pages that Nest does not route (the queue dashboard). */
export function operatorsOnly(platformToken: string | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const refusal = operatorRefusal(req.header('authorization'), platformToken);
    if (refusal) refuse(res, refusal);
    else next();
  };
}
