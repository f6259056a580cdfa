import pg from 'pg';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { loadConfig, envVar } from '#shared/config';

/**
 * One PostgreSQL pool per process. Lambda handles one request at a time, so the pool stays small; RDS Proxy
 * multiplexes connections across instances (docs/adr).
 */
let pool: pg.Pool | undefined;

// BIGINT counts are far below 2^53 here; NUMERIC stays a string (exact money).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Where the database is: `DATABASE_URL` (local stack, tests), or in AWS the RDS Proxy endpoint `DATABASE_HOST`,
 * `DATABASE_NAME` and `DATABASE_USER`, with the password read (and cached 5 min, so rotation is picked up) from the
 * Secrets Manager secret `DATABASE_SECRET_ARN` that Aurora manages. TLS is required in AWS.
 */
export function connectionConfig(): pg.ClientConfig {
  if (process.env.DATABASE_URL) return { connectionString: process.env.DATABASE_URL };
  const config = loadConfig({
    DATABASE_SECRET_ARN: envVar.text(),
    DATABASE_HOST: envVar.text(),
    DATABASE_NAME: envVar.text(),
    DATABASE_USER: envVar.text(),
  });
  return {
    host: config.DATABASE_HOST,
    database: config.DATABASE_NAME,
    user: config.DATABASE_USER,
    port: 5432,
    ssl: true,
    password: async () => {
      const secret = (await getSecret(config.DATABASE_SECRET_ARN, { transform: 'json', maxAge: 300 })) as { password?: string } | undefined;
      if (!secret?.password) throw new Error('The database secret has no password field.');
      return secret.password;
    },
  };
}

export function getPool(): pg.Pool {
  if (!pool) {
    pool = new pg.Pool({
      ...connectionConfig(),
      max: Number(process.env.DATABASE_POOL_MAX ?? 2),
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 10_000,
    });
    // An idle client losing its connection (database restart) must not crash the process.
    pool.on('error', () => undefined);
  }
  return pool;
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await getPool().connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function closePool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.end();
}
