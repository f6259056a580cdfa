import { logger } from '#shared/observability';
import { migrateUp } from '#shared/db/migrate';
import { connectionConfig } from '#shared/db/pool';

/**
 * Applies pending schema migrations. CDK runs it on every deployment (a Trigger after the database exists);
 * node-pg-migrate's advisory lock makes concurrent runs safe, and applied versions are skipped.
 */
export const handler = async (): Promise<{ applied: string[] }> => {
  const applied = await migrateUp(connectionConfig());
  logger.info('Migrations applied', { applied });
  return { applied };
};
