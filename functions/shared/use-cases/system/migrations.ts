/** The schema's ports: the versioned migrations and the application role (functions/shared/db/migrate.ts). */
export interface MigrationDeps {
  /** The login role the functions connect as (through RDS Proxy with IAM, never a password). */
  readonly appRole: string;
  /** Applies pending migrations; returns the names applied (none when the schema is current). */
  migrateUp(): Promise<string[]>;
  /** Creates the role if missing and grants it data privileges only (no DDL, no superuser). */
  ensureAppRole(role: string): Promise<void>;
}

/**
 * Brings the schema up to date, then makes sure the application role exists with data privileges only: in this order,
 * so the grants cover every table the migrations created. Safe to repeat and to run concurrently (advisory lock).
 */
export async function applyMigrations(deps: MigrationDeps): Promise<{ applied: string[]; appRole: string }> {
  const applied = await deps.migrateUp();
  await deps.ensureAppRole(deps.appRole);
  return { applied, appRole: deps.appRole };
}
