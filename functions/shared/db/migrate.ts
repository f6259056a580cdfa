import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { ClientConfig } from 'pg';

/**
 * Applies the versioned SQL migrations in `migrations/` (node-pg-migrate, one transaction each, guarded by an
 * advisory lock so concurrent starters don't race). Locally the stack runs this on start; in AWS the
 * `system/run-migrations` function does, from the deployment.
 */
export const MIGRATIONS_DIR = process.env.MIGRATIONS_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function migrateUp(databaseUrl: string | ClientConfig): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    singleTransaction: true,
    log: () => undefined,
    noLock: false,
    checkOrder: true,
    verbose: false,
  });
  return applied.map((migration) => migration.name);
}
