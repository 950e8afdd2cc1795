import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity from a raw row (snake_case columns, as `RETURNING *` gives them), converted the way TypeORM converts
 * the rows of its own queries. For hot paths that write and read a row in one statement.
 */
export function hydrate<T extends ObjectLiteral>(tx: EntityManager, target: EntityTarget<T>, row: Record<string, unknown>): T {
  const metadata = tx.connection.getMetadata(target);
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    if (column.databaseName in row) column.setEntityValue(entity, tx.connection.driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return entity;
}
