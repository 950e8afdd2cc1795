import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity from a raw row (snake_case columns, as `RETURNING *` gives them), converted the way TypeORM converts
 * the rows of its own queries. For hot paths that write and read a row in one statement.
 */
export function hydrate<T extends ObjectLiteral>(
  tx: EntityManager,
  target: EntityTarget<T>,
  row: Record<string, unknown>,
): T {
  const metadata = tx.connection.getMetadata(target);
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    if (column.databaseName in row)
      column.setEntityValue(entity, tx.connection.driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return entity;
}

/**
 * The entity's columns as a SELECT or RETURNING list. Prepared statements name their columns rather than use `*`:
 * a column added by a migration while a process runs would otherwise change the result of a statement that
 * connection has already prepared, which PostgreSQL refuses.
 */
export function columnList(manager: EntityManager, target: EntityTarget<ObjectLiteral>, alias?: string): string {
  return manager.connection
    .getMetadata(target)
    .columns.map((c) => (alias ? `${alias}."${c.databaseName}"` : `"${c.databaseName}"`))
    .join(', ');
}

/** The entity's columns read from `alias`, each renamed `<prefix><column>`: another table's row beside the main one. */
export function prefixedColumnList(
  manager: EntityManager,
  target: EntityTarget<ObjectLiteral>,
  alias: string,
  prefix: string,
): string {
  return manager.connection
    .getMetadata(target)
    .columns.map((c) => `${alias}."${c.databaseName}" AS "${prefix}${c.databaseName}"`)
    .join(', ');
}

/** The entity whose columns `prefixedColumnList` put in `row`, or null when its key column is null (no row joined). */
export function hydratePrefixed<T extends ObjectLiteral>(
  tx: EntityManager,
  target: EntityTarget<T>,
  row: Record<string, unknown>,
  prefix: string,
): T | null {
  const metadata = tx.connection.getMetadata(target);
  const key = metadata.primaryColumns[0];
  if (!key || row[`${prefix}${key.databaseName}`] === null || row[`${prefix}${key.databaseName}`] === undefined)
    return null;
  const own: Record<string, unknown> = {};
  for (const column of metadata.columns) own[column.databaseName] = row[`${prefix}${column.databaseName}`];
  return hydrate(tx, target, own);
}
