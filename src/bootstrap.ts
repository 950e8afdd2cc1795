import { INestApplication, RequestMethod, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { configureSmsHttp, DatabaseUnavailableFilter, SMS_WEBHOOK_ROUTES } from './sms';
import { apiDocsOn, Environment, servedOverHttps, trustProxySetting } from './config/app-config';
import { requestIdInErrors } from './logging';
import { mountQueueDashboard } from './operations/queue-dashboard';

/** HTTP set-up shared by the service and the e2e suites, so tests exercise what production runs. */
export function configureApp(app: INestApplication, env: Environment): void {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  configureSmsHttp(app);
  express.disable('x-powered-by');
  // Only configured proxies may say who the client is: a forged X-Forwarded-For must not pick the address limits count.
  express.set('trust proxy', trustProxySetting(env.TRUST_PROXY));
  // Pages that need more (the console, the portal) set their own Content-Security-Policy on top of these.
  express.use(
    helmet({
      // Over plain http (development) upgrading the docs' own scripts to https would break them.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: servedOverHttps(env) ? [] : null } },
      // From PUBLIC_URL, never from a client's X-Forwarded-Proto: HSTS only where browsers really come over https.
      strictTransportSecurity: servedOverHttps(env) ? { maxAge: 180 * 86_400, includeSubDomains: false } : false,
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }),
  );
  express.use(requestIdInErrors);
  mountQueueDashboard(app, env);
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'health', method: RequestMethod.ALL },
      { path: 'metrics', method: RequestMethod.ALL },
      ...SMS_WEBHOOK_ROUTES,
      { path: 'portal/{*path}', method: RequestMethod.ALL },
      { path: 'p/:token', method: RequestMethod.GET },
      { path: 'console', method: RequestMethod.ALL },
      { path: 'console/{*path}', method: RequestMethod.ALL },
    ],
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new DatabaseUnavailableFilter(app.getHttpAdapter()));
  app.enableShutdownHooks();

  if (!apiDocsOn(env)) return;
  // Built on the first request for the docs, not at start-up: an idle process does not hold it.
  const document = () =>
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('ticket-sms')
        .setDescription(`SMS and MMS for helpdesk tickets. Sending through: ${env.SMS_PROVIDER}.`)
        .addBearerAuth()
        .build(),
    );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}

export async function createApp(env: Environment): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.register(env), { bodyParser: false, bufferLogs: true });
  configureApp(app, env);
  return app;
}
