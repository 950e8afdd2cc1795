import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, Environment } from './app-config';

/** Makes the validated environment injectable everywhere as APP_CONFIG. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(environment: Environment): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: environment }], exports: [APP_CONFIG] };
  }
}
