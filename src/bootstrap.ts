import { INestApplication, RequestMethod, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { DatabaseUnavailableFilter } from './common/database-unavailable.filter';
import { Environment } from './config/app-config';
import { requestIdInErrors } from './logging';
import { mountQueueDashboard } from './operations/queue-dashboard';

/** HTTP set-up shared by the service and the e2e suites, so tests exercise what production runs. */
export function configureApp(app: INestApplication, env: Environment): void {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  // Flat form fields (extended: false): Twilio signs each field by its exact name.
  express.useBodyParser('urlencoded', { extended: false, limit: '256kb' });
  // Flowroute's callbacks are JSON:API, which may come as application/vnd.api+json.
  express.useBodyParser('json', { limit: '1mb', type: ['application/json', 'application/*+json'] });
  express.disable('x-powered-by');
  express.set('trust proxy', true);
  express.use(requestIdInErrors);
  mountQueueDashboard(app, env);
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'health', method: RequestMethod.ALL },
      { path: 'metrics', method: RequestMethod.ALL },
      { path: 'webhooks/{*path}', method: RequestMethod.ALL },
      { path: 'portal/{*path}', method: RequestMethod.ALL },
      { path: 'console', method: RequestMethod.ALL },
      { path: 'console/{*path}', method: RequestMethod.ALL },
    ],
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new DatabaseUnavailableFilter(app.getHttpAdapter()));
  app.enableShutdownHooks();

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
