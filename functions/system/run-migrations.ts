import { logger } from '#shared/observability';
import { applyMigrations } from '#shared/use-cases/system/migrations';
import { migrationDeps } from '#shared/wiring/migrations';

/**
 * Applies pending schema migrations, then makes sure the application role exists with data privileges only. CDK runs
 * it on every deployment (a Trigger); node-pg-migrate's advisory lock makes concurrent runs safe and applied
 * versions are skipped. The application role logs in through RDS Proxy with IAM (`rds_iam`), never a password.
 */
const deps = migrationDeps();

export const handler = async (): Promise<{ applied: string[] }> => {
  const { applied, appRole } = await applyMigrations(deps);
  logger.info('Migrations applied', { applied, appRole });
  return { applied };
};
