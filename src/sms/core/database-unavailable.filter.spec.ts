import { Controller, Get, Header, INestApplication, NotFoundException, Param, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { QueryFailedError } from 'typeorm';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  DATABASE_UNAVAILABLE_MESSAGE,
  DatabaseUnavailableFilter,
  isDatabaseUnavailable,
} from './database-unavailable.filter';

// The shapes below are what pg, pg-pool and TypeORM throw when PostgreSQL is down, restarting or dropped the connection.
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    address: '127.0.0.1',
    port: 5432,
  });
const sqlError = (message: string, code: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
const inQuery = (driverError: Error) => new QueryFailedError('UPDATE tickets SET status = $1', ['New'], driverError);

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', refused()],
    [
      'a refused connection to every address of a host name',
      Object.assign(new AggregateError([refused(), refused()], ''), { code: 'ECONNREFUSED' }),
    ],
    [
      'an administrator shutdown in the middle of a query',
      inQuery(sqlError('terminating connection due to administrator command', '57P01')),
    ],
    ['a server still starting up', sqlError('the database system is starting up', '57P03')],
    [
      'a server that crashed',
      inQuery(sqlError('terminating connection because of crash of another server process', '57P02')),
    ],
    ['a connection cut under a query', inQuery(new Error('Connection terminated unexpectedly'))],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['a connection exception (class 08)', sqlError('connection failure', '08006')],
    [
      'a reset socket, wrapped as a cause',
      new Error('query failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }),
    ],
  ])('is true for %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    [
      'a unique violation',
      inQuery(sqlError('duplicate key value violates unique constraint "UQ_tickets_number"', '23505')),
    ],
    ['a syntax error', inQuery(sqlError('syntax error at or near "SELEC"', '42601'))],
    ['an HTTP exception', new NotFoundException('No such ticket in this account')],
    [
      'the provider refusing a connection (handled by the send pipeline)',
      { isAxiosError: true, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:443' },
    ],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a string', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('is false for %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('does not loop on an error that is its own cause', () => {
    const e = new Error('odd') as Error & { cause?: unknown };
    e.cause = e;
    expect(isDatabaseUnavailable(e)).toBe(false);
  });
});

@Controller('tickets')
class FailingController {
  @Post('webhook')
  @Header('Content-Type', 'text/xml')
  webhook(): never {
    throw refused();
  }

  @Get(':failure')
  fail(@Param('failure') failure: string): never {
    if (failure === 'database-down')
      throw inQuery(sqlError('terminating connection due to administrator command', '57P01'));
    if (failure === 'missing') throw new NotFoundException('No such ticket in this account');
    throw new Error('a bug');
  }
}

describe('DatabaseUnavailableFilter', () => {
  let sut: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [FailingController] }).compile();
    sut = moduleRef.createNestApplication({ logger: false });
    sut.useGlobalFilters(new DatabaseUnavailableFilter(sut.getHttpAdapter()));
    await sut.init();
  });

  afterAll(() => sut?.close());

  it('answers 503 with Retry-After and a reason when the database is unreachable', async () => {
    const res = await request(sut.getHttpServer()).get('/tickets/database-down').expect(503);
    expect(res.headers['retry-after']).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
    expect(res.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: DATABASE_UNAVAILABLE_MESSAGE });
  });

  it('answers JSON even where the handler meant to answer XML (a webhook)', async () => {
    const res = await request(sut.getHttpServer()).post('/tickets/webhook').expect(503);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['retry-after']).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
  });

  it('leaves HTTP exceptions as they are', async () => {
    const res = await request(sut.getHttpServer()).get('/tickets/missing').expect(404);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body.message).toBe('No such ticket in this account');
  });

  it('leaves other errors to Nest: 500 without a Retry-After', async () => {
    const res = await request(sut.getHttpServer()).get('/tickets/bug').expect(500);
    expect(res.headers['retry-after']).toBeUndefined();
  });
});
