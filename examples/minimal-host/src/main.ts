import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { hostConfig } from './config';
import { configureApp } from './setup';

async function bootstrap() {
  // ticket-sms sets up the body parsers itself (configureSmsHttp), so Nest's own stay off.
  const app = await NestFactory.create(AppModule, { bodyParser: false });
  configureApp(app);
  await app.listen(hostConfig().port);
}
void bootstrap();
