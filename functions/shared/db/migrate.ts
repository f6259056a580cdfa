import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg, { type ClientConfig } from 'pg';

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

/**
 * Makes sure the application role exists with data privileges only (rows of every table and sequence; no DDL, no
 * superuser), and may log in through RDS Proxy with IAM (`rds_iam`, where that role exists), never a password.
 */
export async function ensureAppRole(config: ClientConfig, appRole: string): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    const role = client.escapeIdentifier(appRole);
    await client.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${client.escapeLiteral(appRole)}) THEN CREATE ROLE ${role} LOGIN; END IF;
      IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN GRANT rds_iam TO ${role}; END IF;
    END $$`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  } finally {
    await client.end();
  }
}
