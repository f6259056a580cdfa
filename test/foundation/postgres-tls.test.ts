import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionConfig } from '#shared/db/pool';
import { LOCAL_AWS_ENV } from '../../infra/local/services/aws-local';
import { ensurePostgresTls } from '../../infra/local/services/postgres-tls';
import { startSecretsLocal, type SecretsLocal } from '../../infra/local/services/secrets-local';
import { testEnv } from '../support/env';

/**
 * The local PostgreSQL the tests and `npm start` use speaks TLS with a CA generated at its first start, and every
 * client verifies it (sslmode=verify-full), as the functions do against Aurora. The deployed code path
 * (DATABASE_HOST + NODE_EXTRA_CA_CERTS, the migrations function's) runs in a child process against the same server.
 */
const env = testEnv();
const admin = new URL(env.postgresAdminUrl);
const caFile = admin.searchParams.get('sslrootcert') ?? undefined;
const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'deployed-db-connect.ts');
let secrets: SecretsLocal;

beforeAll(async () => {
  secrets = await startSecretsLocal({ secrets: { 'local/db-master': { password: decodeURIComponent(admin.password) } } });
});
afterAll(async () => {
  await secrets?.stop();
});

async function sslOf(config: pg.ClientConfig): Promise<boolean> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0]!.ssl;
  } finally {
    await client.end();
  }
}

function deployedConnect(extraEnv: Record<string, string>): Promise<{ ok: boolean; ssl?: boolean; name?: string; code?: string; message?: string }> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    ...LOCAL_AWS_ENV,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    DATABASE_URL: undefined,
    NODE_EXTRA_CA_CERTS: undefined,
    DATABASE_HOST: admin.hostname,
    DATABASE_PORT: admin.port,
    DATABASE_NAME: 'postgres',
    DATABASE_USER: decodeURIComponent(admin.username),
    DATABASE_AUTH: 'secret',
    DATABASE_SECRET_ARN: 'local/db-master',
    ...extraEnv,
  };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', FIXTURE], { env: childEnv as NodeJS.ProcessEnv, timeout: 30_000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop();
      if (!line) return reject(new Error(`no output: ${error?.message ?? ''} ${stderr}`));
      resolve(JSON.parse(line));
    });
  });
}

describe.skipIf(!caFile)('local PostgreSQL over verified TLS (skipped for an external DATABASE_URL without sslrootcert)', () => {
  it("the functions' pool (DATABASE_URL) connects with verify-full against the stack's own CA, and the session is encrypted", async () => {
    expect(new URL(env.databaseUrl).searchParams.get('sslmode')).toBe('verify-full');
    expect(await sslOf(connectionConfig())).toBe(true);
  });

  it('a client that trusts another CA is refused before it sends a password', async () => {
    const wrongCa = ensurePostgresTls(mkdtempSync(path.join(tmpdir(), 'abhi-ewa-wrong-ca-')), 'an unrelated CA').caFile;
    const url = new URL(env.databaseUrl);
    url.searchParams.set('sslrootcert', wrongCa);
    const error = await sslOf({ connectionString: url.toString() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT/);
  });

  it('deployed path (DATABASE_HOST, master secret, NODE_EXTRA_CA_CERTS as on Lambda): verifies and connects over TLS', async () => {
    expect(await deployedConnect({ NODE_EXTRA_CA_CERTS: caFile! })).toEqual({ ok: true, ssl: true });
  });

  it('deployed path without the CA bundle (the defect of a first deploy): the handshake is refused, nothing connects', async () => {
    const result = await deployedConnect({});
    expect(result.ok).toBe(false);
    expect(result.code).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  it('the pool refuses the master secret (DATABASE_AUTH=secret is the migrations function\'s alone): a configuration error naming the fix, nothing connects', async () => {
    const result = await deployedConnect({ NODE_EXTRA_CA_CERTS: caFile!, CONNECT_WITH: 'pool' });
    expect(result).toMatchObject({ ok: false, name: 'ConfigurationError' });
    expect(result.message).toMatch(/DATABASE_AUTH=iam/);
  });
});
