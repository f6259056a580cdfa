import { envVar, loadConfig } from '#shared/config';
import { ensureAppRole, migrateUp } from '#shared/db/migrate';
import { secretConnectionConfig } from '#shared/db/secret-connection';
import type { MigrationDeps } from '#shared/use-cases/system/migrations';
import * as z from '#shared/zod';

/**
 * Composition root of system/run-migrations (its own file: the other system functions carry no migration runner).
 * DATABASE_APP_USER (default `abhi_app`) names the application role; the connection is the migrations function's own
 * (DATABASE_AUTH `secret`: the RDS-managed master secret), read per run.
 */
export function migrationDeps(): MigrationDeps {
  const { DATABASE_APP_USER } = loadConfig({ DATABASE_APP_USER: z._default(envVar.text(), 'abhi_app') });
  return {
    appRole: DATABASE_APP_USER,
    migrateUp: () => migrateUp(secretConnectionConfig()),
    ensureAppRole: (role) => ensureAppRole(secretConnectionConfig(), role),
  };
}
