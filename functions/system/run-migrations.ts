import pg from 'pg';
import { envVar, loadConfig } from '#shared/config';
import { logger } from '#shared/observability';
import { migrateUp } from '#shared/db/migrate';
import { connectionConfig } from '#shared/db/pool';

/**
 * Applies pending schema migrations, then makes sure the application role exists with data privileges only. CDK runs
 * it on every deployment (a Trigger); node-pg-migrate's advisory lock makes concurrent runs safe and applied
 * versions are skipped. The application role logs in through RDS Proxy with IAM (`rds_iam`), never a password.
 */
const { DATABASE_APP_USER } = loadConfig({ DATABASE_APP_USER: envVar.text().default('abhi_app') });

export const handler = async (): Promise<{ applied: string[] }> => {
  const config = connectionConfig();
  const applied = await migrateUp(config);
  const client = new pg.Client(config);
  await client.connect();
  try {
    const role = client.escapeIdentifier(DATABASE_APP_USER);
    await client.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${client.escapeLiteral(DATABASE_APP_USER)}) THEN CREATE ROLE ${role} LOGIN; END IF;
      IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN GRANT rds_iam TO ${role}; END IF;
    END $$`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  } finally {
    await client.end();
  }
  logger.info('Migrations applied', { applied, appRole: DATABASE_APP_USER });
  return { applied };
};
