import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '../config/app-config';
import { databaseOptions } from './database-options';

/** The data source the TypeORM CLI uses (`npm run migration:run`, `npm run migration:generate`). */
export default new DataSource(databaseOptions(loadEnvironment().DATABASE_URL));
