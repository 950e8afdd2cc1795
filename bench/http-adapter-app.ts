/**
 * The HTTP adapter case's app (bench/http-adapters.ts): a small NestJS app on express or on Fastify, with no database,
 * so what it costs per request is the framework's own. Run as its own process:
 * `ADAPTER=express|fastify SHAPE=bare|update [LOGGER=nestjs-pino|fastify] PORT=… node dist-bench/bench/http-adapter-app.js`
 *
 * - `bare`: `POST /bare` answering `{"ok":true}`, nothing else (no logging, no helmet, no pipes).
 * - `update`: `POST /api/tickets/:id/updates`, shaped like the helpdesk's ticket update as src/bootstrap.ts sets it up:
 *   helmet with the service's settings, every request logged at info through pino with the service's logger settings
 *   (src/logging.ts) to stdout (the bench sends it to /dev/null), a global guard reading a Bearer header, the global
 *   ValidationPipe (whitelist, forbidNonWhitelisted, transform), ParseUUIDPipe on the id and a class-validator DTO.
 *   LOGGER picks, on Fastify, nestjs-pino (pino-http and helmet as middleware, through @fastify/middie: the service
 *   moved over as it is) or Fastify's own pino logger and helmet in an onRequest hook (as a Fastify app would do it).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import {
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  HttpCode,
  Injectable,
  Module,
  Param,
  ParseUUIDPipe,
  Post,
  UnauthorizedException,
  ValidationPipe,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { FastifyReply, FastifyRequest, LogController } from 'fastify';
import helmet from 'helmet';
import { Logger, LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { givenOrNewRequestId, loggerParams, maskPhonesIn } from '../src/logging';

export type Adapter = 'express' | 'fastify';
export type Shape = 'bare' | 'update';
export type RequestLogger = 'nestjs-pino' | 'fastify';

const JSON_BODY_LIMIT_BYTES = 1024 * 1024; // the service's SMS_JSON_BODY_LIMIT, '1mb'
const LOG_LEVEL = 'info';

@Controller()
class BareController {
  @Post('bare')
  @HttpCode(200)
  bare(): { ok: boolean } {
    return { ok: true };
  }
}

const STATUSES = ['open', 'pending', 'solved'] as const;

class UpdateDto {
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  body?: string;

  @IsOptional()
  @IsString()
  @MaxLength(5000)
  smsBody?: string;

  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @IsOptional()
  @IsString()
  @MaxLength(200)
  subject?: string;
}

interface Caller {
  token: string;
}

/** The service's guard without its token lookup: the Bearer header read, the caller put on the request. */
@Injectable()
class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    // Both adapters' requests carry Node's headers object; express's `header()` is not on Fastify's.
    const request = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders; caller?: Caller }>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new UnauthorizedException('Send Authorization: Bearer <token>');
    request.caller = { token: match[1] };
    return true;
  }
}

@Controller('tickets')
class TicketsController {
  @Post(':id/updates')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateDto) {
    return {
      comment: { id: randomUUID(), ticketId: id, body: body.body ?? '', createdAt: new Date().toISOString() },
      smsMessageIds: body.smsBody ? [randomUUID()] : [],
    };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

@Module({ controllers: [TicketsController], providers: [{ provide: APP_GUARD, useClass: BearerGuard }] })
class UpdateModule {}

@Module({
  imports: [LoggerModule.forRoot(loggerParams(LOG_LEVEL))],
  controllers: [TicketsController],
  providers: [{ provide: APP_GUARD, useClass: BearerGuard }],
})
class LoggedUpdateModule {}

/** The service's helmet settings for plain http (src/bootstrap.ts): no upgrade to https, no HSTS. */
const serviceHelmet = () =>
  helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    strictTransportSecurity: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });

const validation = () => new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

/** The service's pino options (src/logging.ts) for a plain pino logger: what pino-http adds stays with pino-http. */
function servicePinoOptions(): pino.LoggerOptions {
  const options = loggerParams(LOG_LEVEL).pinoHttp as PinoHttpOptions;
  return {
    level: options.level,
    redact: options.redact,
    // pino-http's default for the answer (status and headers); a bare pino logger would walk the whole object.
    serializers: { ...options.serializers, res: pino.stdSerializers.res },
    formatters: { log: (object: Record<string, unknown>) => maskPhonesIn(object) as Record<string, unknown> },
  };
}

async function express(shape: Shape): Promise<NestExpressApplication> {
  if (shape === 'bare') {
    const app = await NestFactory.create<NestExpressApplication>(BareModule, { logger: false });
    app.disable('x-powered-by');
    return app;
  }
  const app = await NestFactory.create<NestExpressApplication>(LoggedUpdateModule, {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT_BYTES, type: ['application/json', 'application/*+json'] });
  app.disable('x-powered-by');
  app.use(serviceHelmet());
  app.setGlobalPrefix('api');
  app.useGlobalPipes(validation());
  return app;
}

/**
 * The request's id as the service gives it (src/logging.ts): the caller's X-Request-Id when plain, else a new one. Kept
 * on Node's request too, where pino-http keeps it, for the log line's serializer.
 */
function requestId(req: IncomingMessage): string {
  const id = givenOrNewRequestId(req);
  req.id = id;
  return id;
}

/**
 * One line per answered request, at the level pino-http would pick (src/logging.ts), where Fastify's default writes
 * one line on arrival and another when answered. `fastify` is the one @nestjs/platform-fastify pins and runs.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const level = error || reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'warn' : 'info';
    // Node's request and answer, as pino-http logs them: the service's log formatter walks any other object whole.
    reply.log[level]({ req: request.raw, res: reply.raw, responseTime: reply.elapsedTime }, 'request completed');
  }
}

async function fastify(shape: Shape, logger: RequestLogger): Promise<NestFastifyApplication> {
  if (shape === 'bare')
    return NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
  const fastifyLogger =
    logger === 'fastify' ? { loggerInstance: pino(servicePinoOptions()), logController: new OneLinePerRequest() } : {};
  const adapter = new FastifyAdapter({ bodyLimit: JSON_BODY_LIMIT_BYTES, genReqId: requestId, ...fastifyLogger });
  const app = await NestFactory.create<NestFastifyApplication>(
    logger === 'nestjs-pino' ? LoggedUpdateModule : UpdateModule,
    adapter,
    logger === 'nestjs-pino' ? { bufferLogs: true } : { logger: ['warn', 'error'] },
  );
  const instance = app.getHttpAdapter().getInstance();
  // nestjs-pino on Fastify keeps Fastify's request id (pino-http's genReqId is not called), so it is answered here.
  instance.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
  if (logger === 'nestjs-pino') {
    app.useLogger(app.get(Logger));
    // Through @fastify/middie, as express middleware.
    app.use(serviceHelmet());
  } else {
    // What @fastify/helmet does: helmet's middleware in an onRequest hook, without middie.
    const headers = serviceHelmet();
    instance.addHook('onRequest', (request, reply, done) =>
      headers(request.raw, reply.raw, (err?: unknown) => done(err instanceof Error ? err : undefined)),
    );
  }
  app.setGlobalPrefix('api');
  app.useGlobalPipes(validation());
  return app;
}

async function main(): Promise<void> {
  const adapter = process.env.ADAPTER as Adapter;
  const shape = process.env.SHAPE as Shape;
  const app =
    adapter === 'fastify'
      ? await fastify(shape, (process.env.LOGGER as RequestLogger | undefined) ?? 'nestjs-pino')
      : await express(shape);
  await app.listen(Number(process.env.PORT), '127.0.0.1');
}

void main();
