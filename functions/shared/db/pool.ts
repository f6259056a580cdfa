import pg from 'pg';
import * as z from '#shared/zod';
import { ConfigurationError, loadConfig, envVar } from '#shared/config';

/**
 * One PostgreSQL pool per process. Lambda handles one request at a time, so the pool stays small; RDS Proxy
 * multiplexes connections across instances (docs/adr).
 */
let pool: pg.Pool | undefined;

// BIGINT counts are far below 2^53 here; NUMERIC stays a string (exact money).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Where the database is: `DATABASE_URL` (local stack, tests), or in AWS `DATABASE_HOST`/`PORT`/`NAME`/`USER` with
 * `DATABASE_AUTH=iam` (a 15-minute IAM token per new connection, signed for the RDS Proxy user: no password exists,
 * docs/adr/0002). TLS always. The migrations function alone signs in with the RDS-managed master secret
 * (`DATABASE_AUTH=secret`): #shared/db/secret-connection, so no other bundle carries the Secrets Manager client.
 */
export function connectionConfig(): pg.ClientConfig {
  if (process.env.DATABASE_URL) return { connectionString: process.env.DATABASE_URL };
  const { auth, base } = deployedDatabase();
  if (auth !== 'iam') {
    throw new ConfigurationError(
      'DATABASE_AUTH=secret is for the migrations function only (#shared/db/secret-connection): set DATABASE_AUTH=iam for a function that uses the pool.',
    );
  }
  // The RDS signer (with the SDK's full credential-provider chain) is loaded when the first connection asks for a
  // password: only in AWS, and only by a function that connects (locally DATABASE_URL carries the password).
  let signer: Promise<{ getAuthToken(): Promise<string> }> | undefined;
  return {
    ...base,
    password: async () => {
      signer ??= import('@aws-sdk/rds-signer').then(({ Signer }) => new Signer({ hostname: base.host, port: base.port, username: base.user }));
      return (await signer).getAuthToken();
    },
  };
}

/** The deployed database (`DATABASE_HOST`/`PORT`/`NAME`/`USER`, verified TLS) and how to sign in (`DATABASE_AUTH`). */
export function deployedDatabase(): { auth: 'iam' | 'secret'; base: { host: string; port: number; database: string; user: string; ssl: { rejectUnauthorized: true } } } {
  const config = loadConfig({
    DATABASE_HOST: envVar.text(),
    DATABASE_PORT: z._default(envVar.port(), 5432),
    DATABASE_NAME: envVar.text(),
    DATABASE_USER: envVar.text(),
    DATABASE_AUTH: z.enum(['iam', 'secret']),
  });
  // Verified TLS: the proxy's certificate chains to a public CA; the writer's to the RDS CA, which the function's
  // NODE_EXTRA_CA_CERTS (the runtime's RDS bundle) adds to the trust store. Locally DATABASE_URL says the same
  // (sslmode=verify-full with the stack's own CA, infra/local/services/postgres-tls.ts).
  return {
    auth: config.DATABASE_AUTH,
    base: { host: config.DATABASE_HOST, port: config.DATABASE_PORT, database: config.DATABASE_NAME, user: config.DATABASE_USER, ssl: { rejectUnauthorized: true } },
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
    // Nor a checked-out one (withTransaction, the outbox relay): the pool listens only to idle clients, and a client
    // whose server goes away emits 'error' even between queries. Its queries reject anyway, and the pool drops a dead
    // client when it is released, so the event itself needs no handling here.
    pool.on('connect', (client) => client.on('error', () => undefined));
  }
  return pool;
}

let readerPool: pg.Pool | undefined;

/**
 * The pool for read-only routes that need not see the caller's own just-made write (lists, reports, statements,
 * statistics): in prod the Aurora reader (`DATABASE_READER_HOST`, the read-only proxy endpoint), so reports and lists
 * do not compete with money writes and keep working while a failed writer is replaced. Locally
 * `DATABASE_READER_URL` names the same server as `DATABASE_URL` (one PostgreSQL, no replica; a separate pool, so the
 * routing is exercised). Without either, the writer's pool: dev and uat run no reader.
 */
export function getReaderPool(): pg.Pool {
  const readerUrl = process.env.DATABASE_READER_URL;
  const readerHost = process.env.DATABASE_READER_HOST;
  if (!readerUrl && !readerHost) return getPool();
  if (!readerPool) {
    const writer = connectionConfig();
    const config: pg.PoolConfig = readerUrl ? { connectionString: readerUrl } : { ...writer, host: readerHost };
    // IAM tokens are signed per host: the reader endpoint gets its own signer.
    if (!readerUrl && typeof writer.password === 'function' && process.env.DATABASE_AUTH === 'iam') {
      let signer: Promise<{ getAuthToken(): Promise<string> }> | undefined;
      config.password = async () => {
        signer ??= import('@aws-sdk/rds-signer').then(
          ({ Signer }) => new Signer({ hostname: readerHost!, port: Number(process.env.DATABASE_PORT ?? 5432), username: process.env.DATABASE_USER! }),
        );
        return (await signer).getAuthToken();
      };
    }
    readerPool = new pg.Pool({ ...config, max: Number(process.env.DATABASE_POOL_MAX ?? 2), idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000, statement_timeout: 10_000 });
    readerPool.on('error', () => undefined);
    readerPool.on('connect', (client) => client.on('error', () => undefined));
  }
  return readerPool;
}

export type { Queryable } from './queryable';

/** serialization_failure and deadlock_detected: PostgreSQL rolled the whole transaction back; running it again is the cure. */
const RETRYABLE_TRANSACTION_CODES = new Set(['40001', '40P01']);
const TRANSACTION_ATTEMPTS = 4;

/**
 * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. A serialization failure or
 * deadlock runs it again (up to 4 attempts, short jittered pauses), so `work` must only touch the database — true of
 * every caller: events are published and external calls made after the commit.
 */
export async function withTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runTransaction(work);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= TRANSACTION_ATTEMPTS || typeof code !== 'string' || !RETRYABLE_TRANSACTION_CODES.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
    }
  }
}

async function runTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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
  const current = [pool, readerPool];
  pool = readerPool = undefined;
  await Promise.all(current.map((p) => p?.end()));
}
