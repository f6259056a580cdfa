import type pg from 'pg';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { envVar, loadConfig } from '#shared/config';
import { connectionConfig, deployedDatabase } from './pool';

/**
 * The migrations function's connection: in AWS straight to the writer as the master user, whose password is the
 * RDS-managed secret (`DATABASE_AUTH=secret`, `DATABASE_SECRET_ARN`; the proxy admits IAM-authenticated application
 * users only). Its own module, so the functions that use the pool (IAM authentication) bundle no Secrets Manager
 * client. Otherwise (`DATABASE_URL` locally, or `DATABASE_AUTH=iam`) the pool's connection.
 */
export function secretConnectionConfig(): pg.ClientConfig {
  if (process.env.DATABASE_URL) return connectionConfig();
  const { auth, base } = deployedDatabase();
  if (auth !== 'secret') return connectionConfig();
  const { DATABASE_SECRET_ARN: secretArn } = loadConfig({ DATABASE_SECRET_ARN: envVar.text() });
  return {
    ...base,
    password: async () => {
      // Cached 5 minutes, so a rotated password is picked up by new connections.
      const secret = (await getSecret(secretArn, { transform: 'json', maxAge: 300 })) as { password?: string } | undefined;
      if (!secret?.password) throw new Error('The database secret has no password field.');
      return secret.password;
    },
  };
}
