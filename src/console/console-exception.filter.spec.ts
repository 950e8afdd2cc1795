import { ArgumentsHost, NotFoundException } from '@nestjs/common';
import type { Response } from 'express';
import { DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE_MESSAGE } from '../sms';
import type { ConsoleRequest } from './auth/console-request';
import { ConsoleExceptionFilter } from './console-exception.filter';
import type { ConsoleViews } from './console-views';

interface Answer {
  status?: number;
  json?: unknown;
  headers: Record<string, string>;
  page?: { view: string; data: Record<string, unknown>; status: number };
}

function run(thrown: unknown, path: string, accept = 'text/html'): Answer {
  const answer: Answer = { headers: {} };
  const res = {
    setHeader: (name: string, value: string) => (answer.headers[name.toLowerCase()] = value),
    status(code: number) {
      answer.status = code;
      return this;
    },
    json: (body: unknown) => (answer.json = body),
    redirect: () => undefined,
  } as unknown as Response;
  const request = { method: 'GET', path, originalUrl: path, headers: { accept } } as unknown as ConsoleRequest;
  const views = {
    page: (
      _res: Response,
      _console: unknown,
      view: string,
      data: Record<string, unknown>,
      options: { status: number },
    ) => (answer.page = { view, data, status: options.status }),
  } as unknown as ConsoleViews;
  const host = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => res }),
  } as unknown as ArgumentsHost;
  new ConsoleExceptionFilter(views).catch(thrown, host);
  return answer;
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('ConsoleExceptionFilter', () => {
  it('answers a page with 503 and Retry-After while PostgreSQL is down, not a 500', () => {
    const answer = run(refused(), '/console/tickets');
    expect(answer.page).toEqual({
      view: 'error',
      data: { heading: 'Unavailable for a moment', message: DATABASE_UNAVAILABLE_MESSAGE },
      status: 503,
    });
    expect(answer.headers['retry-after']).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
  });

  it('answers the page scripts 503 JSON while PostgreSQL is down', () => {
    const answer = run(new Error('Connection terminated unexpectedly'), '/console/api/inbox');
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ statusCode: 503, message: DATABASE_UNAVAILABLE_MESSAGE });
    expect(answer.headers['retry-after']).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
  });

  it('keeps 500 for a fault of ours and the status of an HTTP exception', () => {
    expect(run(new TypeError('x is undefined'), '/console/tickets').page?.status).toBe(500);
    const notFound = run(new NotFoundException('No such ticket in this account'), '/console/tickets/1');
    expect(notFound.page).toMatchObject({
      status: 404,
      data: { heading: 'Not found', message: 'No such ticket in this account' },
    });
    expect(notFound.headers['retry-after']).toBeUndefined();
  });
});
