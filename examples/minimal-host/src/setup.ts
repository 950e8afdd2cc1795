import { INestApplication, ValidationPipe } from '@nestjs/common';
import { configureSmsHttp } from 'ticket-sms';

/** The HTTP set-up main.ts and the e2e tests share. */
export function configureApp(app: INestApplication): void {
  configureSmsHttp(app);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  app.enableShutdownHooks();
}
